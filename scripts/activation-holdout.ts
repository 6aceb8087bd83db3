// The activation demo's holdout: what the app estimates the prompts caused (an arm against its
// held-out cardholders, from the campaign's stats), and the true effect, which only a
// simulation knows. Every cardholder's outcome without a prompt is their own activation; with
// prompts it is replayed by the same reply rule the live run used, at the times their prompts
// went (or, held out, would have gone). Both are counted over the app's window (the goal's days
// from each prompt's planned time). The true effect is the mean of the two outcomes' difference.

import type { Database } from "../src/db/client";
import { replyAtOf, type Truth } from "./activation-bank";

const HOUR = 3_600_000;

type Range = { value: number; low: number; high: number };
type Comparison = {
  arm: string;
  against: string;
  difference: number | null;
  low: number | null;
  high: number | null;
  p_value: number | null;
  verdict: { en: string };
  effect: {
    caused: Range;
    by_channel: ({ channel: string } & Range)[];
    cost_per_caused: { value: number; low: number; high: number | null } | null;
    words: { en: string; "zh-CN": string };
  } | null;
};
type ArmStats = { arm: string; audience: number; converted: number; cost: number };
export type CampaignExperiment = { arms: ArmStats[]; comparisons: Comparison[]; goal: { within_days: number } };

export type HoldoutResult = {
  holdout_share: number;
  prompted: { audience: number; rate: number; cost: number };
  held_out: { audience: number; rate: number };
  estimate: { difference: number; low: number; high: number; p_value: number | null };
  caused: Range;
  agent_avoided: Range | null;
  cost_per_caused: { value: number; low: number; high: number | null } | null;
  /** What the simulation knows: the mean effect over every cardholder, and scaled to the prompted. */
  truth: { difference: number; caused: number; agent_avoided: number; replay_rate_prompted: number };
  covered: boolean;
  words: { en: string; "zh-CN": string };
};

/** The estimate from `x` (the campaign's stats) against the truth replayed for every cardholder. */
export async function holdoutResult(
  db: Database,
  campaignId: string,
  x: CampaignExperiment,
  truthOf: Map<string, Truth>,
  start: number,
): Promise<HoldoutResult | null> {
  const cmp = x.comparisons.find((c) => c.against === "holdout");
  const arm = x.arms.find((a) => a.arm === cmp?.arm);
  const held = x.arms.find((a) => a.arm === "holdout");
  if (!cmp?.effect || cmp.difference === null || !arm || !held) return null;
  const window = x.goal.within_days * 24 * HOUR;
  // Each shipment's prompts, when they were settled: sent, or skipped when due.
  const rows = await db.rawAll<{ shipment_id: string; step: number; arm: string; at: number; planned: number }>(
    `select t.shipment_id, t.step, m.arm, coalesce(m.sent_at, m.updated_at) as at, m.send_at as planned
       from timing_decisions t join messages m on m.tenant_id = t.tenant_id and m.id = t.message_id
      where t.campaign_id = ? order by t.shipment_id, t.step`,
    [campaignId],
  );
  const sends = new Map<string, { arm: string; at: number[]; planned: number[] }>();
  for (const r of rows) {
    const s = sends.get(r.shipment_id) ?? { arm: r.arm, at: [], planned: [] };
    s.at[r.step - 1] = r.at;
    s.planned[r.step - 1] = r.planned;
    sends.set(r.shipment_id, s);
  }
  // An SMS reply is handled at the next hourly run of the simulation.
  const tick = (ms: number) => start + Math.ceil((ms - start) / HOUR) * HOUR;
  let n = 0;
  let effect = 0;
  let agent = 0;
  let prompted = 0;
  let promptedActive = 0;
  for (const [shipment, s] of sends) {
    const t = truthOf.get(shipment);
    if (!t || s.at[0] === undefined) continue;
    // As the app counts: within the window of any of the shipment's prompts, from its planned time.
    const inWindow = (at: number) => s.planned.some((p) => at >= p && at < p + window);
    const own = t.own;
    let withPrompt = own ? { at: own.at, channel: own.channel } : null;
    for (const [i, at] of s.at.entries()) {
      if (withPrompt && at >= withPrompt.at) break;
      const reply = replyAtOf(t, i + 1, at);
      if (reply !== null) {
        withPrompt = { at: tick(reply), channel: "sms" };
        break;
      }
    }
    const y1 = withPrompt !== null && inWindow(withPrompt.at);
    const y0 = own !== null && inWindow(own.at);
    n++;
    effect += Number(y1) - Number(y0);
    agent += Number(y0 && own?.channel === "agent") - Number(y1 && withPrompt?.channel === "agent");
    if (s.arm !== "holdout") {
      prompted++;
      promptedActive += Number(y1);
    }
  }
  const difference = effect / n;
  const agentRow = cmp.effect.by_channel.find((c) => c.channel === "agent");
  return {
    holdout_share: held.audience / (held.audience + arm.audience),
    prompted: { audience: arm.audience, rate: arm.converted / arm.audience, cost: arm.cost },
    held_out: { audience: held.audience, rate: held.converted / held.audience },
    estimate: {
      difference: cmp.difference,
      low: cmp.low as number,
      high: cmp.high as number,
      p_value: cmp.p_value,
    },
    caused: cmp.effect.caused,
    agent_avoided: agentRow ? { value: -agentRow.value, low: -agentRow.high, high: -agentRow.low } : null,
    cost_per_caused: cmp.effect.cost_per_caused,
    truth: {
      difference,
      caused: Math.round(difference * arm.audience),
      agent_avoided: Math.round((agent / n) * arm.audience),
      replay_rate_prompted: promptedActive / prompted,
    },
    covered: (cmp.low as number) <= difference && difference <= (cmp.high as number),
    words: cmp.effect.words,
  };
}
