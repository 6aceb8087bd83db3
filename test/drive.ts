import { runDispatch } from "../src/jobs/dispatch";
import { runExpire } from "../src/jobs/expire";
import { runPlan } from "../src/jobs/plan";
import type { TestEnv } from "./harness";

const HORIZON_MS = 5 * 60_000;

/**
 * Runs the scheduler jobs through simulated time up to `until`, jumping straight to the next
 * moment anything can happen (a campaign's next slot coming within the planner's horizon, a
 * message falling due): a year of scheduling in seconds, with the same jobs node-cron runs.
 */
export async function drive(env: TestEnv, until: string | number, onStep?: () => Promise<void>) {
  const end = new Date(until).getTime();
  for (let steps = 0; ; steps++) {
    if (steps > 200_000) throw new Error("drive: too many steps");
    await runPlan(env.deps);
    await runDispatch(env.deps);
    await runExpire(env.deps);
    if (onStep) await onStep();
    const now = env.clock.now().getTime();
    const [row] = await env.db.rawAll<{ next: number | null }>(
      `select min(t) as next from (
         select min(case when next_occurrence_at - ${HORIZON_MS} > ${now} then next_occurrence_at - ${HORIZON_MS}
           else next_occurrence_at end) as t from campaigns where status in ('scheduled', 'running')
         union all select min(due_at) from messages where status in ('planned', 'queued')
         union all select min(valid_until) from messages where status in ('planned', 'queued'))`,
      [],
    );
    const next = row?.next ?? null;
    // A campaign the planner looked at ahead and left (a rollout waits for its decision time)
    // moves the clock to its time; anything due but not acted on, a second a step. Never past
    // the end.
    const to = next === null ? null : Math.max(next, now + 1000);
    if (to === null || to > end) break;
    env.clock.set(to);
  }
  if (env.clock.now().getTime() < end) {
    env.clock.set(end);
    await runPlan(env.deps);
    await runDispatch(env.deps);
    await runExpire(env.deps);
  }
}
