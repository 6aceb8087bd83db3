// Messages whose validity ended while they waited (quiet hours, a paused campaign, a retry)
// become `expired` on their own, each with the reason in its history, instead of waiting to be
// claimed. Safe to run twice at once: the update only takes rows still waiting.

import type { Database } from "../db/client";
import { OUTBOX_LIVE } from "../db/schema";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import { REASONS } from "./status";

export const EXPIRING = `${OUTBOX_LIVE} and status in ('planned', 'queued') and valid_until is not null and valid_until < ?`;

export async function expireMessages(deps: { db: Database; clock: Clock; ids: IdGenerator }) {
  const now = deps.clock.now().getTime();
  const waiting = EXPIRING;
  const [row] = await deps.db.rawAll<{ n: number }>(`select count(*) as n from messages where ${waiting}`, [now]);
  if (!row?.n) return { expired: 0 };
  await deps.db.batch([
    {
      sql: `insert into message_events (id, tenant_id, message_id, at, status, reason, detail, applied)
            select 'mev_' || ? || hex(randomblob(8)), tenant_id, id, ?, 'expired', 'expired', ?, 1 from messages where ${waiting}`,
      params: [deps.ids.next("mev").slice(4, 14), now, REASONS.expired, now],
    },
    {
      sql: `update messages set status = 'expired', reason = 'expired', reason_text = ?, updated_at = ? where ${waiting}`,
      params: [REASONS.expired, now, now],
    },
  ]);
  return { expired: row.n };
}
