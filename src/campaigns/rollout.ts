// A rollout's decision: when its wait is over, the test arms are compared on its metric and the
// winner chosen. Clearly ahead means its 95 % interval against every other arm lies above zero
// (and each arm has enough recipients to be judged, as in the verdicts); without a clear winner
// the rollout's `if_unclear` says whether the best-looking arm or the first goes to the rest.
// The figures it was chosen on are kept with the decision.

import type { Ctx } from "../context";
import type { CampaignRow, RolloutState } from "../db/schema";
import { round4 } from "../lib/numbers";
import { armRates, compareArms } from "./arms";

export async function decideRollout(ctx: Ctx, c: CampaignRow, now: number): Promise<RolloutState> {
  const x = c.experiment;
  const ro = x?.rollout;
  if (!x || !ro || !c.rollout) throw new Error(`campaign ${c.id} has no rollout to decide`);
  const { byName, rates, measure } = await armRates(ctx, c, x);
  const arms = x.arms.map((a) => a.name);
  // The best rate; a tie goes to the earlier arm.
  const best = arms.reduce((b, a) => ((rates.get(a)?.rate ?? -1) > (rates.get(b)?.rate ?? -1) ? a : b));
  const clear = arms.every((a) => a === best || compareArms(measure, rates, best, a).outcome === "better");
  const winner = clear || ro.if_unclear === "best" ? best : (arms[0] as string);
  return {
    ...c.rollout,
    decided_at: now,
    winner,
    reason: clear ? "better" : ro.if_unclear === "best" ? "best_unclear" : "first_unclear",
    arms: arms.map((a) => {
      const r = rates.get(a);
      return {
        arm: a,
        audience: byName.get(a)?.audience ?? 0,
        count: byName.get(a)?.[measure] ?? 0,
        rate: r?.rate == null ? null : round4(r.rate),
        low: r?.low == null ? null : round4(r.low),
        high: r?.high == null ? null : round4(r.high),
      };
    }),
  };
}
