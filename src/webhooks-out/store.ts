// The outgoing webhooks' raw SQL: the fan-out of an event to the endpoints that take it, the
// job's claim of due deliveries (every workspace's) and the record of each attempt.
import type { Database, RawStatement } from "../db/client";

/**
 * One delivery row per endpoint that takes the event: every active one of the workspace
 * subscribed to its type, or the one named (a test, whatever it is subscribed to).
 */
export function fanOut(
  tenantId: string,
  eventId: string,
  type: string,
  payload: string,
  at: number,
  to?: string,
  /** Only while this row still has this status (the same batch moves it on): told once. */
  only?: EventGuard,
): RawStatement {
  const also = only?.also ? ` and ${only.also}` : "";
  const guard = only
    ? ` and exists (select 1 from ${only.table} where id = ? and tenant_id = ? and status = ?${also})`
    : "";
  return {
    sql: `insert into webhook_deliveries (id, tenant_id, endpoint_id, event_id, event_type, payload, status, attempts,
            next_attempt_at, created_at)
          select ? || '.' || e.id, e.tenant_id, e.id, ?, ?, ?, 'pending', 0, ?, ?
          from webhook_endpoints e
          where e.tenant_id = ? and ${
            to ? "e.id = ?" : "e.active = 1 and exists (select 1 from json_each(e.events) where value in (?, '*'))"
          }${guard}`,
    params: [
      eventId,
      eventId,
      type,
      payload,
      at,
      at,
      tenantId,
      to ?? type,
      ...(only ? [only.id, tenantId, only.status] : []),
    ],
  };
}

/** A row whose status the change moves on: the event is written only while it is still so. */
export type EventGuard = {
  table: "messages" | "inbound_messages" | "campaigns";
  id: string;
  status: string;
  /** More of what the change requires of the row, as SQL on it (no parameters). */
  also?: string;
};

/** Whether a workspace has an endpoint turned on (the dispatcher asks once a run). */
export async function hasActiveEndpoint(db: Database, tenantId: string): Promise<boolean> {
  const rows = await db.rawAll("select 1 from webhook_endpoints where tenant_id = ? and active = 1 limit 1", [
    tenantId,
  ]);
  return rows.length > 0;
}

export type Due = {
  id: string;
  tenant_id: string;
  endpoint_id: string;
  event_id: string;
  payload: string;
  attempts: number;
  created_at: number;
  url: string;
  secret: string;
};

/**
 * Up to `limit` deliveries due by `now`, of every workspace, leased until `leaseUntil` with the
 * attempt counted. A test goes to an endpoint that is turned off too; anything else waits.
 */
export function claimDueDeliveries(
  db: Database,
  now: number,
  leaseUntil: number,
  limit: number,
  /** Only these (a Workers queue message's), if still due. */
  ids?: string[],
): Promise<Due[]> {
  return db.rawAll<Due>(
    `update webhook_deliveries set lease_until = ?, attempts = attempts + 1
     where id in (
       select d.id from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id and e.tenant_id = d.tenant_id
       where ${DUE}${ids ? " and d.id in (select value from json_each(?))" : ""}
       order by d.next_attempt_at limit ?)
     returning id, tenant_id, endpoint_id, event_id, payload, attempts, created_at,
       (select url from webhook_endpoints e where e.id = endpoint_id) as url,
       (select secret from webhook_endpoints e where e.id = endpoint_id) as secret`,
    [leaseUntil, now, now, ...(ids ? [JSON.stringify(ids)] : []), limit],
  );
}

const DUE = `d.status = 'pending' and d.next_attempt_at <= ? and (d.lease_until is null or d.lease_until < ?)
         and (e.active = 1 or d.event_type = 'webhook.test')`;

/** The ids of deliveries due by `now`, every workspace's, for the Workers queue (claimed by its consumer). */
export async function dueDeliveryIds(db: Database, now: number, limit: number): Promise<string[]> {
  const rows = await db.rawAll<{ id: string }>(
    `select d.id from webhook_deliveries d join webhook_endpoints e on e.id = d.endpoint_id and e.tenant_id = d.tenant_id
     where ${DUE} order by d.next_attempt_at limit ?`,
    [now, now, limit],
  );
  return rows.map((r) => r.id);
}

/**
 * An endpoint's waiting deliveries while it is off: out of the due index's reach (a day's
 * backlog of a dead endpoint would be scanned at every claim), back at once when it is on.
 */
export const PARKED = 8_640_000_000_000_000;

/** What an attempt came to; with `disable`, the endpoint is turned off for that reason (unless it took one since). */
export function outcomeStatements(
  d: Due,
  /** The lease the claim took: an outcome is recorded only while it holds. */
  leaseUntil: number,
  o: {
    status: "delivered" | "pending" | "failed";
    at: number;
    nextAttemptAt: number;
    response: { status: number | null; latency: number; response: string; ok: boolean };
    disable: string | null;
  },
): RawStatement[] {
  const out: RawStatement[] = [
    {
      // Still waiting for an endpoint turned off meanwhile (another delivery's failure in this
      // run, a person): parked with its endpoint's others.
      sql: `update webhook_deliveries set status = ?, lease_until = null,
              next_attempt_at = case when ? = 'pending' and event_type != 'webhook.test' and exists (
                select 1 from webhook_endpoints e where e.id = webhook_deliveries.endpoint_id
                  and e.tenant_id = webhook_deliveries.tenant_id and e.active = 0)
                then ${PARKED} else ? end,
              last_status = ?, last_latency_ms = ?, last_response = ?, delivered_at = coalesce(delivered_at, ?)
            where id = ? and tenant_id = ? and lease_until = ?`,
      params: [
        o.status,
        o.status,
        o.nextAttemptAt,
        o.response.status,
        o.response.latency,
        o.response.response,
        o.response.ok ? o.at : null,
        d.id,
        d.tenant_id,
        leaseUntil,
      ],
    },
  ];
  if (o.disable)
    out.push(
      {
        sql: `update webhook_endpoints set active = 0, disabled_reason = ?, updated_at = ?
            where id = ? and tenant_id = ? and active = 1 and not exists (
              select 1 from webhook_deliveries x where x.tenant_id = ? and x.endpoint_id = ? and x.delivered_at > ?)`,
        params: [o.disable, o.at, d.endpoint_id, d.tenant_id, d.tenant_id, d.endpoint_id, d.created_at],
      },
      // Only if that turned it off (it took no delivery since).
      parkDeliveries(d.tenant_id, d.endpoint_id, { ifOff: true }),
    );
  return out;
}

export function parkDeliveries(tenantId: string, endpointId: string, opts: { ifOff?: boolean } = {}): RawStatement {
  const off = opts.ifOff
    ? " and exists (select 1 from webhook_endpoints e where e.id = ? and e.tenant_id = ? and e.active = 0)"
    : "";
  return {
    sql: `update webhook_deliveries set next_attempt_at = ${PARKED}
          where tenant_id = ? and endpoint_id = ? and status = 'pending' and event_type != 'webhook.test'${off}`,
    params: [tenantId, endpointId, ...(opts.ifOff ? [endpointId, tenantId] : [])],
  };
}

export function unparkDeliveries(tenantId: string, endpointId: string, now: number): RawStatement {
  return {
    sql: `update webhook_deliveries set next_attempt_at = ?
          where tenant_id = ? and endpoint_id = ? and status = 'pending' and next_attempt_at = ${PARKED}`,
    params: [now, tenantId, endpointId],
  };
}

/** A claimed delivery not attempted after all: let go of, its attempt given back, due at `at`. */
export function putBack(d: Due, leaseUntil: number, at: number): RawStatement {
  return {
    sql: `update webhook_deliveries set lease_until = null, attempts = attempts - 1, next_attempt_at = ?
          where id = ? and tenant_id = ? and lease_until = ?`,
    params: [at, d.id, d.tenant_id, leaseUntil],
  };
}

/** How many endpoints a workspace has. */
export async function endpointCount(db: Database, tenantId: string): Promise<number> {
  const [r] = await db.rawAll<{ n: number }>("select count(*) as n from webhook_endpoints where tenant_id = ?", [
    tenantId,
  ]);
  return r?.n ?? 0;
}

/**
 * Removes up to `limit` settled deliveries (delivered or failed) made before `before`, every
 * workspace's: the log keeps a month. The number removed.
 */
export async function pruneDeliveries(db: Database, before: number, limit: number): Promise<number> {
  const gone = await db.rawAll<{ id: string }>(
    `delete from webhook_deliveries where id in (
       select id from webhook_deliveries where status != 'pending' and created_at < ? limit ?)
     returning id`,
    [before, limit],
  );
  return gone.length;
}
