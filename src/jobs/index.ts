import type { Deps } from "../deps";
import { runApprovals } from "./approvals";
import { runClicks } from "./clicks";
import { runDispatch } from "./dispatch";
import { runExpire } from "./expire";
import { runInbound } from "./inbound";
import { runLeadTimes } from "./lead-times";
import { runPlan } from "./plan";
import { runPrune } from "./prune";
import { runWebhooks } from "./webhooks";

/**
 * A scheduled job: a plain function and its cron schedule (UTC). node-cron (src/node/cron.ts)
 * and the Worker's scheduled() both run this list.
 */
export type Job = {
  name: string;
  /** Cron expression, evaluated in UTC on both runtimes. */
  schedule: string;
  /** A finer schedule where the runtime allows seconds (node-cron); Cron Triggers tick each minute. */
  nodeSchedule?: string;
  run(deps: Deps): Promise<void>;
};

export const jobs: Job[] = [
  {
    name: "plan",
    schedule: "* * * * *",
    nodeSchedule: "*/10 * * * * *",
    async run(deps) {
      await runPlan(deps);
    },
  },
  {
    name: "dispatch",
    schedule: "* * * * *",
    // Retries, quiet-hour releases and recovered leases come due between minutes.
    nodeSchedule: "*/5 * * * * *",
    async run(deps) {
      await runDispatch(deps);
    },
  },
  {
    name: "inbound",
    schedule: "* * * * *",
    // Webhooks kick it at once; the tick picks up what a crash left (leases run out).
    nodeSchedule: "*/5 * * * * *",
    async run(deps) {
      await runInbound(deps);
    },
  },
  {
    name: "lead_times",
    // Daily, at a quiet hour for most of Asia and Europe; the planner refreshes a stale model itself.
    schedule: "17 2 * * *",
    async run(deps) {
      await runLeadTimes(deps);
    },
  },
  {
    name: "approvals",
    // Reviews at Aliyun and Tencent take hours: a look every quarter hour is soon enough.
    schedule: "*/15 * * * *",
    async run(deps) {
      await runApprovals(deps);
    },
  },
  {
    name: "webhooks",
    schedule: "* * * * *",
    // Retries come due between minutes; a new event waits at most this long.
    nodeSchedule: "*/5 * * * * *",
    async run(deps) {
      await runWebhooks(deps);
    },
  },
  {
    name: "clicks",
    schedule: "* * * * *",
    // A click reaches the timeline, its campaign's numbers and integrators within seconds.
    nodeSchedule: "*/5 * * * * *",
    async run(deps) {
      await runClicks(deps);
    },
  },
  {
    name: "prune",
    // Daily, at a quiet hour, like lead_times.
    schedule: "43 2 * * *",
    async run(deps) {
      await runPrune(deps);
    },
  },
  {
    name: "expire",
    schedule: "* * * * *",
    async run(deps) {
      await runExpire(deps);
    },
  },
];
