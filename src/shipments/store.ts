// The shipments' statements, named: the reads return their rows, the writes return the
// RawStatement for the caller's atomic batch. Bulk writes go as one statement over a JSON array
// (json_each), which is one bind on D1 as well. The SQL text is fixed per statement
// (better-sqlite3 reuses a prepared statement by its text). Imports only db modules.

import type { Database, RawStatement } from "../db/client";
import type { ItemKind } from "../db/schema";

/**
 * A shipment as the after-delivery planner times a prompt by (with its customer's zone): read
 * by the planner, by re-timing and by the timing-fitness report.
 */
export type PromptCandidate = {
  id: string;
  customer_id: string;
  courier: string;
  region: string;
  reference: string | null;
  shipped_at: number;
  promised_days: number | null;
  zone: string;
};

/** A checked shipment ready to insert: the fields insertShipments reads from each array item. */
export type PreparedShipment = {
  id: string;
  customer_id: string;
  item_kind: ItemKind;
  reference: string | null;
  external_id: string | null;
  courier: string;
  region: string;
  shipped_at: number;
  promised_days: number | null;
  delivered_at: number | null;
  lead_days: number | null;
  lead_hours: number | null;
};

/** Inserts the shipments; one whose external_id is already stored is left as it is. */
export function insertShipments(tenantId: string, now: number, rows: readonly PreparedShipment[]): RawStatement {
  return {
    sql: `insert into shipments (id, tenant_id, customer_id, item_kind, reference, external_id, courier, region,
              shipped_at, promised_days, delivered_at, lead_days, lead_hours, lead_source, created_at, updated_at)
            select json_extract(value, '$.id'), ?, json_extract(value, '$.customer_id'), json_extract(value, '$.item_kind'),
              json_extract(value, '$.reference'), json_extract(value, '$.external_id'), json_extract(value, '$.courier'),
              json_extract(value, '$.region'), json_extract(value, '$.shipped_at'), json_extract(value, '$.promised_days'),
              json_extract(value, '$.delivered_at'), json_extract(value, '$.lead_days'), json_extract(value, '$.lead_hours'),
              case when json_extract(value, '$.delivered_at') is not null then 'delivered' end, ?, ?
            from json_each(?) where true
            on conflict do nothing`,
    params: [tenantId, now, now, JSON.stringify(rows)],
  };
}

/** The stored shipments with these external ids (any number: one JSON bind). */
export async function shipmentsByExternalId(db: Database, tenantId: string, externalIds: readonly string[]) {
  return db.rawAll<{ id: string; external_id: string }>(
    "select id, external_id from shipments where tenant_id = ? and external_id in (select value from json_each(?))",
    [tenantId, JSON.stringify(externalIds)],
  );
}

/**
 * A shipment's delivered (d) and returned (r) instants from a courier's feed, null when not
 * given; with a delivery, its lead time in days and hours.
 */
export type ShipmentOutcomeChange = {
  id: string;
  d: number | null;
  r: number | null;
  days: number | null;
  hours: number | null;
};

/** Applies the changes: a delivery date replaces an activation proxy as the lead time. */
export function updateShipmentOutcomes(
  tenantId: string,
  now: number,
  changes: readonly ShipmentOutcomeChange[],
): RawStatement {
  return {
    sql: `update shipments set
              delivered_at = coalesce(json_extract(j.value, '$.d'), delivered_at),
              returned_at = coalesce(json_extract(j.value, '$.r'), returned_at),
              lead_days = case when json_extract(j.value, '$.d') is not null then json_extract(j.value, '$.days') else lead_days end,
              lead_hours = case when json_extract(j.value, '$.d') is not null then json_extract(j.value, '$.hours') else lead_hours end,
              lead_source = case when json_extract(j.value, '$.d') is not null then 'delivered' else lead_source end,
              updated_at = ?
            from json_each(?) j
            -- The unary + keeps SQLite from scanning the tenant's shipments (an index on tenant_id)
            -- for each row: the primary key finds each one.
            where +shipments.tenant_id = ? and shipments.id = json_extract(j.value, '$.id')`,
    params: [now, JSON.stringify(changes), tenantId],
  };
}

/**
 * Marks a shipment converted (first conversion wins). Without a lead time yet, `proxy` (shipped
 * to activation) becomes it, with lead_source 'activation'.
 */
export function convertShipment(
  tenantId: string,
  shipmentId: string,
  convertedAt: number,
  channel: string,
  proxy: { days: number; hours: number } | null,
  now: number,
): RawStatement {
  return {
    sql: `update shipments set converted_at = ?, conversion_channel = ?,
              lead_days = coalesce(lead_days, ?), lead_hours = coalesce(lead_hours, ?),
              lead_source = coalesce(lead_source, ?), updated_at = ?
            where tenant_id = ? and id = ? and converted_at is null`,
    params: [
      convertedAt,
      channel,
      proxy?.days ?? null,
      proxy?.hours ?? null,
      proxy ? "activation" : null,
      now,
      tenantId,
      shipmentId,
    ],
  };
}

/** A condition on `messages` for skipPending (outbox/moves): the prompts planned for these shipments. */
export function promptsOfShipments(tenantId: string, shipmentIds: readonly string[]) {
  return {
    where: `tenant_id = ? and id in (select message_id from timing_decisions where tenant_id = ?
           and shipment_id in (select value from json_each(?)))`,
    params: [tenantId, tenantId, JSON.stringify(shipmentIds)],
  };
}

/** A condition on `messages` for skipPending (outbox/moves): the prompts planned for a shipment. */
export function promptsOfShipment(tenantId: string, shipmentId: string) {
  return {
    where: "tenant_id = ? and id in (select message_id from timing_decisions where tenant_id = ? and shipment_id = ?)",
    params: [tenantId, tenantId, shipmentId],
  };
}

/** A shipment's planned prompts (every campaign and step) and their messages' state. */
export async function shipmentPrompts(db: Database, tenantId: string, shipmentId: string) {
  return db.rawAll<{
    message_id: string;
    campaign_id: string;
    step: number;
    status: string;
    reason: string | null;
    send_at: number | null;
  }>(
    `select t.message_id, t.campaign_id, t.step, m.status, m.reason, m.send_at
     from timing_decisions t join messages m on m.tenant_id = t.tenant_id and m.id = t.message_id
     where t.tenant_id = ? and t.shipment_id = ? order by t.campaign_id, t.step`,
    [tenantId, shipmentId],
  );
}

/** Every workspace that has shipments (the daily lead-time job's list: across workspaces). */
export async function tenantsWithShipments(db: Database) {
  return db.rawAll<{ tenant_id: string }>("select distinct tenant_id from shipments", []);
}

/**
 * Settled samples per (item kind, courier, region, lead source) and lead value (days or hours,
 * capped at `max`: later ones land in the last bucket), of the shipments shipped in [from, until].
 */
export async function leadCounts(
  db: Database,
  tenantId: string,
  column: "lead_days" | "lead_hours",
  max: number,
  from: number,
  until: number,
) {
  return db.rawAll<{ k: ItemKind; c: string; r: string; s: "delivered" | "activation"; v: number; n: number }>(
    `select item_kind as k, courier as c, region as r, lead_source as s, min(${column}, ?) as v, count(*) as n
       from shipments where tenant_id = ? and shipped_at >= ? and shipped_at <= ? and lead_source is not null
       group by item_kind, courier, region, lead_source, v`,
    [max, tenantId, from, until],
  );
}

/** A lead-time model row as insertLeadTimeCells reads it; the histograms as JSON text. */
export type LeadTimeCellInput = {
  item_kind: ItemKind;
  courier: string;
  region: string;
  samples: number;
  proxy_samples: number;
  days: string;
  hours: string;
};

/** Drops the workspace's lead-time model (a refresh rebuilds it whole). */
export function deleteLeadTimeCells(tenantId: string): RawStatement {
  return { sql: "delete from lead_time_cells where tenant_id = ?", params: [tenantId] };
}

/** Stores the workspace's rebuilt lead-time model. */
export function insertLeadTimeCells(
  tenantId: string,
  windowFrom: number,
  refreshedAt: number,
  cells: readonly LeadTimeCellInput[],
): RawStatement {
  return {
    sql: `insert into lead_time_cells (tenant_id, item_kind, courier, region, samples, proxy_samples, days_histogram,
              hours_histogram, window_from, refreshed_at)
            select ?, json_extract(value, '$.item_kind'), json_extract(value, '$.courier'), json_extract(value, '$.region'),
              json_extract(value, '$.samples'), json_extract(value, '$.proxy_samples'), json_extract(value, '$.days'),
              json_extract(value, '$.hours'), ?, ?
            from json_each(?)`,
    params: [tenantId, windowFrom, refreshedAt, JSON.stringify(cells)],
  };
}
