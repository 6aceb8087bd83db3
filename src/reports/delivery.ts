// The delivery report: for every (courier, region) cell, the lead-day histogram, quantiles,
// sample counts, which distribution actually times its prompts (itself, or a fallback when it
// is thin) and the send day that gives. Plus the courier and workspace rows.

import type { Ctx } from "../context";
import type { ItemKind } from "../db/schema";
import { round4 } from "../lib/numbers";
import { QUANTILES, quantileOf } from "../shipments/lead";
import { ALL, type Cell, freshModel, resolveCell } from "../shipments/model";
import { shipmentsPerCell } from "./store";

function quantiles(c: Cell) {
  const out: Record<string, { days: number | null; hours: number | null }> = {};
  for (const q of QUANTILES)
    out[`p${Math.round(q * 100)}`] = { days: quantileOf(c.days, q), hours: quantileOf(c.hours, q) };
  return out;
}

export function histogramOf(c: Cell) {
  let seen = 0;
  return c.days.map((count, day) => {
    seen += count;
    return { day, count, cumulative_share: c.samples === 0 ? 0 : round4(seen / c.samples) };
  });
}

function cellReport(c: Cell) {
  return {
    courier: c.courier,
    region: c.region,
    samples: c.samples,
    proxy_samples: c.proxySamples,
    quantiles: quantiles(c),
    histogram: histogramOf(c),
  };
}

export async function deliveryReport(ctx: Ctx, q: { item_kind: ItemKind; quantile: number }) {
  const m = await freshModel(ctx, q.item_kind);
  const empty: Cell = { courier: ALL, region: ALL, samples: 0, proxySamples: 0, days: [], hours: [] };
  const cells = [...m.cells.values()];
  // Cells with shipments but no outcome yet appear too: they are timed by a fallback.
  const since = m.windowFrom ?? ctx.clock.now().getTime() - m.settings.window_days * 86_400_000;
  const seen = await shipmentsPerCell(ctx.db, ctx.tenantId, q.item_kind, since);
  const known = new Map(cells.map((c) => [`${c.courier}\u0000${c.region}`, c]));
  const timedBy = (courier: string, region: string) => {
    const r = resolveCell(m, courier, region);
    return r
      ? {
          level: r.level,
          courier: r.cell.courier,
          region: r.cell.region,
          samples: r.cell.samples,
          recommended_send_day: quantileOf(r.cell.days, q.quantile),
        }
      : { level: "promised_or_default" as const, courier: ALL, region: ALL, samples: 0, recommended_send_day: null };
  };
  const cellRows = seen.map((s) => {
    const c = known.get(`${s.courier}\u0000${s.region}`) ?? { ...empty, courier: s.courier, region: s.region };
    return { ...cellReport(c), shipments: s.shipments, timed_by: timedBy(s.courier, s.region) };
  });
  const couriers = cells
    .filter((c) => c.courier !== ALL && c.region === ALL)
    .sort((a, b) => (a.courier < b.courier ? -1 : 1))
    .map((c) => ({ ...cellReport(c), recommended_send_day: quantileOf(c.days, q.quantile) }));
  const tenant = known.get(`${ALL}\u0000${ALL}`) ?? empty;
  return {
    item_kind: q.item_kind,
    quantile: q.quantile,
    refreshed_at: m.refreshedAt === null ? null : new Date(m.refreshedAt).toISOString(),
    window: { from: m.windowFrom === null ? null : new Date(m.windowFrom).toISOString(), days: m.settings.window_days },
    min_samples: m.settings.min_samples,
    workspace: { ...cellReport(tenant), recommended_send_day: quantileOf(tenant.days, q.quantile) },
    couriers,
    cells: cellRows,
  };
}

export type DeliveryReport = Awaited<ReturnType<typeof deliveryReport>>;
