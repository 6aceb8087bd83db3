// The scheduled jobs (planner, dispatcher, inbound pipeline, ...) on a thread of their own with
// their own connection to the database file, started by background.ts. The HTTP thread then only
// answers requests and stores what they bring: a webhook storm no longer waits behind the
// pipeline, and a broadcast being planned no longer stalls the API.
//
// The thread also checkpoints the WAL for the whole process (the HTTP thread's connection has
// automatic checkpoints turned off), so the fsyncs a checkpoint needs never block a request.

import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { jobs } from "../../jobs";
import type { NodeConfig } from "./config";
import { startJobs } from "./cron";
import { nodeDeps } from "./runtime";

export type ToJobs = { kick: string } | { stop: true };
export type FromJobs = { ready: true } | { checkpointed: { frames: number; copied: number } } | { stopped: true };

// Requests come first: under load the jobs take what CPU is left. The nice value is per thread
// on Linux, so this touches only this thread.
const NICE = 19;
const CHECKPOINT_EVERY_MS = 1000;

const port = parentPort;
if (!port) throw new Error("jobs-thread.ts runs as a worker thread (see background.ts)");
const send = (m: FromJobs) => port.postMessage(m);

try {
  setPriority(NICE);
} catch {
  // Not allowed here (some containers): the jobs run at normal priority.
}

const { config } = workerData as { config: NodeConfig };
const deps = await nodeDeps(config, { migrate: false });
const scheduler = startJobs(jobs, deps);
deps.onMessageDue = () => scheduler.kick("dispatch");
deps.onInboundReceived = () => scheduler.kick("inbound");

function checkpoint() {
  const [r] = deps.db.sqlite.pragma("wal_checkpoint(PASSIVE)") as { log: number; checkpointed: number }[];
  if (r && r.log > 0) send({ checkpointed: { frames: r.log, copied: r.checkpointed } });
}
const timer = setInterval(checkpoint, CHECKPOINT_EVERY_MS);

port.on("message", async (m: ToJobs) => {
  if ("kick" in m) return scheduler.kick(m.kick);
  clearInterval(timer);
  await scheduler.stop();
  await deps.providers.close();
  checkpoint();
  deps.db.close();
  send({ stopped: true });
  port.close();
});

send({ ready: true });
// Whatever was due while the service was down (or left mid-send by a crash) goes out now.
scheduler.kick("dispatch");
