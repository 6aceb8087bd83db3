import cron from "node-cron";
import type { Deps } from "../deps";
import type { Job } from "../jobs";

/**
 * Runs a job without overlap: a call while it runs asks for one more run after it, so a kick
 * from the API and the cron tick never run the dispatcher twice at once.
 */
function serial(job: Job, deps: Deps) {
  let running: Promise<void> | null = null;
  let again = false;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await job.run(deps);
        } catch (e) {
          console.error(`job ${job.name} failed:`, e);
        }
      } while (again);
    })();
    try {
      await running;
    } finally {
      running = null;
    }
  };
  return { run, idle: () => running ?? Promise.resolve() };
}

const KICK_DELAY_MS = 20;

/**
 * Schedules every job with node-cron in UTC. Returns `kick(name)` to run one now (the API calls
 * it when a message is due at once) and `stop()`, which waits for running jobs to finish. Sets
 * `deps.signal`, aborted by stop(): a job working through a backlog ends after its batch instead
 * of finishing it first (inbound webhooks journaled in a storm can be minutes of work).
 */
export function startJobs(jobs: Job[], deps: Deps) {
  const stopping = new AbortController();
  deps.signal = stopping.signal;
  const runners = new Map(jobs.map((job) => [job.name, serial(job, deps)]));
  // The tick does not wait for the run: serial() already makes a tick during a run one more run
  // after it. (node-cron's own overlap check logged a warning at every tick a long run spanned,
  // every five seconds through a webhook storm's drain.)
  const tasks = jobs.map((job) =>
    cron.schedule(
      job.nodeSchedule ?? job.schedule,
      () => {
        void runners.get(job.name)?.run();
      },
      { name: job.name, timezone: "Etc/UTC" },
    ),
  );
  let stopped = false;
  // Kicks come in bursts (a webhook per inbound SMS, a reply per webhook): one run a few
  // milliseconds later handles the whole burst, instead of a run per kick with its fixed cost.
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  return {
    kick(name: string) {
      if (stopped || pending.has(name)) return;
      pending.set(
        name,
        setTimeout(() => {
          pending.delete(name);
          if (!stopped) void runners.get(name)?.run();
        }, KICK_DELAY_MS),
      );
    },
    async stop() {
      stopped = true;
      stopping.abort();
      for (const t of pending.values()) clearTimeout(t);
      await Promise.all(tasks.map((t) => t.stop()));
      await Promise.all([...runners.values()].map((r) => r.idle()));
    },
  };
}
