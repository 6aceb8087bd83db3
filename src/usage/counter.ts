// The running count of proactive segments per workspace month (table usage_months), which the
// dispatcher checks caps and allowances against. It is written in the same atomic batch as the
// sends it counts, so it cannot drift from them.

import type { Database, RawStatement } from "../db/client";

export type UsageMonth = { tenantId: string; month: string; from: number };

/** Proactive segments sent since an instant (params: tenant id, instant), from the messages. */
const SENT_SINCE =
  "(select coalesce(sum(segments), 0) from messages where tenant_id = ? and sent_at >= ? and is_reply = 0)";

/**
 * Segments used so far this month. Before the month's first counted send there is no row yet,
 * and the month's messages are summed instead (once: the send that follows writes the row).
 */
export async function usedThisMonth(db: Database, m: UsageMonth): Promise<number> {
  // coalesce() evaluates its arguments in order, so the sum runs only when there is no row.
  const [row] = await db.rawAll<{ n: number }>(
    `select coalesce((select segments from usage_months where tenant_id = ? and month = ?), ${SENT_SINCE}) as n`,
    [m.tenantId, m.month, m.tenantId, m.from],
  );
  return row?.n ?? 0;
}

/**
 * Adds `segments` to the month. Put these before the statements that mark the messages sent:
 * a month without a row starts from the sum of what was sent before them (sends from before
 * the counter existed, or from another process). The sum is a scalar subquery in the select
 * list, so it is evaluated only when the WHERE lets the row through: only while it is missing.
 */
export function countSegments(m: UsageMonth, segments: number): RawStatement[] {
  return [
    {
      sql: `insert into usage_months (tenant_id, month, segments)
            select ?, ?, ${SENT_SINCE}
             where not exists (select 1 from usage_months where tenant_id = ? and month = ?)`,
      params: [m.tenantId, m.month, m.tenantId, m.from, m.tenantId, m.month],
    },
    {
      sql: "update usage_months set segments = segments + ? where tenant_id = ? and month = ?",
      params: [segments, m.tenantId, m.month],
    },
  ];
}
