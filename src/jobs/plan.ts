import { planCampaigns } from "../campaigns/planner";
import type { Deps } from "../deps";

/** Turns campaign occurrences due within the horizon into outbox rows; safe to run twice at once. */
export async function runPlan(deps: Deps) {
  const result = await planCampaigns({ db: deps.db, clock: deps.clock, ids: deps.ids });
  // What was planned for now goes out at once, not at the dispatcher's next tick.
  if (result.planned > 0) deps.onMessageDue?.();
  return result;
}
