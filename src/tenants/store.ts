// The tenant reads that many services need (the row, the plan in force). Kept apart from the
// workspace settings verbs in ./service, and importing only db and lib modules, so that a service
// low in the layers can read its tenant without importing what the settings verbs use.
import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { prepared } from "../db/prepared";
import { type TenantRow, tenantPlans, tenants } from "../db/schema";
import { NotFoundError } from "../lib/errors";

export async function getTenantRow(db: Database, tenantId: string): Promise<TenantRow> {
  const row = await prepared(db, "tenantById", (orm) =>
    orm
      .select()
      .from(tenants)
      .where(eq(tenants.id, sql.placeholder("id")))
      .prepare(),
  ).get({ id: tenantId });
  if (!row) throw new NotFoundError("tenant", tenantId);
  return row;
}

/** The plan in force for a month ("YYYY-MM"): the latest change effective on or before it. */
export async function planFor(db: Database, tenantId: string, month: string) {
  const rows = await db.orm
    .select()
    .from(tenantPlans)
    .where(eq(tenantPlans.tenantId, tenantId))
    .orderBy(asc(tenantPlans.effectiveMonth))
    .all();
  const current = rows.filter((r) => r.effectiveMonth <= month).at(-1) ?? rows[0];
  const pending = rows.find((r) => r.effectiveMonth > month) ?? null;
  if (!current) throw new NotFoundError("plan for tenant", tenantId);
  return {
    plan: current.plan,
    pending: pending ? { effective_month: pending.effectiveMonth, plan: pending.plan } : null,
  };
}
