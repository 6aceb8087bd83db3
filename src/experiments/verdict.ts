// What an experiment's comparison of two arms says, in plain words, in the console's two
// languages. It never claims more than the interval does: a difference whose interval holds 0
// is "not enough data yet", with how many more recipients would show one of a stated size.

import { type Difference, neededPerArm, type Rate } from "./stats";

export type Verdict = {
  /** "better": a's interval lies above b's; "worse": below; "unclear": it holds 0 (or no data). */
  outcome: "better" | "worse" | "unclear";
  en: string;
  zh: string;
};

/** Arms fewer than this are never judged, whatever the interval says. */
export const MIN_PER_ARM = 30;
/** The difference the "how many more" estimate is for, in points, unless the one seen is larger. */
const DETECT_POINTS = 2;

const pts = (x: number) => (Math.abs(x) * 100).toFixed(1);

/**
 * a against b on one metric ("converts", "clicks", "replies"): which is better, by how much, the
 * 95 % interval; or that it is too early, and how many more recipients per arm would tell.
 */
export function verdictOf(
  names: { a: string; b: string; aZh: string; bZh: string },
  metric: { en: string; zh: string },
  a: Rate,
  b: Rate,
  d: Difference | null,
): Verdict {
  const judged = d !== null && a.n >= MIN_PER_ARM && b.n >= MIN_PER_ARM && (d.low > 0 || d.high < 0);
  if (!judged || d === null) {
    const base = b.rate ?? a.rate ?? 0.1;
    const seen = d ? Math.abs(d.difference) : 0;
    const delta = Math.max(DETECT_POINTS / 100, seen);
    // Never fewer than the minimum an arm is judged at, however large the difference seen.
    const more = Math.max(0, neededPerArm(base, delta), MIN_PER_ARM) - Math.min(a.n, b.n);
    const size = pts(delta);
    return {
      outcome: "unclear",
      en:
        more > 0
          ? `Not enough data yet: about ${more.toLocaleString("en")} more recipients per arm would be needed to see a ${size}-point difference.`
          : `No clear difference between ${names.a} and ${names.b} (the 95% interval of the difference holds zero).`,
      zh:
        more > 0
          ? `数据还不够：每组大约还需要 ${more.toLocaleString("zh-CN")} 位收信人，才能看出 ${size} 个百分点的差别。`
          : `没有明显差别：${names.aZh}与${names.bZh}的${metric.zh}相近（95% 区间包含零）。`,
    };
  }
  const better = d.difference > 0;
  const [win, lose, winZh, loseZh] = better
    ? [names.a, names.b, names.aZh, names.bZh]
    : [names.b, names.a, names.bZh, names.aZh];
  const low = pts(better ? d.low : -d.high);
  const high = pts(better ? d.high : -d.low);
  return {
    outcome: better ? "better" : "worse",
    en: `${win.charAt(0).toUpperCase()}${win.slice(1)} ${metric.en} ${pts(d.difference)} points more than ${lose} (95% interval ${low} to ${high}): ${win} is better.`,
    zh: `${winZh}的${metric.zh}比${loseZh}高 ${pts(d.difference)} 个百分点（95% 区间 ${low} 到 ${high}）：${winZh}更好。`,
  };
}
