// Planning broadcasts and recurring occurrences: a due occurrence becomes outbox rows, written by SQL straight from the
// audience query (customers never pass through JS), in chunks so a million-customer segment
// never holds the write lock for long. Each row carries the idempotency key
// cmp:<campaign>:<occurrence>:<customer>, so a planner run twice, two at once, or one that
// restarts half-way never plans a message twice.

import { and, eq, inArray, lte, sql } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { Ctx } from "../context";
import type { Database } from "../db/client";
import { type CampaignRow, campaigns } from "../db/schema";
import type { Clock } from "../lib/clock";
import { nextRun, parseCron } from "../lib/cron";
import type { IdGenerator } from "../lib/ids";
import { planAfterDelivery } from "./after-delivery";
import { planDateCampaign } from "./date-planner";
import { audienceSql, DATE_KINDS } from "./service";

export type PlanDeps = { db: Database; clock: Clock; ids: IdGenerator };

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
        : await planOccurrence(deps, c, opts.chunk ?? CHUNK);
  }
  await completeFinished(deps);
  return { campaigns: due.length, planned };
}

async function planOccurrence(deps: PlanDeps, c: CampaignRow, chunk: number): Promise<number> {
  const ctx: Ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: c.tenantId };
  const now = deps.clock.now().getTime();
  const occurrence = c.nextOccurrenceAt ?? now;
  const validUntil = c.validForMs === null ? null : occurrence + c.validForMs;
  const status = occurrence > now ? "planned" : "queued";
  const cond = await audienceSql(ctx, c.audience);
  const scope = sql`c.tenant_id = ${c.tenantId} and c.deleted_at is null and ${cond}`;
  // Message ids in our shape and in customer order (an append, not a random insert, into the
  // indexes): a block of ids (time, 6 random characters) then a 10-digit counter.
  const block = deps.ids.block("msg").slice(4);
  let counted = 0;
  const keyPrefix = `cmp:${c.id}:${occurrence}:`;
  let after = "";
  for (;;) {
    const edge = await deps.db.orm.get<{ id: string } | undefined>(
      sql`select c.id as id from customers c where ${scope} and c.id > ${after} order by c.id limit 1 offset ${chunk - 1}`,
    );
    const upto = edge?.id ?? null;
    const range = upto === null ? sql`c.id > ${after}` : sql`c.id > ${after} and c.id <= ${upto}`;
    const dialect = new SQLiteSyncDialect();
    // One atomic write per chunk. No history row per message: a million of them would double
    // the work, and the message row itself says when and by which campaign it was planned
    // (the history shows that first entry from it; see messages/service.ts).
    await deps.db.batch([
      dialect.sqlToQuery(sql`
        insert into messages (id, tenant_id, customer_id, channel_id, campaign_id, kind, template_key, variables,
          is_reply, quiet_hours, priority, status, send_at, valid_until, due_at, attempts, idempotency_key, created_at, updated_at)
        select ${`msg_${block}`} || printf('%010d', ${counted} + row_number() over (order by c.id)), c.tenant_id, c.id, ${c.channelId}, ${c.id}, ${c.messageKind},
          ${c.templateKey}, ${JSON.stringify(c.variables)}, 0, ${c.messageKind === "marketing" ? 1 : 0}, ${c.priority}, ${status},
          ${occurrence}, ${validUntil}, ${occurrence}, 0, ${keyPrefix} || c.id, ${now}, ${now}
        from customers c where ${scope} and ${range}
        order by c.id
        on conflict (tenant_id, idempotency_key) do nothing`),
    ]);
    if (upto === null) break;
    after = upto;
    counted += chunk;
  }
  const count = await deps.db.orm.get<{ n: number }>(
    sql`select count(*) as n from messages where tenant_id = ${c.tenantId} and campaign_id = ${c.id}`,
  );
  const total = (count?.n ?? 0) - c.planned;
  await deps.db.batch([
    deps.db.orm
      .update(campaigns)
      .set({ planned: count?.n ?? 0, updatedAt: now })
      .where(eq(campaigns.id, c.id)),
    // A broadcast has one occurrence; a recurring campaign moves on to its next cron time, with
    // the audience resolved again then. Guarded by the occurrence just planned, so a concurrent
    // planner cannot move it twice; a pause during planning stays.
    deps.db.orm
      .update(campaigns)
      .set({ status: "running", nextOccurrenceAt: nextOccurrence(c, occurrence) })
      .where(
        and(
          eq(campaigns.id, c.id),
          inArray(campaigns.status, ["scheduled", "running"]),
          eq(campaigns.nextOccurrenceAt, occurrence),
        ),
      ),
  ]);
  return total;
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
  await deps.db.batch([
    {
      sql: `update campaigns set status = 'completed', updated_at = ?
            where status = 'running' and next_occurrence_at is null and kind not in ('event', 'after_delivery')
              and not exists (select 1 from messages m where m.tenant_id = campaigns.tenant_id
                and m.campaign_id = campaigns.id and m.status in ('planned', 'queued', 'sending'))`,
      params: [deps.clock.now().getTime()],
    },
  ]);
}
