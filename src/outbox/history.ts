// A message's history: every status change and every decision about it (a skip, a wait, a
// receipt that came too late) is a row in message_events, shown by GET /v1/messages/{id}.

import { type SQL, sql } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { RawStatement } from "../db/client";
import type { IdGenerator } from "../lib/ids";
import { REASONS } from "./status";

const dialect = new SQLiteSyncDialect();

/** A value written as given (bound) or an SQL expression over the SELECT's rows. */
export type V<T> = T | SQL;

export function bound(v: unknown): SQL {
  if (v && typeof v === "object" && "getSQL" in v) return v as SQL;
  if (typeof v === "boolean") return sql`${v ? 1 : 0}`;
  if (v !== null && typeof v === "object") return sql`${JSON.stringify(v)}`;
  return sql`${v}`;
}

// Fixed text: prepared once and reused on the hot paths (a dispatch batch writes one or two
// entries per message).
const ENTRY_SQL =
  "insert into message_events (id, tenant_id, message_id, at, status, reason, detail, applied) values (?, ?, ?, ?, ?, ?, ?, ?)";

/** One entry; without a detail, a reason's text for a person. `applied` false: kept, not acted on. */
export function historyEntry(
  ctx: { ids: IdGenerator; tenantId: string },
  messageId: string,
  at: number,
  status: string,
  reason: string | null = null,
  detail: string | null = null,
  applied = true,
): RawStatement {
  return {
    sql: ENTRY_SQL,
    params: [
      ctx.ids.next("mev"),
      ctx.tenantId,
      messageId,
      at,
      status,
      reason,
      detail ?? (reason ? (REASONS[reason] ?? null) : null),
      applied ? 1 : 0,
    ],
  };
}

/**
 * History entries for the messages `from` selects as `m` (their status and reason as written):
 * the first entry of rows just planned from a SELECT.
 */
export function historyOf(e: { id: V<string>; at: V<number>; detail: V<string | null> }, from: SQL): RawStatement {
  return dialect.sqlToQuery(sql`
    insert into message_events (id, tenant_id, message_id, at, status, reason, detail, applied)
    select ${bound(e.id)}, m.tenant_id, m.id, ${bound(e.at)}, m.status, m.reason, ${bound(e.detail)}, 1 ${from}`);
}
