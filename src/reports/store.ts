// The reports' reads, as named statements: each takes what it filters on and returns its rows.
// The SQL text is fixed per statement (better-sqlite3 reuses a prepared statement by its text),
// and every statement filters on the workspace's tenant_id. Imports only db modules.

import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import type { ItemKind } from "../db/schema";
import type { PromptCandidate } from "../shipments/store";

/** Conversions of a kind in [from, to), counted per bucket of `size` ms from `from` and per channel. */
export async function conversionsByBucket(
  db: Database,
  tenantId: string,
  kind: ItemKind,
  from: number,
  to: number,
  size: number,
) {
  return db.rawAll<{ b: number; ch: string | null; n: number }>(
    `select cast((converted_at - ?) / ? as integer) as b, conversion_channel as ch, count(*) as n from shipments
     where tenant_id = ? and item_kind = ? and converted_at >= ? and converted_at < ?
     group by b, ch`,
    [from, size, tenantId, kind, from, to],
  );
}

/** Conversions of a kind in [from, to), counted per channel. */
export async function conversionsByChannel(db: Database, tenantId: string, kind: ItemKind, from: number, to: number) {
  return db.rawAll<{ ch: string | null; n: number }>(
    `select conversion_channel as ch, count(*) as n from shipments
         where tenant_id = ? and item_kind = ? and converted_at >= ? and converted_at < ? group by ch`,
    [tenantId, kind, from, to],
  );
}

/** Shipments of a kind shipped since an instant, counted per (courier, region), in that order. */
export async function shipmentsPerCell(db: Database, tenantId: string, kind: ItemKind, since: number) {
  return db.orm.all<{ courier: string; region: string; shipments: number }>(sql`
    select courier, region, count(*) as shipments from shipments
    where tenant_id = ${tenantId} and item_kind = ${kind} and shipped_at >= ${since}
    group by courier, region order by courier, region`);
}

/** A shipment as timing fitness judges it: what the planner decides on, and its outcomes. */
export type ShipmentOutcome = PromptCandidate & { delivered_at: number | null; converted_at: number | null };

/** Shipments of a kind shipped in [from, to) and not returned, with their customer's zone. */
export async function shipmentOutcomes(db: Database, tenantId: string, kind: ItemKind, from: number, to: number) {
  return db.orm.all<ShipmentOutcome>(sql`
    select s.id, s.customer_id, s.courier, s.region, s.reference, s.shipped_at, s.promised_days, s.delivered_at,
      s.converted_at, c.time_zone as zone
    from shipments s cross join customers c on c.tenant_id = s.tenant_id and c.id = s.customer_id
    where s.tenant_id = ${tenantId} and s.item_kind = ${kind} and s.shipped_at >= ${from}
      and s.shipped_at < ${to} and s.returned_at is null`);
}

/** When a campaign planned each shipment's first prompt. */
export async function firstPromptSends(db: Database, tenantId: string, campaignId: string) {
  return db.rawAll<{ shipment_id: string; send_at: number }>(
    `select t.shipment_id, m.send_at from timing_decisions t join messages m on m.tenant_id = t.tenant_id and m.id = t.message_id
       where t.tenant_id = ? and t.campaign_id = ? and t.step = 1`,
    [tenantId, campaignId],
  );
}

/** Messages sent in [from, to): how many, their outcomes, segments and price (one row). */
export async function sentTotals(db: Database, tenantId: string, from: number, to: number) {
  return db.rawAll<{ sent: number; delivered: number; failed: number; segments: number; price: number }>(
    `select count(*) as sent,
            coalesce(sum(status = 'delivered'), 0) as delivered,
            coalesce(sum(status in ('failed', 'undelivered')), 0) as failed,
            coalesce(sum(segments), 0) as segments,
            coalesce(sum(price_micros), 0) as price
       from messages where tenant_id = ? and sent_at >= ? and sent_at < ?`,
    [tenantId, from, to],
  );
}

/** Inbound messages received in [from, to) (one row). */
export async function inboundCount(db: Database, tenantId: string, from: number, to: number) {
  return db.rawAll<{ n: number }>(
    "select count(*) as n from inbound_messages where tenant_id = ? and received_at >= ? and received_at < ?",
    [tenantId, from, to],
  );
}

/**
 * Opt-outs in [from, to) (one row): a customer's own STOP (by text or through the provider), or
 * a change to unsubscribed from another state (a never-asked profile has no entry before it: its
 * change comes after the profile was made). A profile that arrives already unsubscribed (an
 * imported "consent: no") opted out some other day; it is not today's opt-out.
 */
export async function optOutCount(db: Database, tenantId: string, from: number, to: number) {
  return db.rawAll<{ n: number }>(
    `select count(*) as n from consent_events e
      where e.tenant_id = ? and e.state = 'unsubscribed' and e.at >= ? and e.at < ?
        and (e.source in ('keyword', 'provider')
          or exists (
            select 1 from consent_events p
             where p.tenant_id = e.tenant_id and p.customer_id = e.customer_id and p.state <> 'unsubscribed'
               and (p.at < e.at or (p.at = e.at and p.id < e.id)))
          or e.at > (select c.created_at from customers c where c.tenant_id = e.tenant_id and c.id = e.customer_id))`,
    [tenantId, from, to],
  );
}

/** Open inbox items, and how many of them are due before `now` (one row). */
export async function inboxBacklog(db: Database, tenantId: string, now: number) {
  return db.rawAll<{ open: number; overdue: number }>(
    `select count(*) as open, coalesce(sum(due_at < ?), 0) as overdue
       from inbox_items where tenant_id = ? and status = 'open'`,
    [now, tenantId],
  );
}

/**
 * The workspace's customers split by the control group (`control`: its SQL condition over
 * `c.id`): how many, how many did the event in [from, to), how many were sent marketing then,
 * and what that marketing cost (micros).
 */
export async function controlGroupCounts(
  db: Database,
  tenantId: string,
  control: string,
  event: string,
  from: number,
  to: number,
) {
  return db.rawAll<{ member: number; customers: number; did: number; messaged: number; price: number }>(
    `select ${control} as member, count(*) as customers,
            sum(exists (select 1 from events e where e.tenant_id = c.tenant_id and e.customer_id = c.id and e.type = ?
              and e.occurred_at >= ? and e.occurred_at < ?)) as did,
            sum(exists (select 1 from messages m where m.tenant_id = c.tenant_id and m.customer_id = c.id
              and m.kind = 'marketing' and m.is_reply = 0 and m.sent_at >= ? and m.sent_at < ?)) as messaged,
            coalesce(sum((select sum(m.price_micros) from messages m where m.tenant_id = c.tenant_id and m.customer_id = c.id
              and m.kind = 'marketing' and m.is_reply = 0 and m.sent_at >= ? and m.sent_at < ?)), 0) as price
       from customers c where c.tenant_id = ? and c.deleted_at is null group by 1`,
    [event, from, to, from, to, from, to, tenantId],
  );
}

/** Marketing messages the control group kept from being sent in [from, to). */
export async function controlGroupSkips(db: Database, tenantId: string, from: number, to: number) {
  return db.rawAll<{ n: number }>(
    `select count(*) as n from messages where tenant_id = ? and status = 'skipped' and reason = 'control_group'
       and updated_at >= ? and updated_at < ?`,
    [tenantId, from, to],
  );
}
