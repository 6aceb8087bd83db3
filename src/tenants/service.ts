import { and, eq, gt, sql } from "drizzle-orm";
import { createKeyStatements } from "../api-keys/service";
import { resolveCompose } from "../compose/settings";
import type { Ctx } from "../context";
import type { Database } from "../db/client";
import { customers, type Plan, type TenantRow, tenantPlans, tenants } from "../db/schema";
import { inList } from "../db/sql";
import { changedGroup } from "../experiments/control";
import { mergeInbound, resolveInbound } from "../inbound/settings";
import type { Clock } from "../lib/clock";
import { ConflictError } from "../lib/errors";
import type { IdGenerator } from "../lib/ids";
import { localDate, monthOf, nextMonth } from "../lib/time";
import { validationErrorFrom } from "../lib/zod-errors";
import { recheckQuietHours } from "../outbox/moves";
import { resolveDeliveryModel } from "../shipments/settings";
import { type TenantInput, TenantInputSchema, type TenantPatch } from "./schemas";
import { getTenantRow, planFor } from "./store";

function toView(row: TenantRow, plan: Plan, pending: { effective_month: string; plan: Plan } | null) {
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    default_country: row.defaultCountry,
    time_zone: row.timeZone,
    locale: row.locale,
    brand_signature: row.brandSignature,
    quiet_hours: row.quietHours ?? null,
    tiers: row.tiers,
    plan,
    pending_plan: pending,
    compose: resolveCompose(row.compose),
    monthly_segment_cap: row.monthlySegmentCap,
    frequency_cap: row.frequencyCap ?? null,
    control_group:
      row.controlGroup && row.controlGroup.share > 0
        ? { share: row.controlGroup.share, since: new Date(row.controlGroup.since).toISOString() }
        : null,
    inbound: resolveInbound(row.inbound),
    delivery_model: resolveDeliveryModel(row.deliveryModel),
    created_at: new Date(row.createdAt).toISOString(),
    updated_at: new Date(row.updatedAt).toISOString(),
  };
}

export async function getTenant(ctx: Ctx) {
  const row = await getTenantRow(ctx.db, ctx.tenantId);
  const { plan, pending } = await planFor(ctx.db, ctx.tenantId, monthOf(localDate(ctx.clock.now(), row.timeZone)));
  return toView(row, plan, pending);
}

/** Creates a workspace with its first admin key; the key text is returned once, never stored. */
export async function createTenant(deps: { db: Database; clock: Clock; ids: IdGenerator }, input: TenantInput) {
  const parsed = TenantInputSchema.safeParse(input);
  if (!parsed.success) throw validationErrorFrom(parsed.error);
  const t = parsed.data;
  const existing = await deps.db.orm.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, t.slug)).get();
  if (existing) throw new ConflictError(`A workspace with slug '${t.slug}' already exists`);
  const now = deps.clock.now();
  const id = deps.ids.next("ten");
  const key = await createKeyStatements(deps, id, { name: "first admin key", scope: "admin" });
  await deps.db.batch([
    deps.db.orm.insert(tenants).values({
      id,
      name: t.name,
      slug: t.slug,
      defaultCountry: t.default_country,
      timeZone: t.time_zone,
      locale: t.locale,
      brandSignature: t.brand_signature,
      quietHours: t.quiet_hours,
      tiers: t.tiers,
      compose: t.compose,
      createdAt: now.getTime(),
      updatedAt: now.getTime(),
    }),
    deps.db.orm.insert(tenantPlans).values({
      tenantId: id,
      effectiveMonth: monthOf(localDate(now, t.time_zone)),
      plan: t.plan,
      createdAt: now.getTime(),
    }),
    ...key.statements,
  ]);
  const view = await getTenant({ ...deps, tenantId: id });
  return { tenant: view, apiKey: key.key };
}

export async function updateTenant(ctx: Ctx, patch: TenantPatch) {
  const row = await getTenantRow(ctx.db, ctx.tenantId);
  const now = ctx.clock.now();
  const statements = [];
  const { plan, tiers, compose, inbound, delivery_model, ...fields } = patch;
  if (tiers) {
    const removed = row.tiers.filter((t) => !tiers.includes(t));
    if (removed.length > 0) {
      const inUse = await ctx.db.orm
        .select({ tier: customers.tier, n: sql<number>`count(*)` })
        .from(customers)
        .where(and(eq(customers.tenantId, ctx.tenantId), inList(customers.tier, removed)))
        .groupBy(customers.tier)
        .all();
      if (inUse.length > 0) {
        throw new ConflictError("Cannot remove tiers that customers still have", {
          tiers: Object.fromEntries(inUse.map((r) => [r.tier, r.n])),
        });
      }
    }
  }
  statements.push(
    ctx.db.orm
      .update(tenants)
      .set({
        ...(fields.name !== undefined && { name: fields.name }),
        ...(fields.default_country !== undefined && { defaultCountry: fields.default_country }),
        ...(fields.time_zone !== undefined && { timeZone: fields.time_zone }),
        ...(fields.locale !== undefined && { locale: fields.locale }),
        ...(fields.brand_signature !== undefined && { brandSignature: fields.brand_signature }),
        ...(fields.quiet_hours !== undefined && { quietHours: fields.quiet_hours }),
        ...(tiers !== undefined && { tiers }),
        // Compose settings merge: a PATCH names only what it changes.
        ...(compose !== undefined && { compose: { ...row.compose, ...compose } }),
        ...(inbound !== undefined && { inbound: mergeInbound(row.inbound, inbound) }),
        ...(delivery_model !== undefined && {
          deliveryModel: { ...row.deliveryModel, ...(delivery_model as Partial<typeof row.deliveryModel>) },
        }),
        ...(fields.monthly_segment_cap !== undefined && { monthlySegmentCap: fields.monthly_segment_cap }),
        ...(fields.frequency_cap !== undefined && { frequencyCap: fields.frequency_cap }),
        // A new share is a new group: its reports start now, and the old one is kept for theirs.
        ...(fields.control_group !== undefined && {
          controlGroup: changedGroup(row.controlGroup ?? null, fields.control_group?.share ?? null, now.getTime()),
        }),
        updatedAt: now.getTime(),
      })
      .where(eq(tenants.id, ctx.tenantId)),
  );
  if (
    fields.quiet_hours !== undefined &&
    JSON.stringify(fields.quiet_hours) !== JSON.stringify(row.quietHours ?? null)
  ) {
    statements.push(recheckQuietHours(ctx.tenantId, now.getTime()));
  }
  if (plan) {
    // A package change takes effect on the 1st of next month, in the workspace's time zone (as the
    // README's plan field says); a second change in the same month replaces the pending one.
    const effective = nextMonth(localDate(now, row.timeZone));
    statements.push(
      ctx.db.orm
        .delete(tenantPlans)
        .where(
          and(
            eq(tenantPlans.tenantId, ctx.tenantId),
            gt(tenantPlans.effectiveMonth, monthOf(localDate(now, row.timeZone))),
          ),
        ),
      ctx.db.orm.insert(tenantPlans).values({
        tenantId: ctx.tenantId,
        effectiveMonth: effective,
        plan,
        createdAt: now.getTime(),
      }),
    );
  }
  await ctx.db.batch(statements);
  return getTenant(ctx);
}
