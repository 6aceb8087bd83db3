import type { Result } from ".";
import { timePlan } from "./plan";
import { segmentWorkspace, timeSegment } from "./segment-count";

const SIZES = (process.env.BENCH_SIZES ?? "10000,100000,1000000,5000000").split(",").map(Number);
/**
 * A segment's count and a broadcast's planning read or write every customer once: their cost
 * per customer should not grow with the workspace faster than SQLite's own does for the same
 * rows (a deeper b-tree, a file that no longer fits the page cache), measured beside each as the
 * count(*) and INSERT … SELECT ceilings. The value is the worse of the two: how much more the
 * cost per customer grew from 100k to the largest size than its ceiling's did. 1.25 allows for
 * the machine's noise; a sort or a quadratic step would show as 5 or more.
 */
const TARGET = 1.25;

export async function scaleCurve(): Promise<Result> {
  const points: Record<string, number>[] = [];
  for (const n of SIZES) {
    const w = await segmentWorkspace(n);
    const segment = await timeSegment(w);
    const plan = await timePlan(w, n);
    const point = {
      customers: n,
      segment_ms: Math.round(segment.median),
      segment_ns_per_customer: Math.round((segment.median * 1e6) / n),
      count_ceiling_ns_per_customer: Math.round((segment.ceilingMs * 1e6) / n),
      plan_s: Number(plan.seconds.toFixed(2)),
      plan_us_per_customer: Number(((plan.seconds * 1e6) / n).toFixed(2)),
      plan_ceiling_us_per_customer: Number(((plan.ceilingSeconds * 1e6) / n).toFixed(2)),
    };
    points.push(point);
    // The curve as it is measured (stdout carries only the result).
    console.error(JSON.stringify(point));
    await w.close();
  }
  const at = (n: number) => points.find((p) => p.customers === n);
  const base = at(100_000) ?? points[0];
  const top = points[points.length - 1];
  if (!base || !top) throw new Error("no sizes measured");
  const growth = (key: string) => (top[key] as number) / (base[key] as number);
  const segmentGrowth = growth("segment_ns_per_customer") / growth("count_ceiling_ns_per_customer");
  const planGrowth = growth("plan_us_per_customer") / growth("plan_ceiling_us_per_customer");
  return {
    value: Number(Math.max(segmentGrowth, planGrowth).toFixed(2)),
    unit: `× growth over the ceiling's (${Number(top.customers) / 1000}k vs ${Number(base.customers) / 1000}k)`,
    target: TARGET,
    better: "lower",
    segment_growth: Number(growth("segment_ns_per_customer").toFixed(2)),
    count_ceiling_growth: Number(growth("count_ceiling_ns_per_customer").toFixed(2)),
    plan_growth: Number(growth("plan_us_per_customer").toFixed(2)),
    plan_ceiling_growth: Number(growth("plan_ceiling_us_per_customer").toFixed(2)),
    curve: points,
  };
}
