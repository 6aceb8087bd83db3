import { and, asc, eq, sql } from "drizzle-orm";
import type { Ctx } from "../context";
import { type AttributeType, attributeDefinitions, customers } from "../db/schema";
import { ConflictError } from "../lib/errors";

function toView(r: typeof attributeDefinitions.$inferSelect) {
  return {
    key: r.key,
    type: r.type,
    label: r.label,
    description: r.description,
    created_at: new Date(r.createdAt).toISOString(),
  };
}

export async function listAttributes(ctx: Ctx) {
  const rows = await ctx.db.orm
    .select()
    .from(attributeDefinitions)
    .where(eq(attributeDefinitions.tenantId, ctx.tenantId))
    .orderBy(asc(attributeDefinitions.key))
    .all();
  return { data: rows.map(toView) };
}

/** Defines (or re-describes) an attribute. Its type can change only while no customer has a value. */
export async function putAttribute(
  ctx: Ctx,
  key: string,
  input: { type: AttributeType; label?: string | null; description?: string | null },
) {
  const where = and(eq(attributeDefinitions.tenantId, ctx.tenantId), eq(attributeDefinitions.key, key));
  const existing = await ctx.db.orm.select().from(attributeDefinitions).where(where).get();
  if (existing && existing.type !== input.type) {
    const used = await ctx.db.orm
      .select({ n: sql<number>`count(*)` })
      .from(customers)
      .where(
        and(
          eq(customers.tenantId, ctx.tenantId),
          sql`json_extract(${customers.attributes}, ${`$.${key}`}) is not null`,
        ),
      )
      .get();
    if (used && used.n > 0) {
      throw new ConflictError(
        `${used.n} customers have a ${existing.type} value for '${key}'; its type cannot change`,
        {
          field: "type",
        },
      );
    }
  }
  const row = {
    tenantId: ctx.tenantId,
    key,
    type: input.type,
    label: input.label === undefined ? (existing?.label ?? null) : input.label || null,
    description: input.description ?? existing?.description ?? null,
    createdAt: existing?.createdAt ?? ctx.clock.now().getTime(),
  };
  await ctx.db.batch([
    ctx.db.orm
      .insert(attributeDefinitions)
      .values(row)
      .onConflictDoUpdate({
        target: [attributeDefinitions.tenantId, attributeDefinitions.key],
        set: { type: row.type, label: row.label, description: row.description },
      }),
  ]);
  return { view: toView(row), created: !existing };
}
