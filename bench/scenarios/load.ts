// Kept apart from common.ts: only the scenarios that load a server over HTTP carry autocannon
// (each scenario's peak RSS is its own).
import autocannon from "autocannon";

/** GETs of `paths` in turn, with these headers, from `connections` connections for `seconds`. */
export function getLoad(
  port: number,
  paths: string[],
  opts: { seconds: number; connections: number; headers: Record<string, string> },
) {
  let n = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: opts.connections,
    duration: opts.seconds,
    requests: [
      {
        method: "GET",
        setupRequest(req: autocannon.Request) {
          req.path = paths[n++ % paths.length] as string;
          req.headers = opts.headers;
          return req;
        },
      },
    ],
  });
}
