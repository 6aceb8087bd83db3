// The import parse thread: runs the shared parse stage (src/customers/import-parse.ts) on the
// bytes the main thread posts, and posts back the chunks of checked and prepared rows it makes
// (import-chunk.ts: packed, so each is a structured clone of a few values).

import { parentPort } from "node:worker_threads";
import { parseInline } from "../customers/import-parse";
import type { PrepareRules } from "../customers/model";
import { CsvSyntaxError } from "../lib/csv";
import type { FromParser, ToParser } from "./import-parser";

type Job = { controller: ReadableStreamDefaultController<Uint8Array>; cancelled: boolean };

const port = parentPort;
if (!port) throw new Error("import-parse-thread.ts runs as a worker thread");
const jobs = new Map<number, Job>();
const post = (m: FromParser) => port.postMessage(m);
/** The parser's reads are reported every this many bytes: the sender posts more as they go. */
const REPORT_EVERY = 64 * 1024;

/** The body as the parser reads it, reporting how much it has read. */
function reporting(id: number, body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let consumed = 0;
  let reported = 0;
  // No read ahead (highWaterMark 0): a chunk counts once the parser has asked for it.
  return new ReadableStream<Uint8Array>(
    {
      async pull(c) {
        const { done, value } = await reader.read();
        if (done) return c.close();
        consumed += value.byteLength;
        if (consumed - reported >= REPORT_EVERY) {
          reported = consumed;
          post({ id, consumed });
        }
        c.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

async function run(id: number, rules: PrepareRules, job: Job, body: ReadableStream<Uint8Array>) {
  try {
    for await (const chunk of parseInline(reporting(id, body), rules)) {
      if (job.cancelled) return;
      post({ id, chunk });
    }
    post({ id, done: true });
  } catch (e) {
    if (job.cancelled) return;
    post({
      id,
      error: e instanceof CsvSyntaxError ? { line: e.line, reason: e.reason } : { message: String(e) },
    });
  } finally {
    jobs.delete(id);
  }
}

port.on("message", (m: ToParser) => {
  if ("start" in m) {
    const job = { cancelled: false } as Job;
    // start() runs at construction, so the controller is there before the first chunk.
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        job.controller = c;
      },
    });
    jobs.set(m.id, job);
    void run(m.id, m.start.rules, job, body);
    return;
  }
  const job = jobs.get(m.id);
  if (!job) return;
  if ("chunk" in m) job.controller.enqueue(m.chunk);
  else if ("end" in m) job.controller.close();
  else {
    job.cancelled = true;
    job.controller.error(new Error("cancelled"));
    jobs.delete(m.id);
  }
});
port.postMessage({ ready: true } satisfies FromParser);
