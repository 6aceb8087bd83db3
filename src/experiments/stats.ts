/// <reference path="./jstat.d.ts" />
// What an experiment's counts say, with their uncertainty: each arm's rate with a Wilson score
// interval, the difference between two arms with Newcombe's interval (built from the two
// Wilson intervals; it keeps its 95 % where the plain normal interval fails, at small counts
// and rates near 0 or 1), a two-sided p-value from the pooled two-proportion z-test, and how
// many recipients per arm a difference of a given size would need to be seen. The normal
// distribution is jstat's.

import jstatModule from "jstat";

const { normal } = jstatModule.jStat ?? jstatModule;

export type Rate = { successes: number; n: number; rate: number | null; low: number | null; high: number | null };
export type Difference = {
  /** a − b, in proportion (0.041 is 4.1 points). */
  difference: number;
  low: number;
  high: number;
  p_value: number;
};

const z = (confidence: number) => normal.inv(1 - (1 - confidence) / 2, 0, 1);

/** The Wilson score interval of a rate. */
export function rateOf(successes: number, n: number, confidence = 0.95): Rate {
  if (n === 0) return { successes, n, rate: null, low: null, high: null };
  const k = z(confidence);
  const p = successes / n;
  const denom = 1 + (k * k) / n;
  const centre = (p + (k * k) / (2 * n)) / denom;
  const half = (k * Math.sqrt((p * (1 - p)) / n + (k * k) / (4 * n * n))) / denom;
  return { successes, n, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * a's rate minus b's, with Newcombe's hybrid score interval (at the confidence the two rates'
 * intervals have) and the z-test's p-value; null without data.
 */
export function differenceOf(a: Rate, b: Rate): Difference | null {
  if (a.rate === null || b.rate === null || a.low === null || b.low === null) return null;
  const d = a.rate - b.rate;
  const low = d - Math.sqrt((a.rate - a.low) ** 2 + ((b.high as number) - b.rate) ** 2);
  const high = d + Math.sqrt(((a.high as number) - a.rate) ** 2 + (b.rate - b.low) ** 2);
  const pooled = (a.successes + b.successes) / (a.n + b.n);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / b.n));
  const p = se === 0 ? 1 : 2 * (1 - normal.cdf(Math.abs(d) / se, 0, 1));
  return { difference: d, low, high, p_value: Math.min(1, p) };
}

/**
 * Recipients each arm needs for a difference of `delta` from a rate of `base` to show at 95 %
 * with 80 % power (the usual two-proportion sample size).
 */
export function neededPerArm(base: number, delta: number, alpha = 0.05, power = 0.8): number {
  const p1 = Math.min(Math.max(base, 0.0001), 0.9999);
  const p2 = Math.min(Math.max(base + delta, 0.0001), 0.9999);
  const bar = (p1 + p2) / 2;
  const za = normal.inv(1 - alpha / 2, 0, 1);
  const zb = normal.inv(power, 0, 1);
  const n = (za * Math.sqrt(2 * bar * (1 - bar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2;
  return Math.ceil(n);
}
