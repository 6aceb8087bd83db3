// Raw statements for the hot paths (the dispatcher and receipts write one update and one or
// two history rows per message). Fixed SQL text means each statement is prepared once and
// reused; building them through drizzle cost more than sending through the simulator.

import type { Ctx } from "../context";
import type { RawStatement } from "../db/client";
import type { MessageRow } from "../db/schema";

/**
 * Skips the unsent messages a condition selects (on `messages`, its `?` bound by `params`),
 * each with the reason and a history entry: an opt-out, a cancelling event.
 */
export function skipPending(
  ctx: Pick<Ctx, "ids" | "clock">,
  where: string,
  params: unknown[],
  reason: string,
  detail: string,
): RawStatement[] {
  const now = ctx.clock.now().getTime();
  const which = `${where} and status in ('planned', 'queued')`;
  return [
    {
      sql: `insert into message_events (id, tenant_id, message_id, at, status, reason, detail, applied)
            select 'mev_' || ? || hex(randomblob(8)), tenant_id, id, ?, 'skipped', ?, ?, 1 from messages where ${which}`,
      params: [ctx.ids.next("mev").slice(4, 14), now, reason, detail, ...params],
    },
    {
      sql: `update messages set status = 'skipped', reason = ?, reason_text = ?, updated_at = ? where ${which}`,
      params: [reason, detail, now, ...params],
    },
  ];
}

const EVENT_SQL =
  "insert into message_events (id, tenant_id, message_id, at, status, reason, detail, applied) values (?, ?, ?, ?, ?, ?, ?, ?)";

export function eventStatement(e: {
  id: string;
  tenantId: string;
  messageId: string;
  at: number;
  status: string;
  reason: string | null;
  detail: string | null;
  applied: boolean;
}): RawStatement {
  return {
    sql: EVENT_SQL,
    params: [e.id, e.tenantId, e.messageId, e.at, e.status, e.reason, e.detail, e.applied ? 1 : 0],
  };
}

// status, reason and reason_text are always written; the other fields only when given.
const OUTCOME_SQL = `update messages set status = ?, reason = ?, reason_text = ?,
  due_at = coalesce(?, due_at), attempts = coalesce(?, attempts), channel_id = coalesce(?, channel_id),
  to_phone = coalesce(?, to_phone), text = coalesce(?, text), encoding = coalesce(?, encoding),
  segments = coalesce(?, segments), template_version = coalesce(?, template_version),
  provider_ref = coalesce(?, provider_ref), sent_at = coalesce(?, sent_at), price_micros = coalesce(?, price_micros),
  currency = coalesce(?, currency), delivered_at = coalesce(?, delivered_at), lease_until = null, updated_at = ?
  where id = ? and status = 'sending'`;

/** The dispatcher's outcome for a claimed message; only while the claim holds. */
export function outcomeStatement(id: string, set: Partial<MessageRow>, now: number): RawStatement {
  const v = <K extends keyof MessageRow>(k: K) => (set[k] === undefined ? null : set[k]);
  return {
    sql: OUTCOME_SQL,
    params: [
      set.status,
      v("reason"),
      v("reasonText"),
      v("dueAt"),
      v("attempts"),
      v("channelId"),
      v("toPhone"),
      v("text"),
      v("encoding"),
      v("segments"),
      v("templateVersion"),
      v("providerRef"),
      v("sentAt"),
      v("price"),
      v("currency"),
      v("deliveredAt"),
      now,
      id,
    ],
  };
}

const RECEIPT_SQL = `update messages set status = ?, delivered_at = coalesce(?, delivered_at),
  reason = coalesce(?, reason), reason_text = coalesce(?, reason_text), updated_at = ?
  where tenant_id = ? and id = ?`;

export function receiptStatement(
  tenantId: string,
  id: string,
  status: string,
  deliveredAt: number | null,
  reason: string | null,
  reasonText: string | null,
  now: number,
): RawStatement {
  return { sql: RECEIPT_SQL, params: [status, deliveredAt, reason, reasonText, now, tenantId, id] };
}
