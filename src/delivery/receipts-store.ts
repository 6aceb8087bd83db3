// A receipt the dispatcher matched to a send it had just made, whose outcome then did not apply
// (the lease had passed, and recovery put the message back in the outbox): kept with the early
// receipts (early-receipts-store.ts), so that it applies once the message's next send records
// the provider's reference, as a resend to a provider that de-duplicates gets the same one.

import type { RawStatement } from "../db/client";
import type { IdGenerator } from "../lib/ids";
import type { StatusUpdate } from "./provider";

/** Kept only while the message is unsettled: when it is settled, its receipt update applied. */
export function keepWhileUnsettled(
  ids: IdGenerator,
  channel: { id: string; tenantId: string },
  messageId: string,
  u: StatusUpdate,
  now: number,
): RawStatement {
  return {
    sql: `insert into early_receipts (id, tenant_id, channel_id, provider_ref, status, error_code, detail, received_at)
          select ?, ?, ?, ?, ?, ?, ?, ?
           where exists (select 1 from messages where tenant_id = ? and id = ? and settled_at is null)`,
    params: [
      ids.next("rcp"),
      channel.tenantId,
      channel.id,
      u.providerRef,
      u.status,
      u.errorCode ?? null,
      u.detail ?? null,
      now,
      channel.tenantId,
      messageId,
    ],
  };
}
