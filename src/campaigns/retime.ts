// After the lead-time model refreshes, prompts still planned (not yet due) move to the day the
// new model gives, so a courier that slowed down this week delays the prompts of cards already
// on their way, not only of the next ones. Only moves to a time still ahead, and only while the
// first prompt has not gone; a prompt already marked late, or from a fixed rule, stays.

import type { Ctx } from "../context";
import type { AfterDeliveryTrigger } from "../db/schema";
import { retimePlanned } from "../outbox/moves";
import { loadModel, refreshModel } from "../shipments/model";
import { decide, decisionColumns, explain } from "./after-delivery";
import { liveCampaigns } from "./service";
import { type PlannedPrompt, plannedPrompts, retimeDecisions } from "./store";

export async function retimePrompts(ctx: Ctx): Promise<number> {
  const now = ctx.clock.now().getTime();
  const live = await liveCampaigns(ctx, "after_delivery");
  let moved = 0;
  for (const c of live) {
    const t = c.trigger as AfterDeliveryTrigger;
    if (!("quantile" in t.timing)) continue;
    const model = await loadModel(ctx, t.item_kind);
    const rows = await plannedPrompts(ctx.db, ctx.tenantId, c.id);
    const changes: Record<string, unknown>[] = [];
    const byShipment = new Map<string, PlannedPrompt[]>();
    for (const r of rows) byShipment.set(r.id, [...(byShipment.get(r.id) ?? []), r]);
    for (const list of byShipment.values()) {
      // Follow-ups count from the first prompt: once it has gone, its follow-ups stay put.
      if (!list.some((r) => r.step === 1)) continue;
      // The schedule from the shipped date alone (0: no "already late" shift).
      const decisions = decide(t, model, list[0] as PlannedPrompt, 0);
      for (const r of list) {
        const d = decisions[r.step - 1];
        // A send-time arm keeps its shift from the new day.
        const at = d ? d.at + (c.experiment?.arms.find((a) => a.name === r.arm)?.shift_hours ?? 0) * 3_600_000 : 0;
        if (!d || at === r.send_at || at <= now) continue;
        changes.push({
          id: r.message_id,
          at,
          valid_until: c.validForMs === null ? null : at + c.validForMs,
          ...decisionColumns(d),
          detail: `Re-timed after the model refreshed. ${explain(c, t, r, d)}`,
        });
      }
    }
    if (changes.length === 0) continue;
    const json = JSON.stringify(changes);
    await ctx.db.batch([...retimePlanned(ctx, json, now), retimeDecisions(ctx.tenantId, json)]);
    moved += changes.length;
  }
  return moved;
}

/** Rebuilds the model, then moves what is still planned to it: the daily job and the on-demand refresh. */
export async function refreshAndRetime(ctx: Ctx) {
  const r = await refreshModel(ctx);
  return { ...r, retimed: await retimePrompts(ctx) };
}
