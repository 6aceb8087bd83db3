// Timing fitness: was a prompt's timing right? For each timing compared (the model's quantile,
// a fixed "day N after shipping" rule, a campaign as it actually planned) over the same
// shipments: the share who had the item before the send (a prompt before the card is noise),
// the share who had already converted (a prompt that came too late: they called an agent),
// and the share in between (well timed). Days saved is the median of how much earlier the
// model sends than the rule.

import { decide } from "../campaigns/after-delivery";
import { campaignRow } from "../campaigns/service";
import type { Ctx } from "../context";
import type { AfterDeliveryTrigger, ItemKind } from "../db/schema";
import { ValidationError } from "../lib/errors";
import { round4 } from "../lib/numbers";
import { daysBetween, localDate } from "../lib/time";
import { freshModel } from "../shipments/model";
import { firstPromptSends, type ShipmentOutcome, shipmentOutcomes } from "./store";

const DAY = 86_400_000;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function evaluate(name: string, rows: ShipmentOutcome[], sendAt: Map<string, number>) {
  let n = 0;
  let arrivalKnown = 0;
  let received = 0;
  let converted = 0;
  let wellTimed = 0;
  const sendDays: number[] = [];
  for (const r of rows) {
    const at = sendAt.get(r.id);
    if (at === undefined) continue;
    n++;
    const convertedBefore = r.converted_at !== null && r.converted_at <= at;
    if (convertedBefore) converted++;
    // Receipt is judged on shipments with a delivery date only: an activation after the send
    // says nothing about when the card came, and counting the ones before would favour late sends.
    if (r.delivered_at !== null) {
      arrivalKnown++;
      if (r.delivered_at <= at) {
        received++;
        if (!convertedBefore) wellTimed++;
      }
    }
    sendDays.push(daysBetween(localDate(new Date(r.shipped_at), r.zone), localDate(new Date(at), r.zone)));
  }
  return {
    timing: name,
    shipments: n,
    received_before_send: arrivalKnown === 0 ? null : round4(received / arrivalKnown),
    converted_before_send: n === 0 ? null : round4(converted / n),
    well_timed: arrivalKnown === 0 ? null : round4(wellTimed / arrivalKnown),
    median_send_day: median(sendDays),
  };
}

export async function timingFitness(
  ctx: Ctx,
  q: {
    item_kind: ItemKind;
    from?: string | undefined;
    to?: string | undefined;
    quantile: number;
    rule_days?: number | undefined;
    campaign_id?: string | undefined;
    delivery_time?: string | undefined;
  },
) {
  const now = ctx.clock.now().getTime();
  const to = q.to ? Date.parse(q.to) : now;
  const from = q.from ? Date.parse(q.from) : to - 90 * DAY;
  if (from >= to) throw ValidationError.field("from", "must be before to");
  const campaign = q.campaign_id ? await campaignRow(ctx, q.campaign_id) : null;
  if (campaign && campaign.kind !== "after_delivery")
    throw ValidationError.field("campaign_id", `is a ${campaign.kind} campaign, not after_delivery`);
  const ct = campaign?.trigger as AfterDeliveryTrigger | undefined;
  const deliveryTime = q.delivery_time ?? ct?.delivery_time ?? "18:00";
  const rows: ShipmentOutcome[] = await shipmentOutcomes(ctx.db, ctx.tenantId, q.item_kind, from, to);
  const model = await freshModel(ctx, q.item_kind);
  const trigger = (timing: AfterDeliveryTrigger["timing"]): AfterDeliveryTrigger => ({
    type: "after_delivery",
    item_kind: q.item_kind,
    timing,
    delivery_time: deliveryTime,
    follow_up: null,
    default_days: ct?.default_days ?? 3,
  });
  // Hypothetical timings are computed as if planned at shipping (no "late" shift).
  const timed = (t: AfterDeliveryTrigger) =>
    new Map(rows.map((r) => [r.id, (decide(t, "quantile" in t.timing ? model : null, r, 0)[0] as { at: number }).at]));
  const modelAt = timed(trigger({ quantile: q.quantile }));
  const out = [evaluate(`model p${Math.round(q.quantile * 100)}`, rows, modelAt)];
  let ruleAt: Map<string, number> | null = null;
  if (q.rule_days !== undefined) {
    ruleAt = timed(trigger({ fixed_days: q.rule_days }));
    out.push(evaluate(`rule: day ${q.rule_days}`, rows, ruleAt));
  }
  if (campaign) {
    const sends = await firstPromptSends(ctx.db, ctx.tenantId, campaign.id);
    out.push(evaluate(`campaign ${campaign.name}`, rows, new Map(sends.map((s) => [s.shipment_id, s.send_at]))));
  }
  const saved = ruleAt
    ? median(rows.map((r) => ((ruleAt.get(r.id) as number) - (modelAt.get(r.id) as number)) / DAY))
    : null;
  return {
    item_kind: q.item_kind,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    delivery_time: deliveryTime,
    timings: out,
    median_days_saved_vs_rule: saved === null ? null : Math.round(saved * 100) / 100,
    notes: [
      "received_before_send and well_timed are over the shipments with a delivery date",
      "The model's timing uses the current model on these shipments, as if each had been planned when it shipped",
    ],
  };
}
