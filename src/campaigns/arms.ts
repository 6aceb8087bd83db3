// A campaign experiment's results: per arm, who was in it and what they did, the rate of the
// experiment's measure with its 95 % interval, and each comparison (every arm against the
// holdout, and against the first arm) with its interval, p-value and verdict in plain words.

import type { Ctx } from "../context";
import type { CampaignRow } from "../db/schema";
import { HOLDOUT } from "../experiments/assign";
import { differenceOf, type Rate, rateOf } from "../experiments/stats";
import { verdictOf } from "../experiments/verdict";
import { round4 } from "../lib/numbers";
import { type ArmCounts, armCounts } from "./store";

const r4 = (x: number | null) => (x === null ? null : round4(x));
const rateView = (r: Rate) => ({ rate: r4(r.rate), low: r4(r.low), high: r4(r.high) });

/** The arms' results, or null for a campaign that is no experiment. */
export async function armResults(ctx: Ctx, c: CampaignRow) {
  const x = c.experiment;
  if (!x) return null;
  const counts = await armCounts(ctx.db, ctx.tenantId, c.id, x.goal ?? null);
  // The measure: the goal where there is one, else opening a tracked link. Over the whole arm,
  // holdout included: what the message caused, not only among those it reached.
  const measure = x.goal ? "converted" : "clicked";
  const words = x.goal ? { en: "converts", zh: "转化率" } : { en: "gets its link opened", zh: "链接打开率" };
  const byName = new Map<string, ArmCounts>(counts.map((a) => [a.arm, a]));
  const names = [...x.arms.map((a) => a.name), ...(x.holdout > 0 ? [HOLDOUT] : [])];
  const rates = new Map(names.map((n) => [n, rateOf(byName.get(n)?.[measure] ?? 0, byName.get(n)?.audience ?? 0)]));
  const label = (n: string) =>
    n === HOLDOUT ? { en: "the holdout (no message)", zh: "对照组（不发短信）" } : { en: `arm ${n}`, zh: `方案 ${n}` };
  const compare = (a: string, b: string) => {
    const ra = rates.get(a) as Rate;
    const rb = rates.get(b) as Rate;
    const d = differenceOf(ra, rb);
    const v = verdictOf({ a: label(a).en, b: label(b).en, aZh: label(a).zh, bZh: label(b).zh }, words, ra, rb, d);
    return {
      arm: a,
      against: b,
      difference: d ? r4(d.difference) : null,
      low: d ? r4(d.low) : null,
      high: d ? r4(d.high) : null,
      p_value: d ? r4(d.p_value) : null,
      outcome: v.outcome,
      verdict: { en: v.en, "zh-CN": v.zh },
    };
  };
  const first = x.arms[0]?.name as string;
  return {
    measure,
    goal: x.goal ?? null,
    holdout_share: x.holdout,
    arms: names.map((n) => {
      const a = byName.get(n);
      return {
        arm: n,
        weight: n === HOLDOUT ? null : (x.arms.find((y) => y.name === n)?.weight ?? null),
        audience: a?.audience ?? 0,
        sent: a?.sent ?? 0,
        delivered: a?.delivered ?? 0,
        clicked: a?.clicked ?? 0,
        converted: x.goal ? (a?.converted ?? 0) : null,
        [`${measure}_rate`]: rateView(rates.get(n) as Rate),
      };
    }),
    comparisons: [
      ...(x.holdout > 0 ? x.arms.map((a) => compare(a.name, HOLDOUT)) : []),
      ...x.arms.slice(1).map((a) => compare(a.name, first)),
    ],
  };
}
