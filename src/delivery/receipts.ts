// Delivery receipts, from a webhook or collected from a provider: found by (channel, provider
// reference), applied only if they move the message forward, and always kept in its history.

import { and, eq, inArray } from "drizzle-orm";
import type { Database, Statement } from "../db/client";
import { type ChannelRow, type MessageStatus, messages } from "../db/schema";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import { eventRow } from "../messages/service";
import { advances } from "../messages/status";
import { eventStatement, receiptStatement } from "../messages/writes";
import type { StatusUpdate } from "./provider";

export type KnownRefs = Map<string, { id: string; status: MessageStatus }>;

export async function applyStatusUpdates(
  deps: { db: Database; clock: Clock; ids: IdGenerator },
  channel: ChannelRow,
  updates: StatusUpdate[],
  /** Messages the caller just sent (provider ref → id, status): no need to look them up. */
  known?: KnownRefs,
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
      .select({ id: messages.id, status: messages.status, providerRef: messages.providerRef })
      .from(messages)
      .where(
        and(
          eq(messages.tenantId, channel.tenantId),
          eq(messages.channelId, channel.id),
          inArray(messages.providerRef, refs.slice(i, i + 500)),
        ),
      )
      .all();
    for (const r of rows) byRef.set(r.providerRef as string, { id: r.id, status: r.status as MessageStatus });
  }
  const now = deps.clock.now().getTime();
  const ctx = { ids: deps.ids, tenantId: channel.tenantId };
  const statements: Statement[] = [];
  let applied = 0;
  for (const u of updates) {
    const m = byRef.get(u.providerRef);
    // A receipt for a message we do not know (another system's, or long purged) is ignored.
    if (!m) continue;
    // The same receipt twice changes nothing, not even the history.
    if (u.status === m.status) continue;
    const detail = [u.errorCode ? `error ${u.errorCode}` : null, u.detail ?? null].filter(Boolean).join(": ") || null;
    if (!advances(m.status, u.status)) {
      statements.push(
        eventStatement(
          eventRow(
            ctx,
            m.id,
            now,
            u.status,
            "late_report",
            `Reported after ${m.status}; not applied${detail ? ` (${detail})` : ""}`,
            false,
          ),
        ),
      );
      continue;
    }
    const failed = u.status === "undelivered" || u.status === "failed";
    statements.push(
      receiptStatement(
        channel.tenantId,
        m.id,
        u.status,
        u.status === "delivered" ? now : null,
        failed ? "provider_error" : null,
        failed ? (detail ?? `The provider reported ${u.status}`) : null,
        now,
      ),
      eventStatement(eventRow(ctx, m.id, now, u.status, null, detail)),
    );
    m.status = u.status;
    applied++;
  }
  await deps.db.batch(statements);
  return applied;
}
