// The scheduled jobs (planner, dispatcher, inbound pipeline, ...) on a thread of their own with
// their own connection to the database file, started by background.ts. The HTTP thread then only
// answers requests and stores what they bring: a webhook storm no longer waits behind the
// pipeline, and a broadcast being planned no longer stalls the API.

import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { jobs } from "../jobs";
import type { NodeConfig } from "./config";
import { startJobs } from "./cron";
import { clickIntake, type JournalLink, journalIntake } from "./journal";
import { nodeDeps } from "./runtime";

export type ToJobs = { kick: string } | { stop: true };
export type FromJobs = { ready: true };

// Requests come first: under load the jobs take what CPU is left. The nice value is per thread
// on Linux, so this touches only this thread.
const NICE = 19;

const port = parentPort;
if (!port) throw new Error("jobs-thread.ts runs as a worker thread (see background.ts)");

try {
  setPriority(NICE);
} catch {
  // Not allowed here (some containers): the jobs run at normal priority.
}

const { config, autoCheckpoint, yieldTo, journal } = workerData as {
  config: NodeConfig;
  autoCheckpoint: number;
  yieldTo: Int32Array;
  journal: JournalLink;
};
const deps = await nodeDeps(config, { migrate: false, yieldTo });
deps.db.sqlite.pragma(`wal_autocheckpoint = ${autoCheckpoint}`);
// Webhooks journal inbound SMS in a file of their own; the pipeline moves them in before each claim.
const intake = journalIntake(journal, deps.db);
deps.inboundIntake = intake.intake;
// And short links' clicks, which the click job moves in before it counts.
const clicks = clickIntake(journal, deps.db);
deps.clickIntake = clicks.intake;
const scheduler = startJobs(jobs, deps);
deps.onMessageDue = () => scheduler.kick("dispatch");
deps.onInboundReceived = () => scheduler.kick("inbound");
// A receipt the simulator holds is collected when it falls due, not up to a tick later.
let receipts: { at: number; timer: ReturnType<typeof setTimeout> } | null = null;
deps.onReceiptsDue = (at) => {
  if (receipts && receipts.at <= at) return;
  if (receipts) clearTimeout(receipts.timer);
  const timer = setTimeout(
    () => {
      receipts = null;
      scheduler.kick("dispatch");
    },
    Math.max(0, at - deps.clock.now().getTime()),
  );
  timer.unref();
  receipts = { at, timer };
};

port.on("message", async (m: ToJobs) => {
  if ("kick" in m) return scheduler.kick(m.kick);
  // Providers close at once, not after the jobs: a send waiting on a silent provider ends now
  // (its outcome recorded as unknown), so stopping takes moments whatever the providers do.
  if (receipts) clearTimeout(receipts.timer);
  await Promise.all([scheduler.stop(), deps.providers.close()]);
  intake.close();
  clicks.close();
  deps.db.close();
  port.close();
});

port.postMessage({ ready: true } satisfies FromJobs);
// Whatever was due while the service was down (or left mid-send by a crash) goes out now.
scheduler.kick("dispatch");
