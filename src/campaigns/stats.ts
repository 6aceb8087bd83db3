// A campaign's results: its messages by status and reason, what it cost, who converted after
// it was sent, and the answers to the question it asked.

import type { Ctx } from "../context";
import type { CampaignRow } from "../db/schema";
import type { Expectation } from "../keywords/types";
import { round4 } from "../lib/numbers";
import { campaignClicksByUrl, campaignClickTotals } from "../links/store";
import { armResults } from "./arms";
import { campaignRow } from "./service";
import {
  campaignMessageTotals,
  campaignReplyCount,
  campaignSentByHour,
  customersConvertedAfterSend,
  HOUR,
  latestResponseCounts,
  shipmentsConvertedAfterPrompt,
} from "./store";

export async function campaignStats(ctx: Ctx, id: string) {
  const c = await campaignRow(ctx, id);
  const rows = await campaignMessageTotals(ctx.db, ctx.tenantId, c.id);
  const byStatus: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  let segments = 0;
  let price = 0;
  let currency: string | null = null;
  const waiting = { messages: 0, next_at: null as number | null, by_reason: {} as Record<string, number> };
  for (const r of rows) {
    if (r.status === "planned" || r.status === "queued") {
      waiting.messages += r.n;
      if (r.reason) waiting.by_reason[r.reason] = (waiting.by_reason[r.reason] ?? 0) + r.n;
      if (r.next_due !== null && (waiting.next_at === null || r.next_due < waiting.next_at))
        waiting.next_at = r.next_due;
    }
    byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
    if (r.reason) byReason[r.reason] = (byReason[r.reason] ?? 0) + r.n;
    segments += r.segments;
    price += r.price;
    currency ??= r.currency;
  }
  const delivered = byStatus.delivered ?? 0;
  const reached = delivered + (byStatus.undelivered ?? 0);
  const sent = (byStatus.sent ?? 0) + delivered + (byStatus.undelivered ?? 0) + (byStatus.unknown ?? 0);
  const [replies] = await campaignReplyCount(ctx.db, ctx.tenantId, c.id);
  const hours = await campaignSentByHour(ctx.db, ctx.tenantId, c.id);
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
    waiting: { ...waiting, next_at: waiting.next_at === null ? null : new Date(waiting.next_at).toISOString() },
    sent_by_hour: hours.reverse().map((r) => ({ hour: new Date(r.h * HOUR).toISOString(), sent: r.n })),
    responses: c.response ? await responseStats(ctx, c.id, c.response, sent) : null,
    links: await linkStats(ctx, c.id),
    experiment: await armResults(ctx, c, currency),
  };
}

/**
 * Its tracked links: recipients sent one, how many clicked (a person, once each however often),
 * the click rate, all clicks, and what bots and scanners fetched, counted apart; null when its
 * messages carried no tracked link.
 */
async function linkStats(ctx: Ctx, campaignId: string) {
  const t = await campaignClickTotals(ctx.db, ctx.tenantId, campaignId);
  if (t.recipients === 0) return null;
  const byUrl = await campaignClicksByUrl(ctx.db, ctx.tenantId, campaignId);
  return {
    recipients: t.recipients,
    clicked: t.clickers,
    click_rate: round4(t.clickers / t.recipients),
    clicks: t.clicks,
    bot_clicks: t.bot_clicks,
    by_url: byUrl.map((u) => ({
      url: u.url,
      recipients: u.recipients,
      clicked: u.clickers,
      click_rate: round4(u.clickers / u.recipients),
      clicks: u.clicks,
    })),
  };
}

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
    const [r] = await shipmentsConvertedAfterPrompt(ctx.db, ctx.tenantId, c.id);
    return r?.n ?? 0;
  }
  if (t.type === "event" && t.cancel_on.length > 0) {
    const [r] = await customersConvertedAfterSend(ctx.db, ctx.tenantId, c.id, t.cancel_on);
    return r?.n ?? 0;
  }
  return null;
}

/**
 * Each respondent counts once, with their latest answer. For scores what matters is the share
 * of top scores, not the mean (how care teams read a survey): both are given.
 */
async function responseStats(ctx: Ctx, campaignId: string, exp: Expectation, sent: number) {
  const rows = await latestResponseCounts(ctx.db, ctx.tenantId, campaignId, exp.question);
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
