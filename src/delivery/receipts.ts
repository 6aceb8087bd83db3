// Delivery receipts, from a webhook or collected from a provider: found by (channel, provider
// reference), applied only if they move the message forward, and always kept in its history.
// A receipt for a reference not recorded yet is kept (early_receipts): an SMPP receipt, or a
// quick webhook, can arrive before the batch that sent the message has written it. The
// dispatcher applies those once it has; after a day they are dropped as another system's.

import { and, eq, inArray } from "drizzle-orm";
import type { Database, Statement } from "../db/client";
import { type ChannelRow, type MessageStatus, messages } from "../db/schema";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import { entry, historyEntry } from "../outbox/history";
import { receiptStatement } from "../outbox/moves";
import { advances } from "../outbox/status";
import { messageStatusEvent } from "../webhooks-out/events";
import { hasActiveEndpoint } from "../webhooks-out/store";
import type { StatusUpdate } from "./provider";
import { keepReceipt } from "./receipts-store";

export type KnownRefs = Map<
  string,
  { id: string; status: MessageStatus; customerId: string; campaignId: string | null; kind: string }
>;

/** What a receipt does to a message in `current`: the fields it sets, or only a history line. */
export type ReceiptChange = {
  applies: boolean;
  status: MessageStatus;
  deliveredAt: number | null;
  reason: string | null;
  reasonText: string | null;
  /** The provider's words (error code and text), for the history. */
  detail: string | null;
};

/** The one reading of a receipt, for the batch that just sent the message and for later ones. */
export function receiptChange(current: MessageStatus, u: StatusUpdate, now: number): ReceiptChange {
  const detail = [u.errorCode ? `error ${u.errorCode}` : null, u.detail ?? null].filter(Boolean).join(": ") || null;
  const failed = u.status === "undelivered" || u.status === "failed";
  return {
    applies: advances(current, u.status),
    status: u.status,
    deliveredAt: u.status === "delivered" ? now : null,
    reason: failed ? "provider_error" : null,
    reasonText: failed ? (detail ?? `The provider reported ${u.status}`) : null,
    detail,
  };
}

export async function applyStatusUpdates(
  deps: { db: Database; clock: Clock; ids: IdGenerator },
  channel: Pick<ChannelRow, "id" | "tenantId">,
  updates: StatusUpdate[],
  /** Messages the caller just sent (provider ref → id, status): no need to look them up. */
  known?: KnownRefs,
  /** Written in the same step (the early receipts this applies, no longer kept). */
  extra: Statement[] = [],
): Promise<number> {
  if (updates.length === 0) return 0;
  const byRef: KnownRefs = new Map();
  const refs = [...new Set(updates.map((u) => u.providerRef))].filter((r) => {
    const k = known?.get(r);
    if (k) byRef.set(r, { ...k });
    return !k;
  });
  for (let i = 0; i < refs.length; i += 500) {
    const rows = await deps.db.orm
      .select({
        id: messages.id,
        status: messages.status,
        providerRef: messages.providerRef,
        customerId: messages.customerId,
        campaignId: messages.campaignId,
        kind: messages.kind,
      })
      .from(messages)
      .where(
        and(
          eq(messages.tenantId, channel.tenantId),
          eq(messages.channelId, channel.id),
          inArray(messages.providerRef, refs.slice(i, i + 500)),
        ),
      )
      .all();
    for (const r of rows)
      byRef.set(r.providerRef as string, {
        id: r.id,
        status: r.status as MessageStatus,
        customerId: r.customerId,
        campaignId: r.campaignId,
        kind: r.kind,
      });
  }
  const now = deps.clock.now().getTime();
  const ctx = { ids: deps.ids, tenantId: channel.tenantId };
  const statements: Statement[] = [];
  const webhooks = await hasActiveEndpoint(deps.db, channel.tenantId);
  let applied = 0;
  for (const u of updates) {
    const m = byRef.get(u.providerRef);
    if (!m) {
      // A reference not recorded yet: kept for its send to be written.
      statements.push(keepReceipt(deps.ids, channel, u, now));
      continue;
    }
    // The same receipt twice changes nothing, not even the history.
    if (u.status === m.status) continue;
    const r = receiptChange(m.status, u, now);
    if (!r.applies) {
      const why = `Reported after ${m.status}; not applied${r.detail ? ` (${r.detail})` : ""}`;
      statements.push(historyEntry(channel.tenantId, m.id, now, u.status, "late_report", why, false));
      continue;
    }
    // Told to integrators before the row moves on, only while it still has the status read.
    const told = webhooks ? messageStatusEvent(ctx, m, m.status, { status: r.status, reason: r.reason }, now) : null;
    if (told) statements.push(told);
    statements.push(
      receiptStatement(
        channel.tenantId,
        m.id,
        r.status,
        r.deliveredAt,
        r.reason,
        r.reasonText,
        now,
        entry(now, r.status, null, r.detail),
      ),
    );
    // A send the caller just made: its outcome may not have applied (the update above then
    // does not either, and the receipt waits for the message's next send).
    if (known?.has(u.providerRef)) statements.push(keepReceipt(deps.ids, channel, u, now, m.id));
    m.status = u.status;
    applied++;
  }
  await deps.db.batch([...statements, ...extra]);
  return applied;
}
