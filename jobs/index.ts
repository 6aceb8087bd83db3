import type { Deps } from "../src/deps";
import { runDispatch } from "./dispatch";

/**
 * A scheduled job: a plain function and its cron schedule (UTC). node-cron (src/node/cron.ts)
 * and, later, the Worker's scheduled() both run this list. Later issues add the planner and
 * the expirer here.
 */
export type Job = {
  name: string;
  /** Cron expression, evaluated in UTC on both runtimes. */
  schedule: string;
  run(deps: Deps): Promise<void>;
};

export const jobs: Job[] = [
  {
    name: "dispatch",
    schedule: "* * * * *",
    async run(deps) {
      await runDispatch(deps);
    },
  },
];
