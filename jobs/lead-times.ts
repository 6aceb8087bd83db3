import type { Deps } from "../src/deps";
import { refreshModel } from "../src/shipments/model";

/** Rebuilds every workspace's lead-time model that has shipments (daily; the planner also refreshes a stale one). */
export async function runLeadTimes(deps: Deps) {
  const tenants = await deps.db.rawAll<{ tenant_id: string }>("select distinct tenant_id from shipments", []);
  const out: { tenant_id: string; cells: number; samples: number }[] = [];
  for (const t of tenants) {
    const r = await refreshModel({ db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: t.tenant_id });
    out.push({ tenant_id: t.tenant_id, cells: r.cells, samples: r.samples });
  }
  return out;
}
