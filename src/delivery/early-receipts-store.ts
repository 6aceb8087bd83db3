// Receipts that came in before the send they report was written (early_receipts): applied by
// the sweep at the start of a dispatcher run once the message is written, dropped after a day as
// another system's. Only the sweep applies them, and runs of the sweep do not overlap (the
// dispatcher runs one at a time on Node; Workers sweep from the scheduled run, not the queue),
// so none is applied twice.

import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { earlyReceipts, type MessageStatus } from "../db/schema";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import type { StatusUpdate } from "./provider";
import { applyStatusUpdates, type KnownRefs } from "./receipts";

/** How long a receipt for an unknown reference is kept for its send to be recorded. */
export const EARLY_RECEIPT_KEEP_MS = 24 * 3600_000;

/**
 * Every workspace's early receipts whose message has been written since (one that came in while
 * its batch was writing): applied. A sweep each dispatcher run; the table is nearly always empty.
 */
export async function applyMatchedEarlyReceipts(deps: { db: Database; clock: Clock; ids: IdGenerator }) {
  const rows = await deps.db.rawAll<{
    id: string;
    tenant_id: string;
    channel_id: string;
    provider_ref: string;
    status: string;
    error_code: string | null;
    detail: string | null;
    message_id: string;
    message_status: MessageStatus;
    customer_id: string;
    campaign_id: string | null;
    kind: string;
  }>(
    `select e.id, e.tenant_id, e.channel_id, e.provider_ref, e.status, e.error_code, e.detail,
            m.id as message_id, m.status as message_status, m.customer_id, m.campaign_id, m.kind
       from early_receipts e
       join messages m on m.channel_id = e.channel_id and m.provider_ref = e.provider_ref and m.tenant_id = e.tenant_id
      order by e.received_at, e.id limit 1000`,
    [],
  );
  const byChannel = new Map<string, typeof rows>();
  for (const r of rows) {
    const k = `${r.tenant_id}\u0000${r.channel_id}`;
    const list = byChannel.get(k);
    if (list) list.push(r);
    else byChannel.set(k, [r]);
  }
  let applied = 0;
  for (const list of byChannel.values()) {
    const first = list[0] as (typeof rows)[number];
    const channel = { id: first.channel_id, tenantId: first.tenant_id };
    const known: KnownRefs = new Map(
      list.map((r) => [
        r.provider_ref,
        {
          id: r.message_id,
          status: r.message_status,
          customerId: r.customer_id,
          campaignId: r.campaign_id,
          kind: r.kind,
        },
      ]),
    );
    const updates: StatusUpdate[] = list.map((r) => ({
      providerRef: r.provider_ref,
      status: r.status as StatusUpdate["status"],
      ...(r.error_code ? { errorCode: r.error_code } : {}),
      ...(r.detail ? { detail: r.detail } : {}),
    }));
    const forget = deps.db.orm.delete(earlyReceipts).where(
      and(
        eq(earlyReceipts.tenantId, channel.tenantId),
        inArray(
          earlyReceipts.id,
          list.map((r) => r.id),
        ),
      ),
    );
    applied += await applyStatusUpdates(deps, channel, updates, known, [forget]);
  }
  return applied;
}

/** Receipts nobody claimed within a day: another system's, or for messages long gone. */
export async function pruneEarlyReceipts(db: Database, now: number): Promise<void> {
  await db.batch([{ sql: "delete from early_receipts where received_at < ?", params: [now - EARLY_RECEIPT_KEEP_MS] }]);
}
