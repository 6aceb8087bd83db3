// Messages whose validity ended while they waited (quiet hours, a paused campaign, a retry)
// become `expired` on their own, each with the reason in its history, instead of waiting to be
// claimed. Safe to run twice at once: the update only takes rows still waiting.

import type { Database } from "../db/client";
import { OUTBOX_LIVE } from "../db/schema";
import type { Clock } from "../lib/clock";
import { appendSqlEntry } from "./history";
import { REASONS } from "./status";

export const EXPIRING = `${OUTBOX_LIVE} and status in ('planned', 'queued') and valid_until is not null and valid_until < ?`;

export async function expireMessages(deps: { db: Database; clock: Clock }) {
  const now = deps.clock.now().getTime();
  const waiting = EXPIRING;
  const [row] = await deps.db.rawAll<{ n: number }>(`select count(*) as n from messages where ${waiting}`, [now]);
  if (!row?.n) return { expired: 0 };
  await deps.db.batch([
    {
      sql: `update messages set status = 'expired', reason = 'expired', reason_text = ?, updated_at = ?, settled_at = ?,
              ${appendSqlEntry("expired")}
            where ${waiting}`,
      params: [REASONS.expired, now, now, now, "expired", REASONS.expired, now],
    },
  ]);
  return { expired: row.n };
}
