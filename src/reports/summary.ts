// The console's home figures: what went out today and over the last 7 days (the workspace's own
// calendar days), how much of it arrived, replies, opt-outs, cost, and the inbox's backlog.
import type { Ctx } from "../context";
import { addDays, localDate, monthOf, zonedInstant } from "../lib/time";
import { getTenantRow, planFor } from "../tenants/store";
import { inboundCount, inboxBacklog, optOutCount, sentTotals } from "./store";

export type Period = {
  from: string;
  to: string;
  sent: number;
  delivered: number;
  failed: number;
  delivered_rate: number | null;
  segments: number;
  replies: number;
  opt_outs: number;
  cost: number;
};

async function period(ctx: Ctx, from: number, to: number): Promise<Period> {
  const [m] = await sentTotals(ctx.db, ctx.tenantId, from, to);
  const [r] = await inboundCount(ctx.db, ctx.tenantId, from, to);
  const [o] = await optOutCount(ctx.db, ctx.tenantId, from, to);
  const sent = m?.sent ?? 0;
  const delivered = m?.delivered ?? 0;
  // Messages still awaiting a receipt are neither: the rate is over those with an outcome.
  const settled = delivered + (m?.failed ?? 0);
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    sent,
    delivered,
    failed: m?.failed ?? 0,
    delivered_rate: settled > 0 ? Math.round((delivered / settled) * 1000) / 1000 : null,
    segments: m?.segments ?? 0,
    replies: r?.n ?? 0,
    opt_outs: o?.n ?? 0,
    cost: Math.round(m?.price ?? 0) / 1_000_000,
  };
}

export async function summary(ctx: Ctx) {
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const now = ctx.clock.now();
  const today = localDate(now, tenant.timeZone);
  const start = (d: ReturnType<typeof addDays>) => zonedInstant(d, 0, 0, tenant.timeZone).getTime();
  const tomorrow = start(addDays(today, 1));
  const { plan } = await planFor(ctx.db, ctx.tenantId, monthOf(today));
  const [inbox] = await inboxBacklog(ctx.db, ctx.tenantId, now.getTime());
  return {
    time_zone: tenant.timeZone,
    currency: plan.currency,
    today: await period(ctx, start(today), tomorrow),
    last_7_days: await period(ctx, start(addDays(today, -6)), tomorrow),
    inbox: { open: inbox?.open ?? 0, overdue: inbox?.overdue ?? 0 },
  };
}
