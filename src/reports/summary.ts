// The console's home figures: what went out today and over the last 7 days (the workspace's own
// calendar days), how much of it arrived, replies, opt-outs, cost, and the inbox's backlog.
import type { Ctx } from "../context";
import { addDays, localDate, monthOf, zonedInstant } from "../lib/time";
import { getTenantRow, planFor } from "../tenants/store";

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
  const t = ctx.tenantId;
  const [m] = await ctx.db.rawAll<{ sent: number; delivered: number; failed: number; segments: number; price: number }>(
    `select count(*) as sent,
            coalesce(sum(status = 'delivered'), 0) as delivered,
            coalesce(sum(status in ('failed', 'undelivered')), 0) as failed,
            coalesce(sum(segments), 0) as segments,
            coalesce(sum(price_micros), 0) as price
       from messages where tenant_id = ? and sent_at >= ? and sent_at < ?`,
    [t, from, to],
  );
  const [r] = await ctx.db.rawAll<{ n: number }>(
    "select count(*) as n from inbound_messages where tenant_id = ? and received_at >= ? and received_at < ?",
    [t, from, to],
  );
  const [o] = await ctx.db.rawAll<{ n: number }>(
    "select count(*) as n from consent_events where tenant_id = ? and state = 'unsubscribed' and at >= ? and at < ?",
    [t, from, to],
  );
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
  const [inbox] = await ctx.db.rawAll<{ open: number; overdue: number }>(
    `select count(*) as open, coalesce(sum(due_at < ?), 0) as overdue
       from inbox_items where tenant_id = ? and status = 'open'`,
    [now.getTime(), ctx.tenantId],
  );
  return {
    time_zone: tenant.timeZone,
    currency: plan.currency,
    today: await period(ctx, start(today), tomorrow),
    last_7_days: await period(ctx, start(addDays(today, -6)), tomorrow),
    inbox: { open: inbox?.open ?? 0, overdue: inbox?.overdue ?? 0 },
  };
}
