// The keywords' SQL, by name: the cards an activation keyword checks against, and the analytics
// over the inbound log. The keywords themselves are read and written through drizzle (./service).

import type { Database } from "../db/client";

/** A customer's card shipments that can be activated (a reference, not returned), newest first. */
export function cardShipments(db: Database, tenantId: string, customerId: string) {
  return db.rawAll<{ id: string; reference: string; converted_at: number | null }>(
    `select id, reference, converted_at from shipments where tenant_id = ? and customer_id = ? and item_kind = 'card'
       and reference is not null and returned_at is null order by shipped_at desc`,
    [tenantId, customerId],
  );
}

export type StatsInterval = "day" | "week" | "month";

/** strftime formats of the periods (UTC). */
const BUCKET: Record<StatsInterval, string> = {
  day: "%Y-%m-%d",
  week: "%Y-W%W",
  month: "%Y-%m",
};

/** Uses, successes and failures per keyword per period, of messages received in [from, to). */
export function keywordUsesByPeriod(db: Database, tenantId: string, interval: StatsInterval, from: number, to: number) {
  return db.rawAll<{
    keyword_id: string;
    period: string;
    uses: number;
    successes: number;
    failures: number;
  }>(
    `select keyword_id, strftime(?, received_at / 1000, 'unixepoch') as period, count(*) as uses,
            sum(outcome in ('success', 'already')) as successes, sum(outcome in ('failure', 'locked')) as failures
       from inbound_messages where tenant_id = ? and keyword_id is not null and received_at >= ? and received_at < ?
      group by keyword_id, period order by keyword_id, period`,
    [BUCKET[interval], tenantId, from, to],
  );
}

/** Messages processed per period, of those received in [from, to), and how many went to the inbox. */
export function inboundByPeriod(db: Database, tenantId: string, interval: StatsInterval, from: number, to: number) {
  return db.rawAll<{ period: string; inbound: number; unmatched: number }>(
    `select strftime(?, received_at / 1000, 'unixepoch') as period, count(*) as inbound, sum(step = 'inbox') as unmatched
       from inbound_messages where tenant_id = ? and status = 'processed' and received_at >= ? and received_at < ?
      group by period order by period`,
    [BUCKET[interval], tenantId, from, to],
  );
}
