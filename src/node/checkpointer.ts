// Starts checkpoint-thread.ts for a database file. While it runs, the process's connections
// leave checkpoints to it: their own automatic checkpoint only starts when the WAL has grown
// far past what the thread lets it reach (the thread died, or a write outran it). Connections
// opened later (the jobs thread's) copy the setting from this one.

import type { Clock } from "../lib/clock";
import type { FromCheckpointer, ToCheckpointer } from "./checkpoint-thread";
import type { NodeDatabase } from "./db";
import { journalPath } from "./journal";
import { startThread } from "./threads";

const EVERY_MS = 500;
/** A connection's own wal_autocheckpoint while the thread runs: 10,000 pages (160 MiB). */
const FALLBACK_AUTO_CHECKPOINT = 10_000;
const SQLITE_AUTO_CHECKPOINT = 1000;

export type Checkpointer = {
  readonly last: { frames: number; copied: number; at: number } | null;
  stop(): Promise<void>;
};

/** Null for an in-memory database, which has no WAL. */
export function startCheckpointer(db: NodeDatabase, clock: Clock): Checkpointer | null {
  if (db.sqlite.memory) return null;
  const worker = startThread("checkpoint-thread", {
    workerData: {
      path: db.sqlite.name,
      also: [journalPath(db.sqlite.name)],
      everyMs: EVERY_MS,
    },
  });
  db.sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTO_CHECKPOINT}`);
  let last: Checkpointer["last"] = null;
  let exited = false;
  worker.on("message", (m: FromCheckpointer) => {
    last = { ...m.checkpointed, at: clock.now().getTime() };
  });
  worker.on("error", (e) => console.error("the checkpoint thread failed:", e));
  const done = new Promise<void>((resolve) =>
    worker.once("exit", () => {
      exited = true;
      // Nobody checkpoints for this connection any more: it does so itself again.
      if (db.sqlite.open) db.sqlite.pragma(`wal_autocheckpoint = ${SQLITE_AUTO_CHECKPOINT}`);
      resolve();
    }),
  );
  // It never keeps the process alive on its own (after the listeners: a message listener refs
  // the port again); stop() finishes its last checkpoint.
  worker.unref();
  return {
    get last() {
      return last;
    },
    async stop() {
      if (exited) return;
      // Waited for now: without a ref the process could end before the thread does.
      worker.ref();
      worker.postMessage({ stop: true } satisfies ToCheckpointer);
      await done;
    },
  };
}
