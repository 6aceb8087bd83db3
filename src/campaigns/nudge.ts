// The campaign writes other modules' writes carry (a customer, a shipment, a segment changed):
// RawStatements only, a store module of its own. Kept apart from ./store because customers,
// events, groups and shipments batch these with their own writes, and the date planner reads
// SKIP_LOOKBACK_MS; like ./store it imports nothing but db types.

import type { RawStatement } from "../db/client";

/**
 * A customer was added or changed: date and holiday campaigns look again at once (their next
 * pass re-checks recent send times, so someone added after today's birthday greetings went out
 * still gets one, late, if the campaign's catch-up policy allows).
 */
export function nudgeDateCampaigns(tenantId: string, now: number): RawStatement {
  return {
    sql: `update campaigns set next_occurrence_at = ? where tenant_id = ? and kind in ('date_relative', 'holiday')
          and status in ('scheduled', 'running') and (next_occurrence_at is null or next_occurrence_at > ?)`,
    params: [now, tenantId, now],
  };
}

/** New shipments: the after-delivery campaigns plan their prompts on the planner's next pass. */
export function nudgeShipmentCampaigns(tenantId: string, now: number): RawStatement {
  return {
    sql: `update campaigns set next_occurrence_at = ? where tenant_id = ? and kind = 'after_delivery'
          and status in ('scheduled', 'running') and (next_occurrence_at is null or next_occurrence_at > ?)`,
    params: [now, tenantId, now],
  };
}

/** How far back the date planner looks for missed slots when a campaign skips them. */
export const SKIP_LOOKBACK_MS = 12 * 3_600_000;

/**
 * A segment's filter changed: who is in it may have changed for anyone, not only customers
 * edited since. Date and holiday campaigns plan their catch-up window again for their whole
 * audience (already planned messages are kept by their idempotency keys), so someone the new
 * filter takes in is greeted late, or skipped with the reason, as their catch-up policy says.
 */
export function replanDateCampaigns(tenantId: string, now: number): RawStatement {
  return {
    sql: `update campaigns set next_occurrence_at = ?,
            planned_until = min(coalesce(planned_until, ?), ? - case when json_extract(trigger, '$.catch_up.policy') = 'send_late'
              then coalesce(json_extract(trigger, '$.catch_up.within_hours'), 12) * 3600000 else ${SKIP_LOOKBACK_MS} end)
          where tenant_id = ? and kind in ('date_relative', 'holiday') and status in ('scheduled', 'running')`,
    params: [now, now, now, tenantId],
  };
}
