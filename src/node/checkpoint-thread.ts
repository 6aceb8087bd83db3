// Copies the WAL back into the database file, on a thread of its own with its own connection
// (started by checkpointer.ts). A checkpoint writes and fsyncs; done inside a commit it stalls
// whoever committed: a webhook, a chunk of a broadcast being planned. Here it overlaps them.
// PASSIVE never waits for a lock, so it never holds up a writer either.

import { existsSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import BetterSqlite3 from "better-sqlite3";

export type ToCheckpointer = { stop: true };
export type FromCheckpointer = { checkpointed: { frames: number; copied: number } };

const port = parentPort;
if (!port) throw new Error("checkpoint-thread.ts runs as a worker thread (see checkpointer.ts)");
const { path, also, everyMs } = workerData as { path: string; also: string[]; everyMs: number };
const db = new BetterSqlite3(path);
db.pragma("busy_timeout = 1000");
// Other files of the database's (the inbound journal), once they exist.
const others = new Map<string, BetterSqlite3.Database>();

function checkpoint() {
  const [r] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number; checkpointed: number }[];
  if (r && r.log > 0)
    port?.postMessage({ checkpointed: { frames: r.log, copied: r.checkpointed } } satisfies FromCheckpointer);
  for (const p of also) {
    let other = others.get(p);
    if (!other && existsSync(p)) {
      other = new BetterSqlite3(p, { fileMustExist: true });
      other.pragma("busy_timeout = 1000");
      others.set(p, other);
    }
    other?.pragma("wal_checkpoint(PASSIVE)");
  }
}

const timer = setInterval(checkpoint, everyMs);
port.on("message", (_m: ToCheckpointer) => {
  clearInterval(timer);
  checkpoint();
  db.close();
  for (const other of others.values()) other.close();
  port.close();
});
