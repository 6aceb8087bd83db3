// The activation channel mix over time: each shipment's first conversion, by the channel it
// came through (sms, ivr, web, app, agent, branch), per day or week, and the shares before and
// after a date (did moving the prompt shift activations from agents to SMS?).

import type { Ctx } from "../context";
import type { ItemKind } from "../db/schema";
import { ValidationError } from "../lib/errors";
import { round4 } from "../lib/numbers";
import { conversionsByBucket, conversionsByChannel } from "./store";

const DAY = 86_400_000;

function shares(counts: Record<string, number>): Record<string, number> {
  const total = Object.values(counts).reduce((s, x) => s + x, 0);
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, total === 0 ? 0 : round4(v / total)]));
}

export async function channelMix(
  ctx: Ctx,
  q: {
    item_kind: ItemKind;
    from?: string | undefined;
    to?: string | undefined;
    bucket: "day" | "week";
    compare_at?: string | undefined;
  },
) {
  const to = q.to ? Date.parse(q.to) : ctx.clock.now().getTime();
  const from = q.from ? Date.parse(q.from) : to - 90 * DAY;
  if (from >= to) throw ValidationError.field("from", "must be before to");
  const size = q.bucket === "day" ? DAY : 7 * DAY;
  if ((to - from) / size > 1000) throw ValidationError.field("bucket", "more than 1,000 buckets: use a wider bucket");
  const rows = await conversionsByBucket(ctx.db, ctx.tenantId, q.item_kind, from, to, size);
  const channels = [...new Set(rows.map((r) => r.ch ?? "unknown"))].sort();
  const buckets = Math.ceil((to - from) / size);
  const series = Array.from({ length: buckets }, (_, i) => {
    const counts: Record<string, number> = Object.fromEntries(channels.map((c) => [c, 0]));
    for (const r of rows) if (r.b === i) counts[r.ch ?? "unknown"] = (counts[r.ch ?? "unknown"] ?? 0) + r.n;
    const total = Object.values(counts).reduce((s, x) => s + x, 0);
    return {
      start: new Date(from + i * size).toISOString(),
      end: new Date(Math.min(to, from + (i + 1) * size)).toISOString(),
      total,
      counts,
      shares: shares(counts),
    };
  });
  let comparison = null;
  if (q.compare_at) {
    const at = Date.parse(q.compare_at);
    if (!(at > from && at < to)) throw ValidationError.field("compare_at", "must fall between from and to");
    const side = async (a: number, b: number) => {
      const got = await conversionsByChannel(ctx.db, ctx.tenantId, q.item_kind, a, b);
      const counts: Record<string, number> = Object.fromEntries(channels.map((c) => [c, 0]));
      for (const g of got) counts[g.ch ?? "unknown"] = g.n;
      return { total: got.reduce((s, g) => s + g.n, 0), counts, shares: shares(counts) };
    };
    const before = await side(from, at);
    const after = await side(at, to);
    comparison = {
      at: new Date(at).toISOString(),
      before,
      after,
      change_points: Object.fromEntries(
        channels.map((c) => [c, Math.round(((after.shares[c] ?? 0) - (before.shares[c] ?? 0)) * 10_000) / 100]),
      ),
    };
  }
  return {
    item_kind: q.item_kind,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucket: q.bucket,
    channels,
    series,
    comparison,
  };
}
