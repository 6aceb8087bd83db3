// The lead-time model: per (item kind, courier, region), the histogram of lead days and hours of
// the settled shipments shipped within the window, with the courier-wide and workspace-wide sums as the
// fallbacks for cells too thin to trust. Rebuilt whole by each refresh (daily, or on demand):
// it is a few group-bys over an index, and a rebuild cannot drift.

import { and, eq } from "drizzle-orm";
import type { Ctx } from "../context";
import { type ItemKind, type LeadTimeCellRow, leadTimeCells, tenants } from "../db/schema";
import { addInto, emptyHistogram, MAX_LEAD_DAYS, MAX_LEAD_HOURS } from "./lead";
import { type DeliveryModelSettings, resolveDeliveryModel } from "./settings";
import { deleteLeadTimeCells, insertLeadTimeCells, leadCounts } from "./store";

const DAY = 86_400_000;
/** Older than this, the planner refreshes the model itself before using it. */
export const STALE_MS = DAY;

/** Courier and region '' mean "all": the courier-wide and workspace-wide rows. */
export const ALL = "";

export type Cell = {
  courier: string;
  region: string;
  samples: number;
  proxySamples: number;
  days: number[];
  hours: number[];
};

export type Level = "cell" | "courier" | "tenant";

export type Model = {
  settings: DeliveryModelSettings;
  refreshedAt: number | null;
  windowFrom: number | null;
  cells: Map<string, Cell>;
};

const keyOf = (courier: string, region: string) => `${courier}\u0000${region}`;

export async function deliverySettings(ctx: Ctx): Promise<DeliveryModelSettings> {
  const t = await ctx.db.orm
    .select({ s: tenants.deliveryModel })
    .from(tenants)
    .where(eq(tenants.id, ctx.tenantId))
    .get();
  return resolveDeliveryModel(t?.s);
}

type Sums = { samples: number; days: number[]; hours: number[] };
const sums = (): Sums => ({
  samples: 0,
  days: emptyHistogram(MAX_LEAD_DAYS + 1),
  hours: emptyHistogram(MAX_LEAD_HOURS + 1),
});

/**
 * Rebuilds the workspace's model from its settled shipments in the window. Delivery dates are
 * the data; a row (cell, courier or workspace) with fewer than min_samples of them takes the
 * activation proxies too, and says how many it took. Proxies run late (an activation comes
 * after the delivery), so they only fill in where delivery data is missing.
 */
export async function refreshModel(ctx: Ctx): Promise<{ refreshed_at: string; cells: number; samples: number }> {
  const settings = await deliverySettings(ctx);
  const now = ctx.clock.now().getTime();
  const from = now - settings.window_days * DAY;
  const until = now - settings.settle_days * DAY;
  const grouped = async (column: "lead_days" | "lead_hours", max: number) =>
    leadCounts(ctx.db, ctx.tenantId, column, max, from, until);
  const rows = new Map<string, { kind: ItemKind; courier: string; region: string; delivered: Sums; proxy: Sums }>();
  const rowsFor = (kind: ItemKind, courier: string, region: string) =>
    [
      [courier, region],
      [courier, ALL],
      [ALL, ALL],
    ].map(([c, r]) => {
      const k = `${kind}\u0000${keyOf(c as string, r as string)}`;
      let row = rows.get(k);
      if (!row) {
        row = { kind, courier: c as string, region: r as string, delivered: sums(), proxy: sums() };
        rows.set(k, row);
      }
      return row;
    });
  // Each sample counts in its cell, its courier's row and the workspace's row.
  for (const g of await grouped("lead_days", MAX_LEAD_DAYS))
    for (const row of rowsFor(g.k, g.c, g.r)) {
      const into = g.s === "delivered" ? row.delivered : row.proxy;
      into.samples += g.n;
      into.days[g.v] = (into.days[g.v] ?? 0) + g.n;
    }
  for (const g of await grouped("lead_hours", MAX_LEAD_HOURS))
    for (const row of rowsFor(g.k, g.c, g.r)) {
      const into = g.s === "delivered" ? row.delivered : row.proxy;
      into.hours[g.v] = (into.hours[g.v] ?? 0) + g.n;
    }
  const out = [...rows.values()].map((row) => {
    const withProxies = row.delivered.samples < settings.min_samples && row.proxy.samples > 0;
    const days = [...row.delivered.days];
    const hours = [...row.delivered.hours];
    if (withProxies) {
      addInto(days, row.proxy.days);
      addInto(hours, row.proxy.hours);
    }
    return {
      item_kind: row.kind,
      courier: row.courier,
      region: row.region,
      samples: row.delivered.samples + (withProxies ? row.proxy.samples : 0),
      proxy_samples: withProxies ? row.proxy.samples : 0,
      days: JSON.stringify(trim(days)),
      hours: JSON.stringify(trim(hours)),
    };
  });
  await ctx.db.batch([deleteLeadTimeCells(ctx.tenantId), insertLeadTimeCells(ctx.tenantId, from, now, out)]);
  const total = out.filter((c) => c.courier === ALL).reduce((s, c) => s + c.samples, 0);
  return { refreshed_at: new Date(now).toISOString(), cells: out.length, samples: total };
}

/** Trailing empty buckets are dropped from storage; readers treat a missing bucket as 0. */
function trim(h: number[]): number[] {
  let end = h.length;
  while (end > 0 && h[end - 1] === 0) end--;
  return h.slice(0, end);
}

function cellOf(r: LeadTimeCellRow): Cell {
  return {
    courier: r.courier,
    region: r.region,
    samples: r.samples,
    proxySamples: r.proxySamples,
    days: r.daysHistogram,
    hours: r.hoursHistogram,
  };
}

export async function loadModel(ctx: Ctx, kind: ItemKind): Promise<Model> {
  const settings = await deliverySettings(ctx);
  const rows = await ctx.db.orm
    .select()
    .from(leadTimeCells)
    .where(and(eq(leadTimeCells.tenantId, ctx.tenantId), eq(leadTimeCells.itemKind, kind)))
    .all();
  const cells = new Map(rows.map((r) => [keyOf(r.courier, r.region), cellOf(r)]));
  const first = rows[0];
  return { settings, refreshedAt: first?.refreshedAt ?? null, windowFrom: first?.windowFrom ?? null, cells };
}

/** The model as the planner uses it: refreshed first when it is older than a day (or missing). */
export async function freshModel(ctx: Ctx, kind: ItemKind): Promise<Model> {
  const m = await loadModel(ctx, kind);
  const now = ctx.clock.now().getTime();
  if (m.refreshedAt !== null && now - m.refreshedAt < STALE_MS) return m;
  await refreshModel(ctx);
  return loadModel(ctx, kind);
}

/**
 * The distribution a shipment's timing comes from: its own (courier, region) cell when it has
 * at least min_samples recent samples, else its courier's, else the workspace's; null when even
 * the workspace has too few (the caller then uses promised or default days).
 */
export function resolveCell(m: Model, courier: string, region: string): { level: Level; cell: Cell } | null {
  const min = m.settings.min_samples;
  const tries: [Level, string, string][] = [
    ["cell", courier, region],
    ["courier", courier, ALL],
    ["tenant", ALL, ALL],
  ];
  for (const [level, c, r] of tries) {
    const cell = m.cells.get(keyOf(c, r));
    if (cell && cell.samples >= min) return { level, cell };
  }
  return null;
}

/** Every (courier, region) cell, courier row and the workspace row, for reports. */
export function allCells(m: Model): Cell[] {
  return [...m.cells.values()];
}
