// A rollout's decision: when its wait is over, the test arms are compared on its metric and the
// winner chosen. Clearly ahead means its 95 % interval against every other arm lies above zero
// (and each arm has enough recipients to be judged, as in the verdicts); without a clear winner
// the rollout's `if_unclear` says whether the best-looking arm or the first goes to the rest.
// The figures it was chosen on are kept with the decision.

import { and, eq, inArray, sql } from "drizzle-orm";
import type { Ctx } from "../context";
import { type CampaignRow, campaigns, type RolloutState } from "../db/schema";
import { round4OrNull } from "../lib/numbers";
import { armRates, compareArms } from "./arms";
import type { PlanDeps } from "./pass";
import { rolloutTestProgress } from "./store";

/** How often a rollout whose test is still going out looks again. */
const RECHECK_MS = 15 * 60_000;

/**
 * The decision, once: the wait counts from when the last test message settled (a test held by
 * quiet hours or a pause is judged only after its own wait), so it is put off while any is
 * still to go. The winner is written with the rest's send time (now) by whichever planner gets
 * there first, while the campaign still runs. The campaign as it then is, or null when the
 * decision was put off or the campaign no longer runs.
 */
export async function decideOnce(deps: PlanDeps, c: CampaignRow, now: number): Promise<CampaignRow | null> {
  const wait = (c.experiment?.rollout?.wait_hours ?? 0) * 3_600_000;
  if (!c.rollout) return null;
  const mine = and(
    eq(campaigns.tenantId, c.tenantId),
    eq(campaigns.id, c.id),
    inArray(campaigns.status, ["scheduled", "running"]),
    sql`json_extract(${campaigns.rollout}, '$.winner') is null`,
    c.nextOccurrenceAt === null ? sql`next_occurrence_at is null` : eq(campaigns.nextOccurrenceAt, c.nextOccurrenceAt),
  );
  const [progress] = await rolloutTestProgress(deps.db, c.tenantId, c.id);
  const after =
    (progress?.unsettled ?? 0) > 0 ? now + RECHECK_MS : progress?.last ? Math.max(progress.last + wait, now) : now;
  if (after > now) {
    await deps.db.batch([
      deps.db.orm
        .update(campaigns)
        .set({ rollout: { ...c.rollout, decide_at: after }, nextOccurrenceAt: after })
        .where(mine),
    ]);
    return null;
  }
  const ctx: Ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: c.tenantId };
  const state = await decideRollout(ctx, c, now);
  await deps.db.batch([
    deps.db.orm.update(campaigns).set({ rollout: state, nextOccurrenceAt: now, updatedAt: now }).where(mine),
  ]);
  const [row] = await deps.db.orm
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.tenantId, c.tenantId), eq(campaigns.id, c.id)));
  return row?.rollout?.winner !== undefined && (row.status === "scheduled" || row.status === "running") ? row : null;
}

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
        rate: round4OrNull(r?.rate),
        low: round4OrNull(r?.low),
        high: round4OrNull(r?.high),
      };
    }),
  };
}
