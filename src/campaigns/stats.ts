// A campaign's results: its messages by status and reason, what it cost, who converted after
// it was sent, and the answers to the question it asked.

import type { Ctx } from "../context";
import type { CampaignRow } from "../db/schema";
import type { Expectation } from "../keywords/types";
import { campaignRow } from "./service";

export async function campaignStats(ctx: Ctx, id: string) {
  const c = await campaignRow(ctx, id);
  const rows = await ctx.db.rawAll<{
    status: string;
    reason: string | null;
    n: number;
    segments: number;
    price: number;
    currency: string | null;
  }>(
    `select status, reason, count(*) as n, sum(coalesce(segments, 0)) as segments, sum(coalesce(price_micros, 0)) as price, max(currency) as currency
     from messages where tenant_id = ? and campaign_id = ? group by status, reason`,
    [ctx.tenantId, c.id],
  );
  const byStatus: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  let segments = 0;
  let price = 0;
  let currency: string | null = null;
  for (const r of rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
    if (r.reason) byReason[r.reason] = (byReason[r.reason] ?? 0) + r.n;
    segments += r.segments;
    price += r.price;
    currency ??= r.currency;
  }
  const delivered = byStatus.delivered ?? 0;
  const reached = delivered + (byStatus.undelivered ?? 0);
  const sent = (byStatus.sent ?? 0) + delivered + (byStatus.undelivered ?? 0) + (byStatus.unknown ?? 0);
  const [replies] = await ctx.db.rawAll<{ n: number }>(
    "select count(*) as n from inbound_messages where tenant_id = ? and campaign_id = ?",
    [ctx.tenantId, c.id],
  );
  const hours = await ctx.db.rawAll<{ h: number; n: number }>(
    `select sent_at / ${HOUR} as h, count(*) as n from messages
     where tenant_id = ? and campaign_id = ? and sent_at is not null group by h order by h desc limit ${MAX_HOURS}`,
    [ctx.tenantId, c.id],
  );
  return {
    planned: c.planned,
    by_status: byStatus,
    by_reason: byReason,
    delivered_rate: reached === 0 ? null : Math.round((delivered / reached) * 10_000) / 10_000,
    segments,
    cost: Math.round(price / 100) / 10_000,
    currency,
    replies: replies?.n ?? 0,
    converted: await convertedAfterSend(ctx, c),
    sent_by_hour: hours.reverse().map((r) => ({ hour: new Date(r.h * HOUR).toISOString(), sent: r.n })),
    responses: c.response ? await responseStats(ctx, c.id, c.response, sent) : null,
  };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const HOUR = 3_600_000;
const MAX_HOURS = 500;

/**
 * What the campaign was for, done after it reached the customer: an after-delivery prompt's
 * shipment activated after its first sent prompt; an event campaign's customers who did one of
 * its cancel_on events (the goal: a purchase after a cart reminder) after their first send.
 * null when the campaign names no goal.
 */
async function convertedAfterSend(ctx: Ctx, c: CampaignRow): Promise<number | null> {
  const t = c.trigger;
  if (!t) return null;
  if (t.type === "after_delivery") {
    const [r] = await ctx.db.rawAll<{ n: number }>(
      `select count(*) as n from (
         select d.shipment_id, min(m.sent_at) as first from timing_decisions d
         join messages m on m.tenant_id = d.tenant_id and m.id = d.message_id
         where d.tenant_id = ? and d.campaign_id = ? and m.sent_at is not null group by d.shipment_id) f
       join shipments s on s.tenant_id = ? and s.id = f.shipment_id where s.converted_at >= f.first`,
      [ctx.tenantId, c.id, ctx.tenantId],
    );
    return r?.n ?? 0;
  }
  if (t.type === "event" && t.cancel_on.length > 0) {
    const [r] = await ctx.db.rawAll<{ n: number }>(
      `select count(*) as n from (
         select m.customer_id, min(m.sent_at) as first from messages m
         where m.tenant_id = ? and m.campaign_id = ? and m.sent_at is not null group by m.customer_id) f
       where exists (select 1 from events e, json_each(?) g where e.tenant_id = ? and e.customer_id = f.customer_id
                     and e.type = g.value and e.occurred_at >= f.first)`,
      [ctx.tenantId, c.id, JSON.stringify(t.cancel_on), ctx.tenantId],
    );
    return r?.n ?? 0;
  }
  return null;
}

/**
 * Each respondent counts once, with their latest answer. For scores what matters is the share
 * of top scores, not the mean (how care teams read a survey): both are given.
 */
async function responseStats(ctx: Ctx, campaignId: string, exp: Expectation, sent: number) {
  const rows = await ctx.db.rawAll<{ value_text: string; value_number: number | null; n: number }>(
    `select value_text, value_number, count(*) as n from responses r
      where r.tenant_id = ? and r.campaign_id = ? and r.question = ?
        and r.rowid = (select x.rowid from responses x where x.tenant_id = r.tenant_id and x.campaign_id = r.campaign_id
                         and x.question = r.question and x.customer_id = r.customer_id order by x.at desc, x.rowid desc limit 1)
      group by value_text, value_number`,
    [ctx.tenantId, campaignId, exp.question],
  );
  const respondents = rows.reduce((s, r) => s + r.n, 0);
  const distribution: Record<string, number> = {};
  if (exp.type === "score") for (let v = exp.min; v <= exp.max; v++) distribution[String(v)] = 0;
  if (exp.type === "yes_no") Object.assign(distribution, { yes: 0, no: 0 });
  if (exp.type === "choice") for (const o of exp.options) distribution[o] = 0;
  let total = 0;
  for (const r of rows) {
    distribution[r.value_text] = (distribution[r.value_text] ?? 0) + r.n;
    total += (r.value_number ?? 0) * r.n;
  }
  const top = exp.type === "score" ? (distribution[String(exp.max)] ?? 0) : 0;
  return {
    question: exp.question,
    type: exp.type,
    respondents,
    response_rate: sent === 0 ? null : round4(respondents / sent),
    distribution,
    mean: exp.type === "score" && respondents > 0 ? round4(total / respondents) : null,
    top_box_share: exp.type === "score" && respondents > 0 ? round4(top / respondents) : null,
  };
}
