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
