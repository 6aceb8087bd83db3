// Planning broadcasts and recurring occurrences: a due occurrence becomes outbox rows, written by SQL straight from the
// audience query (customers never pass through JS), in chunks so a million-customer segment
// never holds the write lock for long. Each chunk is guarded by the campaign's plan cursor, so a
// planner run twice, two at once, or one that restarts half-way never plans a message twice.

import { and, inArray, lte, type SQL, sql } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { Ctx } from "../context";
import { type CampaignRow, campaigns, type Experiment, type Rollout, type RolloutState } from "../db/schema";
import { armSql, REST } from "../experiments/assign";
import { nextRun, parseCron } from "../lib/cron";
import { enqueueSelect, fromCampaign } from "../outbox/enqueue";
import { campaignEvent } from "../webhooks-out/events";
import { planAfterDelivery } from "./after-delivery";
import { planDateCampaign } from "./date-planner";
import type { PlanDeps } from "./pass";
import { decideOnce } from "./rollout";
import { audienceSql, DATE_KINDS } from "./service";
import { completeCampaign, FINISHED, finishedCampaigns } from "./store";

const HORIZON_MS = 5 * 60_000;
const CHUNK = 50_000;

export async function planCampaigns(deps: PlanDeps, opts: { horizonMs?: number; chunk?: number } = {}) {
  const now = deps.clock.now().getTime();
  const due = await deps.db.orm
    .select()
    .from(campaigns)
    .where(
      and(
        inArray(campaigns.status, ["scheduled", "running"]),
        lte(campaigns.nextOccurrenceAt, now + (opts.horizonMs ?? HORIZON_MS)),
      ),
    )
    .all();
  let planned = 0;
  for (const c of due) {
    planned += DATE_KINDS.has(c.kind)
      ? await planDateCampaign(deps, c, opts.horizonMs ?? HORIZON_MS)
      : c.kind === "after_delivery"
        ? await planAfterDelivery(deps, c)
        : c.experiment?.rollout
          ? await planRollout(deps, c, opts.chunk ?? CHUNK)
          : await planOccurrence(deps, c, opts.chunk ?? CHUNK);
  }
  await completeFinished(deps);
  return { campaigns: due.length, planned };
}

/**
 * A broadcast with a rollout, in two occurrences: at its send time the test arms and the
 * holdout (the rest are left out), then when the wait is over the decision, and the winner to
 * the rest. The decision is written once, whichever planner gets there first.
 */
async function planRollout(deps: PlanDeps, row: CampaignRow, chunk: number): Promise<number> {
  let c = row;
  const x = c.experiment as Experiment;
  const ro = x.rollout as Rollout;
  const now = deps.clock.now().getTime();
  const arm = sql.raw(armSql(x, c.id, "c.id"));
  if (!c.rollout) {
    // The wait counts from the send time, or from now when that has passed.
    const decideAt = Math.max(c.nextOccurrenceAt ?? now, now) + ro.wait_hours * 3_600_000;
    return planOccurrence(deps, c, chunk, {
      where: sql`${arm} <> ${REST}`,
      next: decideAt,
      rollout: { decide_at: decideAt },
    });
  }
  // Not before its time: the planner looks a few minutes ahead.
  if (c.rollout.decide_at > now) return 0;
  if (c.rollout.winner === undefined) {
    const decided = await decideOnce(deps, c, now);
    if (!decided) return 0;
    c = decided;
  }
  const winner = x.arms.find((a) => a.name === c.rollout?.winner);
  return planOccurrence(deps, c, chunk, { where: sql`${arm} = ${REST}`, winner, next: null });
}

/** Each customer's shift in ms by their arm, as SQL over `customers c`; null when no arm shifts. */
function shiftSql(x: Experiment | null, campaignId: string, winner?: Experiment["arms"][number]): SQL | null {
  // A rollout's rest goes as its winner does.
  const arms = [...(x?.arms ?? []), ...(winner ? [{ ...winner, name: REST }] : [])];
  const shifted = arms.filter((a) => a.shift_hours);
  if (!x || shifted.length === 0) return null;
  const whens = shifted.map(
    (a) => `when '${a.name.replace(/'/g, "''")}' then ${(a.shift_hours as number) * 3_600_000}`,
  );
  return sql.raw(`(case ${armSql(x, campaignId, "c.id")} ${whens.join(" ")} else 0 end)`);
}

/** A part of the audience (a rollout's test or its rest), and where planning goes after it. */
type Part = {
  where: SQL;
  winner?: Experiment["arms"][number] | undefined;
  next: number | null;
  rollout?: RolloutState;
};

async function planOccurrence(deps: PlanDeps, c: CampaignRow, chunk: number, part?: Part): Promise<number> {
  const ctx: Ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: c.tenantId };
  const now = deps.clock.now().getTime();
  const occurrence = c.nextOccurrenceAt ?? now;
  // A send-time arm's messages go its hours later (the same arm expression as their arm).
  const shift = shiftSql(c.experiment, c.id, part?.winner);
  const at = shift ? sql`${occurrence} + ${shift}` : occurrence;
  const validUntil = c.validForMs === null ? null : shift ? sql`${at} + ${c.validForMs}` : occurrence + c.validForMs;
  const status = shift
    ? sql`case when ${at} > ${now} then 'planned' else 'queued' end`
    : occurrence > now
      ? "planned"
      : "queued";
  const cond = await audienceSql(ctx, c.audience);
  const scope = sql`c.tenant_id = ${c.tenantId} and c.deleted_at is null and ${cond}${part ? sql` and ${part.where}` : sql``}`;
  // Message ids in our shape: a block of ids (time, 6 random characters) then the customer's
  // rowid as a 10-digit counter, unique in the block. A window function numbering the rows
  // would cost more than the rest of the select. A run that fails half-way (even on the
  // impossible clash of a rowid renumbered by VACUUM between chunks) is resumed from the cursor
  // by the next run, with a new block.
  const block = deps.ids.block("msg");
  const cursorPrefix = `${occurrence}:`;
  let cursor = c.planCursor;
  // The last customer a cursor names; a cursor left by an earlier run of this occurrence is
  // where this run goes on.
  const lastOf = (cur: string) => cur.slice(cur.lastIndexOf(":") + 1);
  let after = cursor?.startsWith(cursorPrefix) ? lastOf(cursor) : "";
  const dialect = new SQLiteSyncDialect();
  // This occurrence of this campaign, still to be planned (not paused, cancelled or moved on).
  const live = sql`campaigns.tenant_id = ${c.tenantId} and campaigns.id = ${c.id}
    and campaigns.next_occurrence_at = ${occurrence} and campaigns.status in ('scheduled', 'running')`;
  const state = async () =>
    deps.db.orm.get<{ cursor: string | null; planned: number } | undefined>(
      sql`select plan_cursor as cursor, planned from campaigns where tenant_id = ${c.tenantId} and id = ${c.id}`,
    );
  // The cursor names the run that moved it last (its block), so a run can tell its own write
  // from another's: `<occurrence>:<block>:<last customer planned>`.
  const mark = `${cursorPrefix}${block}:`;
  let planned = c.planned;
  for (;;) {
    // Exactly one planner writes each chunk: the chunk is written only while the cursor is
    // where this run found it, and moves it on in the same atomic write. Two runs at once, or
    // one resuming after a crash, never plan a customer twice; so these rows need no
    // idempotency key (and no entry in its index, a third of the cost of a million rows).
    const mine = sql`${live} and coalesce(campaigns.plan_cursor, '') = ${cursor ?? ""}`;
    // No history row per message: a million of them would double the work, and the message
    // row itself says when and by which campaign it was planned (the history shows that first
    // entry from it; see messages/service.ts).
    await deps.db.batch([
      enqueueSelect(
        {
          id: sql`${block} || printf('%010d', c.rowid)`,
          ...fromCampaign(c, c.variables, part?.winner),
          status,
          sendAt: at,
          validUntil,
          dueAt: at,
          createdAt: now,
          updatedAt: now,
        },
        sql`from customers c where ${scope} and c.id > ${after} and 1 = (select 1 from campaigns where ${mine})
          order by c.id limit ${chunk}`,
      ),
      // The guard is a scalar subquery, not EXISTS: SQLite would make EXISTS a join led by
      // campaigns, then scan and sort the customers instead of walking their id index.
      // Rows go in in customer order, so the last one written (the connection's last insert
      // rowid) is where the next chunk starts, and changes() is how many this chunk wrote:
      // no query to find the chunk's edge first, no count of a million rows at the end.
      dialect.sqlToQuery(sql`
        update campaigns set plan_cursor = ${mark} || (select customer_id from messages where rowid = last_insert_rowid()),
          planned = planned + changes()
        where ${mine} and changes() > 0`),
    ]);
    const seen = await state();
    if (seen?.cursor !== cursor) {
      // Another run is ahead: whoever holds the cursor goes on; this run stops here.
      if (!seen?.cursor?.startsWith(mark)) break;
      const wrote = seen.planned - planned;
      planned = seen.planned;
      cursor = seen.cursor;
      after = lastOf(cursor);
      if (wrote === chunk) continue;
    }
    // The audience is done (or the occurrence was paused, cancelled or moved on, and then this
    // changes nothing). A broadcast has one occurrence; a recurring campaign moves on to its
    // next cron time, with the audience resolved again then. A pause during planning stops it
    // at the cursor, and it goes on from there when resumed.
    await deps.db.batch([
      dialect.sqlToQuery(sql`
        update campaigns set status = 'running', next_occurrence_at = ${part ? part.next : nextOccurrence(c, occurrence)},
          updated_at = ${now}, plan_cursor = null${part?.rollout ? sql`, rollout = ${JSON.stringify(part.rollout)}` : sql``}
        where ${live} and coalesce(campaigns.plan_cursor, '') = ${cursor ?? ""}`),
    ]);
    break;
  }
  return ((await state())?.planned ?? c.planned) - c.planned;
}

function nextOccurrence(c: CampaignRow, occurrence: number): number | null {
  if (c.kind !== "recurring" || !c.cron || !c.timeZone) return null;
  return nextRun(parseCron(c.cron), new Date(occurrence), c.timeZone)?.getTime() ?? null;
}

/**
 * Running campaigns with nothing more to plan and nothing left to send are completed (event
 * and after-delivery campaigns wait for events and shipments for as long as they run).
 */
async function completeFinished(deps: PlanDeps) {
  const now = deps.clock.now().getTime();
  const done = await finishedCampaigns(deps.db);
  if (done.length === 0) return;
  // Each campaign's event is written while it is still running, just before the update that
  // completes it: a second planner finding it too writes neither.
  await deps.db.batch(
    done.flatMap((c) => [
      campaignEvent({ ids: deps.ids, tenantId: c.tenant_id }, "campaign.completed", c, "running", now, {}, FINISHED),
      completeCampaign(c.tenant_id, c.id, now),
    ]),
  );
}
