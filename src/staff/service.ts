import { and, asc, eq, sql } from "drizzle-orm";
import type { Ctx } from "../context";
import { customers, staff } from "../db/schema";
import { ConflictError, NotFoundError, ValidationError } from "../lib/errors";
import { hashPassword } from "../lib/password";
import { isCountry, normalizePhone, phoneDetail } from "../lib/phone";
import { getTenantRow } from "../tenants/store";

export type StaffRole = "admin" | "operator" | "viewer";

export type StaffInput = {
  name: string;
  phone?: string | null;
  email?: string | null;
  role?: StaffRole;
  /** Sets the console password (stored as a scrypt hash); null removes console sign-in. */
  password?: string | null;
};

type StaffRow = typeof staff.$inferSelect;

function toView(r: StaffRow) {
  return {
    id: r.id,
    name: r.name,
    phone: r.phone,
    email: r.email,
    role: r.role,
    console_login: r.passwordHash !== null && r.email !== null,
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
  if (!parsed.ok)
    throw new ValidationError(`phone: '${phone}' ${parsed.reason}`, [phoneDetail("phone", phone, parsed)]);
  const other = await ctx.db.orm
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.tenantId, ctx.tenantId), eq(staff.phone, parsed.e164)))
    .get();
  if (other && other.id !== selfId)
    throw new ConflictError(`Another staff member has phone ${parsed.e164}`, {
      field: "phone",
      reason: "taken_staff",
      value: phone,
    });
  return parsed.e164;
}

/** Whether a number (E.164) is a staff member's of the workspace. */
export async function staffWithPhone(ctx: Ctx, e164: string): Promise<boolean> {
  const row = await ctx.db.orm
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.tenantId, ctx.tenantId), eq(staff.phone, e164)))
    .get();
  return row !== undefined;
}

/** Console sign-in is by email, so an email belongs to one member of a workspace. */
async function emailFor(ctx: Ctx, email: string | null | undefined, selfId?: string) {
  if (email === undefined || email === null) return email;
  const normal = email.trim().toLowerCase();
  const other = await ctx.db.orm
    .select({ id: staff.id })
    .from(staff)
    .where(and(eq(staff.tenantId, ctx.tenantId), sql`lower(${staff.email}) = ${normal}`))
    .get();
  if (other && other.id !== selfId)
    throw new ConflictError(`Another staff member has email ${normal}`, {
      field: "email",
      reason: "taken_staff",
      value: normal,
    });
  return normal;
}

async function passwordFor(password: string | null | undefined) {
  if (password === undefined || password === null) return password;
  return hashPassword(password);
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
    email: (await emailFor(ctx, input.email)) ?? null,
    role: input.role ?? "viewer",
    passwordHash: (await passwordFor(input.password)) ?? null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.batch([ctx.db.orm.insert(staff).values(r)]);
  return toView(r);
}

export async function updateStaff(ctx: Ctx, id: string, patch: Partial<StaffInput>) {
  const current = await row(ctx, id);
  const phone = await phoneFor(ctx, patch.phone, id);
  const email = await emailFor(ctx, patch.email, id);
  const passwordHash = await passwordFor(patch.password);
  const next: StaffRow = {
    ...current,
    ...(patch.name !== undefined && { name: patch.name }),
    ...(phone !== undefined && { phone }),
    ...(email !== undefined && { email }),
    ...(patch.role !== undefined && { role: patch.role }),
    ...(passwordHash !== undefined && { passwordHash }),
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
