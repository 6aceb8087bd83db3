// After the lead-time model refreshes, prompts still planned (not yet due) move to the day the
// new model gives, so a courier that slowed down this week delays the prompts of cards already
// on their way, not only of the next ones. Only moves to a time still ahead, and only while the
// first prompt has not gone; a prompt already marked late, or from a fixed rule, stays.

import type { Ctx } from "../context";
import type { AfterDeliveryTrigger } from "../db/schema";
import { retimePlanned } from "../outbox/moves";
import { loadModel, refreshModel } from "../shipments/model";
import { type Candidate, decide, decisionColumns, explain } from "./after-delivery";
import { liveCampaigns } from "./service";

type Planned = Candidate & { message_id: string; step: number; send_at: number };

export async function retimePrompts(ctx: Ctx): Promise<number> {
  const now = ctx.clock.now().getTime();
  const live = await liveCampaigns(ctx, "after_delivery");
  let moved = 0;
  for (const c of live) {
    const t = c.trigger as AfterDeliveryTrigger;
    if (!("quantile" in t.timing)) continue;
    const model = await loadModel(ctx, t.item_kind);
    const rows = await ctx.db.rawAll<Planned>(
      `select t.message_id, t.step, m.send_at, s.id, s.customer_id, s.courier, s.region, s.reference, s.shipped_at,
         s.promised_days, c.time_zone as zone
       from timing_decisions t
       join messages m on m.tenant_id = t.tenant_id and m.id = t.message_id
       join shipments s on s.tenant_id = t.tenant_id and s.id = t.shipment_id
       join customers c on c.tenant_id = s.tenant_id and c.id = s.customer_id
       where t.tenant_id = ? and t.campaign_id = ? and m.status = 'planned' and t.late = 0`,
      [ctx.tenantId, c.id],
    );
    const changes: Record<string, unknown>[] = [];
    const byShipment = new Map<string, Planned[]>();
    for (const r of rows) byShipment.set(r.id, [...(byShipment.get(r.id) ?? []), r]);
    for (const list of byShipment.values()) {
      // Follow-ups count from the first prompt: once it has gone, its follow-ups stay put.
      if (!list.some((r) => r.step === 1)) continue;
      // The schedule from the shipped date alone (0: no "already late" shift).
      const decisions = decide(t, model, list[0] as Planned, 0);
      for (const r of list) {
        const d = decisions[r.step - 1];
        if (!d || d.at === r.send_at || d.at <= now) continue;
        changes.push({
          id: r.message_id,
          at: d.at,
          valid_until: c.validForMs === null ? null : d.at + c.validForMs,
          ...decisionColumns(d),
          detail: `Re-timed after the model refreshed. ${explain(c, t, r, d)}`,
        });
      }
    }
    if (changes.length === 0) continue;
    const json = JSON.stringify(changes);
    const j = (f: string) => `json_extract(j.value, '$.${f}')`;
    // The unary + keeps SQLite on the primary key rather than the tenant's index (see shipments).
    await ctx.db.batch([
      ...retimePlanned(ctx, json, now),
      {
        sql: `update timing_decisions set level = ${j("level")}, courier = ${j("courier")}, region = ${j("region")},
                quantile = ${j("quantile")}, lead_days = ${j("lead_days")}, samples = ${j("samples")}, send_date = ${j("send_date")}
              from json_each(?) j where +timing_decisions.tenant_id = ? and timing_decisions.message_id = ${j("id")}`,
        params: [json, ctx.tenantId],
      },
    ]);
    moved += changes.length;
  }
  return moved;
}

/** Rebuilds the model, then moves what is still planned to it: the daily job and the on-demand refresh. */
export async function refreshAndRetime(ctx: Ctx) {
  const r = await refreshModel(ctx);
  return { ...r, retimed: await retimePrompts(ctx) };
}
