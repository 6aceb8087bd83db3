import { planCampaigns } from "../../src/campaigns/planner";
import { createCampaign, moveCampaign } from "../../src/campaigns/service";
import { loadDefaultTemplates } from "../../src/node/templates";
import { libraryOf } from "../../src/templates/library";
import type { Result } from ".";
import { segmentWorkspace } from "./segment-count";

const CUSTOMERS = 1_000_000;

/** A broadcast to a 1,000,000-customer segment, planned into the outbox (rows and history). */
export async function planBroadcast1m(): Promise<Result> {
  const { ctx } = await segmentWorkspace(CUSTOMERS);
  const env = { ...ctx, library: libraryOf({ defaultTemplates: loadDefaultTemplates() }) };
  const campaign = await createCampaign(env, {
    name: "Everyone",
    kind: "broadcast",
    template: "new_year_greeting",
    variables: { year: "2027" },
    // Every customer: the segment language's own "always true" for a built-in field.
    audience: { filter: { field: "locale", op: "exists" } },
  });
  await moveCampaign(ctx, campaign.id, "schedule", { confirm_audience: CUSTOMERS });
  const t0 = performance.now();
  const result = await planCampaigns(ctx);
  const seconds = (performance.now() - t0) / 1000;
  if (result.planned !== CUSTOMERS) throw new Error(`planned ${result.planned}`);
  const again = performance.now();
  await moveCampaign(ctx, campaign.id, "pause");
  await moveCampaign(ctx, campaign.id, "resume");
  const replan = await planCampaigns(ctx);
  return {
    value: Math.round(CUSTOMERS / seconds),
    unit: "recipients/s",
    target: 250_000,
    better: "higher",
    seconds: Number(seconds.toFixed(2)),
    peak_rss_target_mb: 300,
    replan_noop_ms: replan.planned === 0 ? Math.round(performance.now() - again) : -1,
  };
}
