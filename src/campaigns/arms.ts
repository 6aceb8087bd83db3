// A campaign experiment's results: per arm, who was in it and what they did, the rate of the
// experiment's measure with its 95 % interval, and each comparison (every arm against the
// holdout, and against every earlier arm) with its interval, p-value and verdict in plain words.
// Against the holdout, what the messages caused: conversions, by channel, and their cost.

import type { Ctx } from "../context";
import type { CampaignRow, Experiment } from "../db/schema";
import { HOLDOUT, REST } from "../experiments/assign";
import { effectOf } from "../experiments/effect";
import { differenceOf, type Rate, rateOf } from "../experiments/stats";
import { verdictOf } from "../experiments/verdict";
import { round4OrNull } from "../lib/numbers";
import { type ArmCounts, armCounts, armGoalChannels } from "./store";

const r4 = round4OrNull;
const rateView = (r: Rate) => ({ rate: r4(r.rate), low: r4(r.low), high: r4(r.high) });

export type Measure = "clicked" | "replied" | "converted";
const WORDS: Record<Measure, { en: string; zh: string }> = {
  converted: { en: "converts", zh: "转化率" },
  clicked: { en: "gets its link opened", zh: "链接打开率" },
  replied: { en: "gets replies", zh: "回复率" },
};

/** What an experiment is judged by: the rollout's metric, else the goal, else opening a link. */
export function measureOf(x: Experiment): Measure {
  return x.rollout?.metric ?? (x.goal ? "converted" : "clicked");
}

/** An arm in the verdict's words; the only arm beside a holdout is the group that got the message. */
export const armLabel = (n: string, single = false) =>
  n === HOLDOUT
    ? { en: "the held-back group (no message)", zh: "对照组（不发短信）" }
    : single
      ? { en: "the messaged group", zh: "收到短信的一组" }
      : { en: `version ${n}`, zh: `版本 ${n}` };

/** Each arm's counts and its rate of the measure (over the whole arm, as assigned). */
export async function armRates(ctx: Ctx, c: CampaignRow, x: Experiment) {
  const counts = await armCounts(ctx.db, ctx.tenantId, c.id, x.goal ?? null);
  const measure = measureOf(x);
  const byName = new Map<string, ArmCounts>(counts.map((a) => [a.arm, a]));
  const names = [...x.arms.map((a) => a.name), ...(x.holdout > 0 ? [HOLDOUT] : [])];
  const rates = new Map(names.map((n) => [n, rateOf(byName.get(n)?.[measure] ?? 0, byName.get(n)?.audience ?? 0)]));
  return { measure, byName, names, rates };
}

/** Two arms on the measure: the difference, its interval and p-value, and the verdict. */
export function compareArms(measure: Measure, rates: Map<string, Rate>, a: string, b: string, single = false) {
  const ra = rates.get(a) as Rate;
  const rb = rates.get(b) as Rate;
  const d = differenceOf(ra, rb);
  const la = armLabel(a, single);
  const lb = armLabel(b, single);
  const v = verdictOf({ a: la.en, b: lb.en, aZh: la.zh, bZh: lb.zh }, WORDS[measure], ra, rb, d);
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
}

/** The arms' results, or null for a campaign that is no experiment. */
export async function armResults(ctx: Ctx, c: CampaignRow, currency: string | null) {
  const x = c.experiment;
  if (!x) return null;
  const { measure, byName, names, rates } = await armRates(ctx, c, x);
  const channels = new Map<string, Record<string, number>>();
  if (x.goal && x.holdout > 0)
    for (const r of await armGoalChannels(ctx.db, ctx.tenantId, c.id, x.goal)) {
      const m = channels.get(r.arm) ?? {};
      m[r.channel] = r.n;
      channels.set(r.arm, m);
    }
  const cost = (n: string) => (byName.get(n)?.price ?? 0) / 1_000_000;
  const vsHoldout = (a: string) => {
    const base = compareArms(measure, rates, a, HOLDOUT, x.arms.length === 1);
    if (measure !== "converted") return base;
    const effect = effectOf(
      rates.get(a) as Rate,
      rates.get(HOLDOUT) as Rate,
      { arm: channels.get(a) ?? {}, holdout: channels.get(HOLDOUT) ?? {} },
      { amount: cost(a), currency },
    );
    return { ...base, effect };
  };
  const rest = byName.get(REST);
  return {
    measure,
    goal: x.goal ?? null,
    holdout_share: x.holdout,
    arms: names.map((n) => {
      const a = byName.get(n);
      return {
        arm: n,
        weight: n === HOLDOUT ? null : (x.arms.find((y) => y.name === n)?.weight ?? null),
        shift_hours: x.arms.find((y) => y.name === n)?.shift_hours ?? 0,
        audience: a?.audience ?? 0,
        sent: a?.sent ?? 0,
        delivered: a?.delivered ?? 0,
        clicked: a?.clicked ?? 0,
        replied: a?.replied ?? 0,
        converted: x.goal ? (a?.converted ?? 0) : null,
        by_channel: x.goal && x.holdout > 0 ? (channels.get(n) ?? {}) : undefined,
        cost: Math.round(cost(n) * 10_000) / 10_000,
        [`${measure}_rate`]: rateView(rates.get(n) as Rate),
      };
    }),
    comparisons: [
      ...(x.holdout > 0 ? x.arms.map((a) => vsHoldout(a.name)) : []),
      // Every version against every earlier one: B against A, C against A and B…
      ...x.arms.flatMap((a, i) => x.arms.slice(0, i).map((b) => compareArms(measure, rates, a.name, b.name))),
    ],
    rollout: x.rollout
      ? {
          ...x.rollout,
          decide_at: c.rollout ? new Date(c.rollout.decide_at).toISOString() : null,
          decided_at: c.rollout?.decided_at ? new Date(c.rollout.decided_at).toISOString() : null,
          winner: c.rollout?.winner ?? null,
          reason: c.rollout?.reason ?? null,
          figures: c.rollout?.arms ?? null,
          rest: { audience: rest?.audience ?? 0, sent: rest?.sent ?? 0, delivered: rest?.delivered ?? 0 },
        }
      : null,
  };
}
