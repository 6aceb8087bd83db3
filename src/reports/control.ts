// The workspace control group's report: over a calendar year (the year's group), how many of the
// customers who get marketing did the goal event against those of the control group, who got
// none; the difference with its interval, and what all the year's marketing caused and cost.

import type { Ctx } from "../context";
import { controlGroupSql, groupDuring } from "../experiments/control";
import { effectOf } from "../experiments/effect";
import { differenceOf, rateOf } from "../experiments/stats";
import { ConflictError, ValidationError } from "../lib/errors";
import { round4, round4OrNull } from "../lib/numbers";
import { iso, localDate, monthOf, zonedInstant } from "../lib/time";
import { getTenantRow, planFor } from "../tenants/store";
import { controlGroupCounts, controlGroupSkips } from "./store";

const r4 = round4OrNull;

export async function controlGroupReport(ctx: Ctx, q: { event: string; year?: number | undefined }) {
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const now = ctx.clock.now();
  const today = localDate(now, tenant.timeZone);
  const year = q.year ?? today.year;
  if (year > today.year) throw ValidationError.field("year", "is in the future");
  // The year in the workspace's zone, as far as the group it had covers it (the latest one, when
  // its share changed): before the group was set, its members got marketing like everyone else.
  const yearStart = zonedInstant({ year, month: 1, day: 1 }, 0, 0, tenant.timeZone).getTime();
  const yearEnd = zonedInstant({ year: year + 1, month: 1, day: 1 }, 0, 0, tenant.timeZone).getTime();
  const cg = groupDuring(tenant.controlGroup ?? null, yearStart, yearEnd);
  if (!cg)
    throw new ConflictError(
      q.year === undefined
        ? "This workspace has no control group: set control_group on the workspace first"
        : `This workspace had no control group in ${year}`,
    );
  const { from, to } = cg;
  const rows = await controlGroupCounts(
    ctx.db,
    ctx.tenantId,
    controlGroupSql(cg.share, ctx.tenantId, year, "c.id"),
    q.event,
    from,
    to,
  );
  const part = (member: number) =>
    rows.find((r) => r.member === member) ?? { customers: 0, did: 0, messaged: 0, price: 0 };
  const group = part(1);
  const others = part(0);
  const rg = rateOf(group.did, group.customers);
  const ro = rateOf(others.did, others.customers);
  const d = differenceOf(ro, rg);
  const { plan } = await planFor(ctx.db, ctx.tenantId, monthOf(today));
  const effect = effectOf(
    ro,
    rg,
    { arm: {}, holdout: {} },
    { amount: others.price / 1_000_000, currency: plan.currency },
  );
  const [skipped] = await controlGroupSkips(ctx.db, ctx.tenantId, from, to);
  const view = (p: typeof group, r: typeof rg) => ({
    customers: p.customers,
    converted: p.did,
    rate: r4(r.rate),
    low: r4(r.low),
    high: r4(r.high),
    sent_marketing: p.messaged,
  });
  return {
    share: cg.share,
    year,
    event: q.event,
    from: iso(from),
    to: iso(to),
    as_of: iso(now.getTime()),
    control_group: view(group, rg),
    everyone_else: view(others, ro),
    difference: d && {
      difference: round4(d.difference),
      low: round4(d.low),
      high: round4(d.high),
      p_value: round4(d.p_value),
    },
    marketing_cost: Math.round(others.price / 100) / 10_000,
    currency: plan.currency,
    effect,
    messages_held_back: skipped?.n ?? 0,
  };
}
