// Receipts kept for a send not recorded yet (early_receipts), applied by the sweep in
// early-receipts-store.ts once the send records the provider's reference: one that came in
// before its send was written, or one the dispatcher matched to a send it had just made whose
// outcome then did not apply (the lease had passed, and recovery put the message back in the
// outbox; a resend to a provider that de-duplicates gets the same reference).

import type { RawStatement } from "../db/client";
import type { IdGenerator } from "../lib/ids";
import type { StatusUpdate } from "./provider";

/**
 * The receipt kept; with `whileUnsettled`, only while that message is unsettled (when it is
 * settled, its receipt update applied).
 */
export function keepReceipt(
  ids: IdGenerator,
  channel: { id: string; tenantId: string },
  u: StatusUpdate,
  now: number,
  whileUnsettled?: string,
): RawStatement {
  const row = [
    ids.next("rcp"),
    channel.tenantId,
    channel.id,
    u.providerRef,
    u.status,
    u.errorCode ?? null,
    u.detail ?? null,
    now,
  ];
  const insert =
    "insert into early_receipts (id, tenant_id, channel_id, provider_ref, status, error_code, detail, received_at)";
  if (whileUnsettled === undefined) return { sql: `${insert} values (?, ?, ?, ?, ?, ?, ?, ?)`, params: row };
  return {
    sql: `${insert} select ?, ?, ?, ?, ?, ?, ?, ?
           where exists (select 1 from messages where tenant_id = ? and id = ? and settled_at is null)`,
    params: [...row, channel.tenantId, whileUnsettled],
  };
}
