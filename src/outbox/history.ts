// A message's history: every status change and every decision about it (a skip, a wait, a
// receipt that came too late), in order, shown by GET /v1/messages/{id}. It is a JSON array in
// the message's own row (messages.history), appended by the statement that makes the change:
// an entry costs no write of its own, and an entry exists exactly when its change took effect.

import { type SQL, sql } from "drizzle-orm";
import type { RawStatement } from "../db/client";
import { REASONS } from "./status";

/** A value written as given (bound) or an SQL expression over the SELECT's rows. */
export type V<T> = T | SQL;

export function bound(v: unknown): SQL {
  if (v && typeof v === "object" && "getSQL" in v) return v as SQL;
  if (typeof v === "boolean") return sql`${v ? 1 : 0}`;
  if (v !== null && typeof v === "object") return sql`${JSON.stringify(v)}`;
  return sql`${v}`;
}

/** An entry as read back; stored without its empty fields (and `applied` only when false). */
export type HistoryEntry = {
  at: number;
  status: string;
  reason: string | null;
  detail: string | null;
  /** false: kept, not acted on (a report that would have moved the message back). */
  applied: boolean;
};

/** One entry's JSON; without a detail, a reason's text for a person. */
export function entry(
  at: number,
  status: string,
  reason: string | null = null,
  detail: string | null = null,
  applied = true,
): string {
  const e: Record<string, unknown> = { at, status };
  if (reason) e.reason = reason;
  const text = detail ?? (reason ? (REASONS[reason] ?? null) : null);
  if (text) e.detail = text;
  if (!applied) e.applied = false;
  return JSON.stringify(e);
}

const appends = new Map<number, string>();

/**
 * `history = …` for an UPDATE that appends `n` entries, each bound as one `entry()`. Fixed
 * text per n, so the hot paths' statements stay prepared.
 */
export function appendEntries(n: number): string {
  let s = appends.get(n);
  if (!s) {
    s = `history = json_insert(coalesce(history, '[]')${", '$[#]', json(?)".repeat(n)})`;
    appends.set(n, s);
  }
  return s;
}

/**
 * `history = …` for an UPDATE of many rows: one entry built in SQL, its values bound in order
 * (at, reason, detail) with the status as given; `detail`, an SQL expression for each row's
 * detail instead of a bound one.
 */
export function appendSqlEntry(status: string, detail = "?"): string {
  return `history = json_insert(coalesce(history, '[]'), '$[#]', json_object('at', ?, 'status', '${status}', 'reason', ?, 'detail', ${detail}))`;
}

/**
 * An entry alone, for a decision that changes nothing else on the row (a receipt kept but not
 * applied).
 */
export function historyEntry(
  tenantId: string,
  messageId: string,
  at: number,
  status: string,
  reason: string | null = null,
  detail: string | null = null,
  applied = true,
): RawStatement {
  return {
    sql: `update messages set ${appendEntries(1)} where tenant_id = ? and id = ?`,
    params: [entry(at, status, reason, detail, applied), tenantId, messageId],
  };
}

/**
 * The first entry of a row written by an INSERT (a SELECT's rows, or values): its status and
 * reason as written, at the time given, with the detail given.
 */
export function firstEntrySql(at: V<number>, status: V<string>, reason: V<string | null>, detail: V<string | null>) {
  return sql`json_array(json_object('at', ${bound(at)}, 'status', ${bound(status)}, 'reason', ${bound(reason)}, 'detail', ${bound(detail)}))`;
}

/** A row's history as stored, read back; entries written in SQL may carry nulls. */
export function readHistory(text: string | null): HistoryEntry[] {
  if (!text) return [];
  return (JSON.parse(text) as Partial<HistoryEntry>[]).map((e) => ({
    at: e.at as number,
    status: e.status as string,
    reason: e.reason ?? null,
    detail: e.detail ?? null,
    applied: e.applied !== false,
  }));
}
