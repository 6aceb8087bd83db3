// Planning date-relative and holiday campaigns slot by slot (see slots.ts). A pass plans every
// slot whose time comes within the horizon, and looks back over recent slots for customers
// added or edited since (the idempotency key keeps everyone else from being planned twice).
// Slots whose time has passed follow the campaign's catch-up policy: sent late within a bound,
// or skipped with the reason on the message.

import { eq, type SQL, sql } from "drizzle-orm";
import type { Ctx } from "../context";
import type { Statement } from "../db/client";
import { type CampaignRow, tenants, tenantTimeZones } from "../db/schema";
import { lunarMonthDays, lunarYearOf } from "../lib/lunar";
import { type CivilDate, formatCivil, isLeapYear, pad2 } from "../lib/time";
import { enqueueSelect, fromCampaign } from "../outbox/enqueue";
import { REASONS } from "../outbox/status";
import { SKIP_LOOKBACK_MS } from "./nudge";
import { endOfPass, type PlanDeps } from "./pass";
import { audienceSql } from "./service";
import { type DateTrigger, endOfLocalDay, HOLIDAYS, nextSlotAfter, type Slot, slotsBetween } from "./slots";

/** A slot up to this late is simply sent now: the planner runs every few seconds. */
export const GRACE_MS = 10 * 60_000;
/** How far back a pass looks for customers added after their slot was planned (skip policy). */

/** The workspace's zones: its own and every zone a customer of it uses. */
export async function tenantZones(ctx: Ctx): Promise<string[]> {
  const t = await ctx.db.orm.select({ tz: tenants.timeZone }).from(tenants).where(eq(tenants.id, ctx.tenantId)).get();
  const rows = await ctx.db.orm
    .select({ tz: tenantTimeZones.timeZone })
    .from(tenantTimeZones)
    .where(eq(tenantTimeZones.tenantId, ctx.tenantId))
    .all();
  return [...new Set([...(t ? [t.tz] : []), ...rows.map((r) => r.tz)])];
}

/**
 * Which customers a slot is for, as a subquery of customer ids that an index answers (null: the
 * whole audience, for holidays), and the occurrence part of their idempotency key. Yearly
 * anchors are keyed by year (a birthday greeting once a year, even if the birthday is edited),
 * one-off dates by the date itself. Callers drive the query from these ids with CROSS JOIN,
 * which SQLite never reorders: the day's few thousand birthdays, never a scan of the workspace.
 */
export function slotMatch(t: DateTrigger, anchor: CivilDate, tenantId: string): { ids: SQL | null; occurrence: SQL } {
  if (t.type === "holiday") return { ids: null, occurrence: sql`${`H${formatCivil(anchor)}`}` };
  const md = `${pad2(anchor.month)}-${pad2(anchor.day)}`;
  // 29 February anniversaries fall on 28 February in common years.
  const leapDay = anchor.month === 2 && anchor.day === 28 && !isLeapYear(anchor.year);
  const list = (xs: (string | number)[]) =>
    sql.raw(`(${xs.map((x) => (typeof x === "number" ? x : `'${x}'`)).join(",")})`);
  if (t.anchor === "birthday") {
    const parts = [
      sql`select id from customers where tenant_id = ${tenantId} and birthday_month = ${anchor.month}
        and birthday_day in ${list(leapDay ? [28, 29] : [anchor.day])} and birthday_lunar = 0`,
    ];
    const lunar = lunarMonthDays(anchor);
    if (lunar.length > 0)
      parts.push(sql`select id from customers where tenant_id = ${tenantId} and birthday_month = ${Math.floor((lunar[0] as number) / 100)}
        and birthday_day in ${list(lunar.map((x) => x % 100))} and birthday_lunar = 1`);
    return {
      ids: sql.join(parts, sql` union all `),
      occurrence: sql`case when c.birthday_lunar = 1 then ${`L${lunarYearOf(anchor)}`} else ${`Y${anchor.year}`} end`,
    };
  }
  const key = t.anchor.slice("attributes.".length);
  if (t.yearly) {
    return {
      ids: sql`select customer_id as id from customer_dates where tenant_id = ${tenantId} and key = ${key}
        and month_day in ${list(leapDay ? ["02-28", "02-29"] : [md])}`,
      occurrence: sql`${`Y${anchor.year}`}`,
    };
  }
  return {
    ids: sql`select customer_id as id from customer_dates where tenant_id = ${tenantId} and key = ${key}
      and value = ${formatCivil(anchor)}`,
    occurrence: sql`${`D${formatCivil(anchor)}`}`,
  };
}

/** `from customers c`, driven from a slot's ids when it has them. */
export function slotFrom(ids: SQL | null): SQL {
  return ids === null ? sql`customers c` : sql`(${ids}) s cross join customers c on c.id = s.id`;
}

/** One planning pass of a date or holiday campaign. Returns how many messages it wrote. */
export async function planDateCampaign(deps: PlanDeps, c: CampaignRow, horizonMs: number): Promise<number> {
  const t = c.trigger as DateTrigger;
  const ctx: Ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: c.tenantId };
  const now = deps.clock.now().getTime();
  const to = now + horizonMs;
  const since = c.activeSince ?? now;
  const lookback = t.catch_up.policy === "send_late" ? t.catch_up.within_hours * 3_600_000 : SKIP_LOOKBACK_MS;
  const plannedUntil = c.plannedUntil ?? since;
  // New slots since the last pass, and recent ones again for customers added since.
  const from = Math.max(since, Math.min(plannedUntil, now - lookback));
  const zones = await tenantZones(ctx);
  const cond = await audienceSql(ctx, c.audience);
  let written = 0;
  for (const slot of slotsBetween(t, zones, from, to)) {
    // A slot planned before was planned at or after (its time - horizon): only customers
    // changed since then can be missing from it.
    const changedSince = slot.at <= plannedUntil ? slot.at - horizonMs - 60_000 : null;
    written += await planSlot(deps, c, t, slot, cond, changedSince);
  }
  await deps.db.batch(
    endOfPass(deps, c, written, now, {
      plannedUntil: Math.max(to, plannedUntil),
      nextOccurrenceAt: nextSlotAfter(t, zones, to),
    }),
  );
  return written;
}

async function planSlot(
  deps: PlanDeps,
  c: CampaignRow,
  t: DateTrigger,
  slot: Slot,
  audience: SQL,
  changedSince: number | null,
): Promise<number> {
  const now = deps.clock.now().getTime();
  const late = now - slot.at;
  const onTime = late <= GRACE_MS;
  const sendLate = !onTime && t.catch_up.policy === "send_late" && late <= t.catch_up.within_hours * 3_600_000;
  const status = slot.at > now ? "planned" : onTime || sendLate ? "queued" : "skipped";
  const dueAt = Math.max(slot.at, now);
  const ends = [
    c.expiresEndOfDay ? endOfLocalDay(slot.at, slot.zone) : null,
    c.validForMs === null ? null : slot.at + c.validForMs,
  ].filter((x): x is number => x !== null);
  const validUntil = ends.length ? Math.min(...ends) : null;
  const when = new Date(slot.at).toISOString();
  const detail =
    status === "skipped"
      ? `Its time (${when}) had passed by more than the catch-up policy allows`
      : sendLate
        ? `Planned late by campaign ${c.name}: its time was ${when}; the catch-up policy sends up to ${t.catch_up.within_hours} h late`
        : `Planned by campaign ${c.name} for ${formatCivil(slot.anchor)} (${slot.zone})`;
  const { ids, occurrence } = slotMatch(t, slot.anchor, c.tenantId);
  const prefix = deps.ids.block("msg");
  const statements: Statement[] = [
    enqueueSelect(
      {
        id: sql`${prefix} || printf('%010d', row_number() over (order by c.id))`,
        ...fromCampaign(c, { anchorDate: formatCivil(slot.anchor), ...c.variables }),
        status,
        reason: status === "skipped" ? "missed_send_time" : null,
        reasonText: status === "skipped" ? REASONS.missed_send_time : null,
        sendAt: slot.at,
        validUntil,
        dueAt,
        idempotencyKey: sql`${`cmp:${c.id}:`} || ${occurrence} || ':' || c.id`,
        createdAt: now,
        updatedAt: now,
        first: { at: now, detail },
      },
      sql`from ${slotFrom(ids)}
        where c.tenant_id = ${c.tenantId} and c.deleted_at is null and c.time_zone = ${slot.zone}
          and ${changedSince === null ? sql`1` : sql`c.updated_at >= ${changedSince}`} and ${audience}
        order by c.id`,
      { once: true },
    ),
  ];
  await deps.db.batch(statements);
  const n = await deps.db.orm.get<{ n: number }>(
    sql`select count(*) as n from messages where tenant_id = ${c.tenantId} and id > ${prefix} and id < ${`${prefix}~`}`,
  );
  return n?.n ?? 0;
}

/** A holiday's display name, for the forecast and the console. */
export function holidayName(t: DateTrigger): string | null {
  if (t.type !== "holiday") return null;
  return typeof t.holiday === "string" ? HOLIDAYS[t.holiday].en : t.holiday.name;
}
