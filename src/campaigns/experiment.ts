// A campaign's experiment as stored: what the create body gave, with the goal an after-delivery
// campaign has anyway (its item's conversion event), and a rollout only where it can run.

import type { CampaignTrigger, Experiment } from "../db/schema";
import { ValidationError } from "../lib/errors";
import { CONVERSION_EVENT } from "../shipments/conversion";
import type { CampaignCreate } from "./schemas";

/** Days a prompt's conversion is counted for when the campaign names none. */
export const DEFAULT_GOAL_DAYS = 14;

export function experimentOf(input: CampaignCreate, trigger: CampaignTrigger | null): Experiment | null {
  const x = input.experiment;
  if (!x) return null;
  if (x.rollout && input.kind !== "broadcast")
    throw ValidationError.field("experiment.rollout", "is for broadcasts: the winner goes to the rest of one send");
  const goal =
    x.goal ??
    (trigger?.type === "after_delivery"
      ? { event: CONVERSION_EVENT[trigger.item_kind], within_days: DEFAULT_GOAL_DAYS }
      : undefined);
  return { ...x, ...(goal && { goal }) };
}
