import { and, asc, eq } from "drizzle-orm";
import type { Ctx } from "../context";
import { customers, staff } from "../db/schema";
import { ConflictError, NotFoundError, ValidationError } from "../lib/errors";
import { isCountry, normalizePhone } from "../lib/phone";
import { getTenantRow } from "../tenants/service";

export type StaffInput = { name: string; phone?: string | null; email?: string | null };

type StaffRow = typeof staff.$inferSelect;

function toView(r: StaffRow) {
  return {
    id: r.id,
    name: r.name,
    phone: r.phone,
    email: r.email,
    created_at: new Date(r.createdAt).toISOString(),
    updated_at: new Date(r.updatedAt).toISOString(),
  };
}

async function row(ctx: Ctx, id: string): Promise<StaffRow> {
  const r = await ctx.db.orm
    .select()
    .from(staff)
    .where(and(eq(staff.tenantId, ctx.tenantId), eq(staff.id, id)))
    .get();
  if (!r) throw new NotFoundError("staff member", id);
  return r;
}

/** Staff phones are E.164 and unique: later, SMS commands from them carry staff powers. */
async function phoneFor(
  ctx: Ctx,
  phone: string | null | undefined,
  selfId?: string,
): Promise<string | null | undefined> {
  if (phone === undefined || phone === null) return phone;
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const parsed = normalizePhone(phone, isCountry(tenant.defaultCountry) ? tenant.defaultCountry : "CN");
  if (!parsed.ok) throw ValidationError.field("phone", `'${phone}' ${parsed.reason}`);
  const other = await ctx.db.orm
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.tenantId, ctx.tenantId), eq(staff.phone, parsed.e164)))
    .get();
  if (other && other.id !== selfId)
    throw new ConflictError(`Another staff member has phone ${parsed.e164}`, { field: "phone" });
  return parsed.e164;
}

export async function listStaff(ctx: Ctx) {
  const rows = await ctx.db.orm
    .select()
    .from(staff)
    .where(eq(staff.tenantId, ctx.tenantId))
    .orderBy(asc(staff.id))
    .all();
  return { data: rows.map(toView) };
}

export async function getStaff(ctx: Ctx, id: string) {
  return toView(await row(ctx, id));
}

export async function createStaff(ctx: Ctx, input: StaffInput) {
  const now = ctx.clock.now().getTime();
  const r: StaffRow = {
    id: ctx.ids.next("stf"),
    tenantId: ctx.tenantId,
    name: input.name,
    phone: (await phoneFor(ctx, input.phone)) ?? null,
    email: input.email ?? null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.batch([ctx.db.orm.insert(staff).values(r)]);
  return toView(r);
}

export async function updateStaff(ctx: Ctx, id: string, patch: Partial<StaffInput>) {
  const current = await row(ctx, id);
  const phone = await phoneFor(ctx, patch.phone, id);
  const next: StaffRow = {
    ...current,
    ...(patch.name !== undefined && { name: patch.name }),
    ...(phone !== undefined && { phone }),
    ...(patch.email !== undefined && { email: patch.email }),
    updatedAt: ctx.clock.now().getTime(),
  };
  await ctx.db.batch([
    ctx.db.orm
      .update(staff)
      .set(next)
      .where(and(eq(staff.tenantId, ctx.tenantId), eq(staff.id, id))),
  ]);
  return toView(next);
}

/** Removes a staff member; the customers they owned keep their profiles, without an owner. */
export async function deleteStaff(ctx: Ctx, id: string) {
  await row(ctx, id);
  await ctx.db.batch([
    ctx.db.orm
      .update(customers)
      .set({ ownerId: null })
      .where(and(eq(customers.tenantId, ctx.tenantId), eq(customers.ownerId, id))),
    ctx.db.orm.delete(staff).where(and(eq(staff.tenantId, ctx.tenantId), eq(staff.id, id))),
  ]);
}
