import { planCampaigns } from "../campaigns/planner";
import type { Deps } from "../deps";

/** Turns campaign occurrences due within the horizon into outbox rows; safe to run twice at once. */
export async function runPlan(deps: Deps) {
  return planCampaigns({ db: deps.db, clock: deps.clock, ids: deps.ids });
}
