// The end of a planning pass of a date or after-delivery campaign: the count it wrote, and where
// planning stands next. The second write is guarded by the next occurrence the pass started
// from, so a concurrent pass or a nudge during this one wins, and a pause stays.

import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database, Statement } from "../db/client";
import { type CampaignRow, campaigns } from "../db/schema";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";

/** What every planner works with; planning runs across workspaces, each campaign under its own. */
export type PlanDeps = { db: Database; clock: Clock; ids: IdGenerator };

export function endOfPass(
  deps: PlanDeps,
  c: CampaignRow,
  written: number,
  now: number,
  next: { nextOccurrenceAt: number | null; plannedUntil?: number },
): Statement[] {
  return [
    deps.db.orm
      .update(campaigns)
      .set({ planned: sql`${campaigns.planned} + ${written}`, updatedAt: now })
      .where(and(eq(campaigns.tenantId, c.tenantId), eq(campaigns.id, c.id))),
    deps.db.orm
      .update(campaigns)
      .set({ status: "running", ...next })
      .where(
        and(
          eq(campaigns.tenantId, c.tenantId),
          eq(campaigns.id, c.id),
          inArray(campaigns.status, ["scheduled", "running"]),
          c.nextOccurrenceAt === null
            ? sql`next_occurrence_at is null`
            : eq(campaigns.nextOccurrenceAt, c.nextOccurrenceAt),
        ),
      ),
  ];
}
