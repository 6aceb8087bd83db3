// A campaign's experiment as stored: what the create body gave, with the goal an after-delivery
// campaign has anyway (its item's conversion event), and a rollout only where it can run.

import type { Ctx } from "../context";
import type { CampaignTrigger, Experiment } from "../db/schema";
import { ValidationError } from "../lib/errors";
import { CONVERSION_EVENT } from "../shipments/conversion";
import type { TemplateLibrary } from "../templates/library";
import { checkTemplateKey } from "../templates/service";
import type { CampaignCreate } from "./schemas";

/** Days a prompt's conversion is counted for when the campaign names none. */
export const DEFAULT_GOAL_DAYS = 14;

export function experimentOf(
  kind: string,
  x: CampaignCreate["experiment"] | null | undefined,
  trigger: CampaignTrigger | null,
): Experiment | null {
  if (!x) return null;
  for (const [i, arm] of x.arms.entries()) {
    if (!arm.shift_hours) continue;
    if (kind !== "broadcast" && kind !== "after_delivery")
      throw ValidationError.field(`experiment.arms.${i}.shift_hours`, "is for broadcasts and after-delivery campaigns");
    // A broadcast is planned at its send time: an earlier send would only go late.
    if (kind === "broadcast" && arm.shift_hours < 0)
      throw ValidationError.field(`experiment.arms.${i}.shift_hours`, "must not be negative for a broadcast");
  }
  if (x.rollout && kind !== "broadcast")
    throw ValidationError.field("experiment.rollout", "is for broadcasts: the winner goes to the rest of one send");
  const goal =
    x.goal ??
    (trigger?.type === "after_delivery"
      ? { event: CONVERSION_EVENT[trigger.item_kind], within_days: DEFAULT_GOAL_DAYS }
      : undefined);
  return { ...x, ...(goal && { goal }) };
}

/** The experiment as stored, each arm's own template checked as the campaign's is. */
export async function checkedExperiment(
  env: Ctx & { library: TemplateLibrary },
  kind: string,
  x: CampaignCreate["experiment"] | null | undefined,
  trigger: CampaignTrigger | null,
  chain: string[],
): Promise<Experiment | null> {
  for (const [i, arm] of (x?.arms ?? []).entries())
    if (arm.template) await checkTemplateKey(env, env.library, arm.template, chain, `experiment.arms.${i}.template`);
  return experimentOf(kind, x, trigger);
}
