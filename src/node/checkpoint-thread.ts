// Copies the WAL back into the database file, on a thread of its own with its own connection
// (started by checkpointer.ts). A checkpoint writes and fsyncs; done inside a commit it stalls
// whoever committed: a webhook, a chunk of a broadcast being planned. Here it overlaps them.
// PASSIVE never waits for a lock, so it never holds up a writer either.

import { parentPort, workerData } from "node:worker_threads";
import BetterSqlite3 from "better-sqlite3";

export type ToCheckpointer = { stop: true };
export type FromCheckpointer = { checkpointed: { frames: number; copied: number } };

const port = parentPort;
if (!port) throw new Error("checkpoint-thread.ts runs as a worker thread (see checkpointer.ts)");
const { path, everyMs } = workerData as { path: string; everyMs: number };
const db = new BetterSqlite3(path);
db.pragma("busy_timeout = 1000");

function checkpoint() {
  const [r] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number; checkpointed: number }[];
  if (r && r.log > 0)
    port?.postMessage({ checkpointed: { frames: r.log, copied: r.checkpointed } } satisfies FromCheckpointer);
}

const timer = setInterval(checkpoint, everyMs);
port.on("message", (_m: ToCheckpointer) => {
  clearInterval(timer);
  checkpoint();
  db.close();
  port.close();
});
