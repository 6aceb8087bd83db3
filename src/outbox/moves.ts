// Status moves: the changes to a message row after it was written, but claims (claim.ts) and
// expiry (expire.ts). Raw statements with fixed
// text for the hot paths (the dispatcher and receipts write one update per message): each is
// prepared once and reused; building them through drizzle cost more than sending through the
// simulator.

import type { Ctx } from "../context";
import type { RawStatement } from "../db/client";
import type { MessageRow, MessageStatus } from "../db/schema";
import { appendEntries, appendSqlEntry, entry } from "./history";
import { isLive, REASONS } from "./status";

/**
 * Skips the unsent messages a condition selects (on `messages`, its `?` bound by `params`),
 * each with the reason and a history entry: an opt-out, a cancelling event.
 */
export function skipPending(
  ctx: Pick<Ctx, "clock">,
  where: string,
  params: unknown[],
  reason: string,
  detail: string,
): RawStatement[] {
  const now = ctx.clock.now().getTime();
  return [
    {
      sql: `update messages set status = 'skipped', reason = ?, reason_text = ?, updated_at = ?, settled_at = ?,
              ${appendSqlEntry("skipped")}
            where ${where} and status in ('planned', 'queued')`,
      params: [reason, detail, now, now, now, reason, detail, ...params],
    },
  ];
}

/**
 * Messages held for quiet hours come due now: the send-time check holds them again under the
 * workspace's new window (or sends them, if it no longer covers the customer's hour) instead of
 * keeping the old window's end; the history gets a line for the new hold, with its time.
 */
export function recheckQuietHours(tenantId: string, now: number): RawStatement {
  return {
    sql: `update messages set due_at = ? where tenant_id = ? and status = 'queued'
          and reason = 'quiet_hours_deferred' and due_at > ?`,
    params: [now, tenantId, now],
  };
}

// status, reason and reason_text are always written; the other fields only when given.
// settled_at only when the message leaves the outbox: setting it rewrites messages_campaign,
// and a message held again (quiet hours, a retry) stays in the outbox.
const outcomeSql = (settles: boolean, entries: number) => `update messages set status = ?, reason = ?, reason_text = ?,
  due_at = coalesce(?, due_at), attempts = coalesce(?, attempts), channel_id = coalesce(?, channel_id),
  to_phone = coalesce(?, to_phone), text = coalesce(?, text), encoding = coalesce(?, encoding),
  segments = coalesce(?, segments), template_version = coalesce(?, template_version),
  provider_ref = coalesce(?, provider_ref), sent_at = coalesce(?, sent_at), price_micros = coalesce(?, price_micros),
  currency = coalesce(?, currency), delivered_at = coalesce(?, delivered_at), lease_until = null, updated_at = ?
  ${settles ? ", settled_at = ?" : ""}${entries > 0 ? `, ${appendEntries(entries)}` : ""}
  where tenant_id = ? and id = ? and status = 'sending'`;
const OUTCOME_SQL = new Map<string, string>();

/**
 * The dispatcher's outcome for a claimed message, with its history entries (`entry()` each);
 * only while the claim holds, so the entries exist exactly when the outcome took effect.
 */
export function outcomeStatement(
  tenantId: string,
  id: string,
  set: Partial<MessageRow>,
  now: number,
  entries: string[],
): RawStatement {
  const v = <K extends keyof MessageRow>(k: K) => (set[k] === undefined ? null : set[k]);
  const settles = !isLive(set.status as MessageStatus);
  const key = `${settles}:${entries.length}`;
  let text = OUTCOME_SQL.get(key);
  if (!text) {
    text = outcomeSql(settles, entries.length);
    OUTCOME_SQL.set(key, text);
  }
  return {
    sql: text,
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
      ...(settles ? [now] : []),
      ...entries,
      tenantId,
      id,
    ],
  };
}

// A receipt moves a message that left the outbox when it was sent, so it never sets
// settled_at. One for a send whose outcome was not written (its lease passed and another sender
// took the row back) does not apply: the row is that sender's, and is not settled.
const RECEIPT_SQL = `update messages set status = ?, delivered_at = coalesce(?, delivered_at),
  reason = coalesce(?, reason), reason_text = coalesce(?, reason_text), updated_at = ?, ${appendEntries(1)}
  where tenant_id = ? and id = ? and settled_at is not null`;

/** A receipt applied, with its history entry (`entry()`). */
export function receiptStatement(
  tenantId: string,
  id: string,
  status: string,
  deliveredAt: number | null,
  reason: string | null,
  reasonText: string | null,
  now: number,
  historyEntry: string,
): RawStatement {
  return { sql: RECEIPT_SQL, params: [status, deliveredAt, reason, reasonText, now, historyEntry, tenantId, id] };
}

/**
 * A message whose sender stopped mid-send (its lease passed while `sending`): queued again when
 * sending twice is safe, else `unknown` for a person to reconcile. Only while still `sending`.
 */
export function leaseExpired(tenantId: string, id: string, resend: boolean, now: number): RawStatement {
  const status: MessageStatus = resend ? "queued" : "unknown";
  const detail = resend
    ? "The sender stopped mid-send; sending again (the provider de-duplicates by message id)"
    : "The sender stopped mid-send and this provider cannot de-duplicate: check with the provider before resending";
  return {
    sql: `update messages set status = ?, reason = 'lease_expired', reason_text = ?, due_at = ?, lease_until = null,
            updated_at = ?${resend ? "" : ", settled_at = ?"}, ${appendEntries(1)}
          where tenant_id = ? and id = ? and status = 'sending'`,
    params: [
      status,
      REASONS.lease_expired,
      now,
      now,
      ...(resend ? [] : [now]),
      entry(now, status, "lease_expired", detail),
      tenantId,
      id,
    ],
  };
}

/** A cancelled campaign's unsent messages become skipped, each with the reason in its history. */
export function cancelCampaignMessages(tenantId: string, campaignId: string, now: number): RawStatement {
  return {
    sql: `update messages set status = 'skipped', reason = 'campaign_cancelled', reason_text = ?, updated_at = ?,
            settled_at = ?, ${appendSqlEntry("skipped")}
          where tenant_id = ? and campaign_id = ? and settled_at is null and status in ('planned', 'queued')`,
    params: [
      REASONS.campaign_cancelled,
      now,
      now,
      now,
      "campaign_cancelled",
      REASONS.campaign_cancelled,
      tenantId,
      campaignId,
    ],
  };
}

/** A resumed campaign's held messages are due again now. */
export function resumeCampaignMessages(tenantId: string, campaignId: string, now: number): RawStatement {
  return {
    sql: `update messages set due_at = ?, updated_at = ?
          where tenant_id = ? and campaign_id = ? and settled_at is null and reason = 'campaign_paused'
            and status in ('planned', 'queued')`,
    params: [now, now, tenantId, campaignId],
  };
}

/**
 * Planned messages moved to new times (`changes`: a JSON array of {id, at, valid_until,
 * detail}), each with a history entry; one already claimed or sent keeps its time.
 */
export function retimePlanned(ctx: Pick<Ctx, "tenantId">, changes: string, now: number): RawStatement[] {
  const j = (f: string) => `json_extract(j.value, '$.${f}')`;
  return [
    {
      sql: `update messages set send_at = ${j("at")}, due_at = ${j("at")}, valid_until = ${j("valid_until")}, updated_at = ?,
              ${appendSqlEntry("planned", j("detail"))}
            from json_each(?) j where messages.tenant_id = ? and messages.id = ${j("id")} and messages.status = 'planned'`,
      params: [now, now, null, changes, ctx.tenantId],
    },
  ];
}
