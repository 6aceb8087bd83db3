// The events table's SQL, and the campaign and message statements recording an event writes
// (the triggered message itself is the outbox's: enqueueSelect, historyOf).
import { type SQL, sql } from "drizzle-orm";
import type { Database, RawStatement } from "../db/client";

export type EventInsert = {
  id: string;
  tenantId: string;
  customerId: string;
  type: string;
  properties: Record<string, unknown>;
  occurredAt: number;
  receivedAt: number;
  externalId: string | null;
};

/** Stores an event; a repeat of its external id (event_id) is ignored. */
export function insertEvent(e: EventInsert): RawStatement {
  // Raw: drizzle built this insert's text at each run, 120 µs of a 130 µs write.
  return {
    sql: `insert into events (id, tenant_id, customer_id, type, properties, occurred_at, received_at, external_id)
            values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`,
    params: [
      e.id,
      e.tenantId,
      e.customerId,
      e.type,
      JSON.stringify(e.properties),
      e.occurredAt,
      e.receivedAt,
      e.externalId,
    ],
  };
}

/**
 * For a message planned from customers `c`: whether the customer had an event of one of these
 * types at or after `since` (always false for no types).
 */
export function laterEventOf(types: string[], since: number): SQL {
  return types.length === 0
    ? sql`0`
    : sql`exists (select 1 from events e where e.tenant_id = c.tenant_id and e.customer_id = c.id
          and e.type in ${sql.raw(`(${types.map((x) => `'${x}'`).join(",")})`)} and e.occurred_at >= ${since})`;
}

/** Counts the triggered message (if the audience took it) as planned; a scheduled campaign starts running. */
export function campaignPlannedOne(tenantId: string, campaignId: string, messageId: string, now: number): RawStatement {
  return {
    sql: `update campaigns set planned = planned + (select count(*) from messages where tenant_id = ? and id = ?),
              status = case when status = 'scheduled' then 'running' else status end, updated_at = ?
            where id = ? and tenant_id = ?`,
    params: [tenantId, messageId, now, campaignId, tenantId],
  };
}

/** The customer's messages of these campaigns skipped as cancelled by an event at `updatedAt`. */
export async function countCancelledByEvent(
  db: Database,
  tenantId: string,
  customerId: string,
  campaignIds: string[],
  updatedAt: number,
): Promise<{ n: number }[]> {
  return db.rawAll<{ n: number }>(
    `select count(*) as n from messages where tenant_id = ? and customer_id = ? and campaign_id in (${campaignIds.map(() => "?").join(",")})
       and reason = 'cancelled_by_event' and updated_at = ?`,
    [tenantId, customerId, ...campaignIds, updatedAt],
  );
}

/**
 * Which of these campaigns the customer now converts on: it had sent them a message by `at`,
 * and no event of this type came between its first send and `at` (that was the conversion).
 */
export async function campaignsConvertedBy(
  db: Database,
  tenantId: string,
  customerId: string,
  campaignIds: string[],
  type: string,
  at: number,
): Promise<{ campaign_id: string }[]> {
  return db.rawAll<{ campaign_id: string }>(
    `select f.campaign_id from (
       select campaign_id, min(sent_at) as first from messages where tenant_id = ? and customer_id = ?
         and campaign_id in (select value from json_each(?)) and sent_at is not null and sent_at <= ?
       group by campaign_id) f
     where not exists (select 1 from events e where e.tenant_id = ? and e.customer_id = ? and e.type = ?
       and e.occurred_at >= f.first and e.occurred_at <= ?)`,
    [tenantId, customerId, JSON.stringify(campaignIds), at, tenantId, customerId, type, at],
  );
}
