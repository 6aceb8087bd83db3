// The service as `npm start` runs it, for the benches that load it over HTTP from another
// process: a WAL file in a temp directory, checkpointed by its own thread, the jobs on theirs.
// (Each server imports src/node/heap first, before anything else.)

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createApp } from "../../src/app";
import { newSecretKeyBase64 } from "../../src/lib/secretbox";
import { connectBackground, startBackground } from "../../src/node/background";
import { startCheckpointer } from "../../src/node/checkpointer";
import { loadConfig } from "../../src/node/config";
import { nodeDeps } from "../../src/node/runtime";

/**
 * Opens the database (the bench fills it first, with no job running beside its writes);
 * `start` then starts the checkpoints and the jobs, serves `fetch` (the app, with the bench's
 * own paths in front) on a free port, and prints `@@READY <port> <word>`. SIGTERM stops it all
 * and removes the files.
 */
export async function benchService(name: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), `tidings-${name}-`));
  const config = loadConfig({
    TIDINGS_DB_PATH: join(dir, "bench.db"),
    TIDINGS_SECRET_KEY: newSecretKeyBase64(),
    TIDINGS_SEED_DEMO: "false",
    ...env,
  });
  const deps = await nodeDeps(config);
  const app = createApp(deps);
  const start = (fetch: (req: Request) => Response | Promise<Response>, word: string) => {
    const checkpointer = startCheckpointer(deps.db, deps.clock);
    const background = startBackground(config, deps);
    connectBackground(deps, background);
    const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
      process.stdout.write(`@@READY ${info.port} ${word}\n`);
    });
    process.on("SIGTERM", async () => {
      await background.stop();
      await checkpointer?.stop();
      server.close();
      background.close();
      deps.db.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  };
  return { deps, app, start };
}
