import { PayloadTooLargeError } from "../lib/errors";

/**
 * The request body as a stream that fails with 413 once it passes `maxBytes`. Hono's bodyLimit
 * buffers bodies sent without Content-Length, which would defeat a streamed import.
 */
export function limitedBody(req: Request, maxBytes: number): ReadableStream<Uint8Array> | null {
  const declared = Number(req.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) throw new PayloadTooLargeError(maxBytes);
  if (!req.body) return null;
  let seen = 0;
  return req.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(new PayloadTooLargeError(maxBytes));
        else controller.enqueue(chunk);
      },
    }),
  );
}
