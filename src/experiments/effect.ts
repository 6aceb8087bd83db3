// What a message caused, read against its holdout: the arm's rate minus the holdout's, scaled
// to the arm's audience (conversions the message caused), the same per channel the goal event
// names (an activation by SMS instead of by an agent), and the cost per conversion caused. Each
// with the 95 % interval of the difference it comes from, said in plain words that never claim
// more than that interval.

import { differenceOf, type Rate, rateOf } from "./stats";
import { MIN_PER_ARM } from "./verdict";

export type Range = { value: number; low: number; high: number };
export type ChannelEffect = { channel: string; arm_rate: number | null; holdout_rate: number | null } & Range;
export type Effect = {
  /** Conversions caused among the arm's audience (difference × audience). */
  caused: Range;
  /** Per channel: conversions by it caused (negative: that many fewer, such as agent calls avoided). */
  by_channel: ChannelEffect[];
  /** Cost per conversion caused; `high` null when the interval reaches zero conversions caused. */
  cost_per_caused: { value: number; low: number; high: number | null } | null;
  words: { en: string; "zh-CN": string };
};

/** A count, without the "-0" that rounding a small negative gives. */
const whole = (x: number) => Math.round(x) || 0;
const scale = (d: { difference: number; low: number; high: number }, n: number): Range => ({
  value: whole(d.difference * n),
  low: whole(d.low * n),
  high: whole(d.high * n),
});

/** Channels that take a person's time (or a call): the ones a message is meant to spare, by name. */
const STAFFED: Record<string, { en: string; zh: string }> = {
  agent: { en: "an agent", zh: "客服" },
  branch: { en: "a branch", zh: "网点" },
  front_desk: { en: "the front desk", zh: "前台" },
  ivr: { en: "the phone menu", zh: "电话语音" },
};

export function effectOf(
  arm: Rate,
  holdout: Rate,
  channels: { arm: Record<string, number>; holdout: Record<string, number> },
  cost: { amount: number; currency: string | null },
): Effect | null {
  const d = differenceOf(arm, holdout);
  if (!d) return null;
  const n = arm.n;
  const caused = scale(d, n);
  const by_channel = [...new Set([...Object.keys(channels.arm), ...Object.keys(channels.holdout)])]
    .filter((c) => c !== "")
    .sort()
    .flatMap((channel) => {
      const a = rateOf(channels.arm[channel] ?? 0, arm.n);
      const h = rateOf(channels.holdout[channel] ?? 0, holdout.n);
      const dc = differenceOf(a, h);
      return dc ? [{ channel, arm_rate: a.rate, holdout_rate: h.rate, ...scale(dc, n) }] : [];
    });
  const per = (x: number) => Math.round((cost.amount / x) * 100) / 100;
  const cost_per_caused =
    cost.amount > 0 && caused.value > 0 && caused.high > 0
      ? { value: per(caused.value), low: per(caused.high), high: caused.low > 0 ? per(caused.low) : null }
      : null;
  // Judged as the verdict judges the same difference: enough people in both, and an interval
  // (before rounding) that leaves out zero.
  const shown = arm.n >= MIN_PER_ARM && holdout.n >= MIN_PER_ARM && (d.low > 0 || d.high < 0);
  const fmt = (x: number, lang: string) => Math.abs(x).toLocaleString(lang);
  const en: string[] = [];
  const zh: string[] = [];
  if (arm.n < MIN_PER_ARM || holdout.n < MIN_PER_ARM) {
    en.push(
      `Too few people yet to say what the messages caused: ${n.toLocaleString("en")} got them and ${holdout.n.toLocaleString("en")} were held back; at least ${MIN_PER_ARM} of each are needed.`,
    );
    zh.push(
      `人数还太少，无法判断短信带来了什么：${n.toLocaleString("zh-CN")} 人收到，${holdout.n.toLocaleString("zh-CN")} 人留作对照；每组至少需要 ${MIN_PER_ARM} 人。`,
    );
  } else if (!shown) {
    en.push(
      `No effect shown yet: between ${caused.low.toLocaleString("en")} and ${caused.high.toLocaleString("en")} conversions among ${n.toLocaleString("en")} people (95% interval), which includes none.`,
    );
    zh.push(
      `尚未看出效果：${n.toLocaleString("zh-CN")} 人中由短信带来的转化在 ${caused.low.toLocaleString("zh-CN")} 到 ${caused.high.toLocaleString("zh-CN")} 之间（95% 区间），包含零。`,
    );
  } else {
    const more = caused.value > 0;
    en.push(
      `Among ${n.toLocaleString("en")} people, the messages caused about ${fmt(caused.value, "en")} ${more ? "more" : "fewer"} conversions (95% interval ${fmt(more ? caused.low : -caused.high, "en")} to ${fmt(more ? caused.high : -caused.low, "en")}).`,
    );
    zh.push(
      `在 ${n.toLocaleString("zh-CN")} 人中，短信带来了约 ${fmt(caused.value, "zh-CN")} 次${more ? "额外" : "更少的"}转化（95% 区间 ${fmt(more ? caused.low : -caused.high, "zh-CN")} 到 ${fmt(more ? caused.high : -caused.low, "zh-CN")}）。`,
    );
    for (const c of by_channel) {
      const who = STAFFED[c.channel];
      if (!who || !(c.high < 0)) continue;
      en.push(
        `About ${fmt(c.value, "en")} fewer went through ${who.en} (95% interval ${fmt(c.high, "en")} to ${fmt(c.low, "en")}).`,
      );
      zh.push(
        `经由${who.zh}的约少 ${fmt(c.value, "zh-CN")} 次（95% 区间 ${fmt(c.high, "zh-CN")} 到 ${fmt(c.low, "zh-CN")}）。`,
      );
    }
    if (cost_per_caused) {
      const cur = cost.currency ? ` ${cost.currency}` : "";
      const hi = cost_per_caused.high === null ? "" : ` to ${cost_per_caused.high}${cur}`;
      const hiZh = cost_per_caused.high === null ? "" : ` 到 ${cost_per_caused.high}${cur}`;
      en.push(
        `Each conversion caused cost ${cost_per_caused.value}${cur} (95% interval ${cost_per_caused.low}${cur}${hi || " or more"}).`,
      );
      zh.push(
        `每次带来的转化花费 ${cost_per_caused.value}${cur}（95% 区间 ${cost_per_caused.low}${cur}${hiZh || " 或更多"}）。`,
      );
    }
  }
  return { caused, by_channel, cost_per_caused, words: { en: en.join(" "), "zh-CN": zh.join("") } };
}
