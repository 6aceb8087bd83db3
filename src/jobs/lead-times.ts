import { refreshAndRetime } from "../campaigns/retime";
import type { Deps } from "../deps";
import { tenantsWithShipments } from "../shipments/store";

/**
 * Rebuilds every workspace's lead-time model that has shipments (daily; the planner also
 * refreshes a stale one), then moves the prompts still planned to the new model's days.
 */
export async function runLeadTimes(deps: Deps) {
  const tenants = await tenantsWithShipments(deps.db);
  const out: { tenant_id: string; cells: number; samples: number; retimed: number }[] = [];
  for (const t of tenants) {
    const ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: t.tenant_id };
    const r = await refreshAndRetime(ctx);
    out.push({ tenant_id: t.tenant_id, cells: r.cells, samples: r.samples, retimed: r.retimed });
  }
  return out;
}
