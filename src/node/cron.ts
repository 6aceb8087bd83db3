import cron from "node-cron";
import type { Job } from "../../jobs";
import type { Deps } from "../deps";

/** Schedules every job with node-cron in UTC; returns a function that stops them all. */
export function startJobs(jobs: Job[], deps: Deps): () => Promise<void> {
  const tasks = jobs.map((job) =>
    cron.schedule(
      job.schedule,
      async () => {
        try {
          await job.run(deps);
        } catch (e) {
          console.error(`job ${job.name} failed:`, e);
        }
      },
      { name: job.name, timezone: "Etc/UTC", noOverlap: true },
    ),
  );
  return async () => {
    await Promise.all(tasks.map((t) => t.stop()));
  };
}
