// What a workspace used and owes in a month: billing counts segments, and
// only proactive ones; replies to a customer's own message are free.

import type { Ctx } from "../context";
import { ValidationError } from "../lib/errors";
import { round4 } from "../lib/numbers";
import { addDays, type CivilDate, formatCivil, localDate, monthOf, zonedInstant } from "../lib/time";
import { getTenantRow, planFor } from "../tenants/store";
import { sentPerDay } from "./store";

export async function usage(ctx: Ctx, month?: string) {
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const m = month ?? monthOf(localDate(ctx.clock.now(), tenant.timeZone));
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(m);
  if (!match) throw ValidationError.field("month", "must be YYYY-MM");
  const { plan } = await planFor(ctx.db, ctx.tenantId, m);
  const first: CivilDate = { year: Number(match[1]), month: Number(match[2]), day: 1 };
  // Day boundaries in the workspace's zone, so "a day" is the shop's day, DST included.
  const days: { date: string; from: number; to: number }[] = [];
  for (let d = first; d.month === first.month; d = addDays(d, 1)) {
    days.push({
      date: formatCivil(d),
      from: zonedInstant(d, 0, 0, tenant.timeZone).getTime(),
      to: zonedInstant(addDays(d, 1), 0, 0, tenant.timeZone).getTime(),
    });
  }
  const perDay = await sentPerDay(ctx.db, ctx.tenantId, days);
  const byDay = days.map((d) => ({ date: d.date, proactive_segments: 0, reply_segments: 0, messages: 0, cost: 0 }));
  let proactive = 0;
  let replies = 0;
  let messagesSent = 0;
  for (const r of perDay) {
    const day = byDay[r.d];
    if (!day) continue;
    if (r.reply) {
      day.reply_segments += r.segments;
      replies += r.segments;
    } else {
      day.proactive_segments += r.segments;
      proactive += r.segments;
    }
    day.messages += r.messages;
    messagesSent += r.messages;
    day.cost = round4(day.cost + r.price / 1_000_000);
  }
  const allowance = plan.type === "package" ? plan.allowance_segments : null;
  const overage = allowance === null ? proactive : Math.max(0, proactive - allowance);
  const perSegment = plan.type === "package" ? plan.overage_price_per_segment : plan.price_per_segment;
  const fee = plan.type === "package" ? plan.monthly_fee : 0;
  return {
    month: m,
    plan,
    messages_sent: messagesSent,
    proactive_segments: proactive,
    reply_segments: replies,
    allowance_segments: allowance,
    allowance_used: allowance === null ? null : Math.min(allowance, proactive),
    overage_segments: allowance === null ? null : overage,
    cap:
      tenant.monthlySegmentCap === null
        ? null
        : { monthly_segments: tenant.monthlySegmentCap, remaining: Math.max(0, tenant.monthlySegmentCap - proactive) },
    cost: {
      currency: plan.currency,
      fee,
      segments: round4(overage * perSegment),
      total: round4(fee + overage * perSegment),
    },
    by_day: byDay,
  };
}
