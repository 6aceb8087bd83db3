// The usage report's read, as a named statement. (The month counter's statements, which the
// dispatcher writes and checks, are in ./counter.) Imports only db modules.

import type { Database } from "../db/client";

/**
 * Messages sent over consecutive days (each [from, to), in order), per day index and whether
 * they were replies: segments, messages and price. One pass over the messages.
 */
export async function sentPerDay(db: Database, tenantId: string, days: readonly { from: number; to: number }[]) {
  const from = (days[0] as { from: number }).from;
  const to = (days[days.length - 1] as { to: number }).to;
  return db.rawAll<{ d: number; reply: number; segments: number; messages: number; price: number }>(
    `select d, reply, sum(segments) as segments, count(*) as messages, sum(coalesce(price_micros, 0)) as price from (
       select ${bucketExpr(days.length)} as d, is_reply as reply, segments, price_micros from messages
       where tenant_id = ? and sent_at >= ? and sent_at < ?)
     group by d, reply`,
    [...days.flatMap((d) => [d.from, d.to]), tenantId, from, to],
  );
}

/** `case when sent_at in day 0 then 0 when ... end`: one pass, buckets by the shop's days. */
function bucketExpr(n: number): string {
  return `case ${Array.from({ length: n }, (_, i) => `when sent_at >= ? and sent_at < ? then ${i}`).join(" ")} end`;
}
