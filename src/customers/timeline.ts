// The one writer of a customer's timeline: profile changes, events, group moves and inbound SMS
// each add an entry (messages are read from the outbox, not copied here).

import type { RawStatement } from "../db/client";
import type { IdGenerator } from "../lib/ids";

export type TimelineType = "customer.updated" | "event" | "group.joined" | "group.left" | "inbound";

const ENTRY_SQL = "insert into timeline_entries (id, tenant_id, customer_id, at, type, data) values (?, ?, ?, ?, ?, ?)";

export function timelineEntry(
  ids: IdGenerator,
  tenantId: string,
  customerId: string,
  at: number,
  type: TimelineType,
  data: Record<string, unknown>,
): RawStatement {
  return { sql: ENTRY_SQL, params: [ids.next("tle"), tenantId, customerId, at, type, JSON.stringify(data)] };
}

/** An entry written only if `condition` (SQL, its `?` bound by `params`) holds when it runs. */
export function timelineEntryIf(
  ids: IdGenerator,
  tenantId: string,
  customerId: string,
  at: number,
  type: TimelineType,
  data: string,
  condition: { sql: string; params: unknown[] },
): RawStatement {
  return {
    sql: `insert into timeline_entries (id, tenant_id, customer_id, at, type, data)
          select ?, ?, ?, ?, ?, ? where ${condition.sql}`,
    params: [ids.next("tle"), tenantId, customerId, at, type, data, ...condition.params],
  };
}

/** A deleted customer's timeline goes with them. */
export function forgetTimeline(tenantId: string, customerId: string): RawStatement {
  return {
    sql: "delete from timeline_entries where tenant_id = ? and customer_id = ?",
    params: [tenantId, customerId],
  };
}
