// The first thing an inbound SMS meets: one insert, keyed by the provider's message id, before
// the provider hears "200" (committed with the other webhooks of the moment: batchGrouped). The pipeline (process.ts) takes it from there, so a webhook answers
// in microseconds and nothing is lost if the process dies before the message is handled.

import type { Database } from "../db/client";
import type { ChannelRow } from "../db/schema";
import type { InboundSms } from "../delivery/provider";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";

const CHUNK = 10;

export type StoreDeps = { db: Database; clock: Clock; ids: IdGenerator };

/** Stores what a provider handed over; a repeat (same channel and provider id) is ignored. */
export async function storeInbound(
  deps: StoreDeps,
  channel: Pick<ChannelRow, "id" | "tenantId">,
  sms: InboundSms[],
  raw: (m: InboundSms) => string,
): Promise<number> {
  if (sms.length === 0) return 0;
  const now = deps.clock.now().getTime();
  const statements = [];
  // 9 parameters a row: chunks stay under SQLite's (and D1's) parameter limits.
  for (let i = 0; i < sms.length; i += CHUNK) {
    const part = sms.slice(i, i + CHUNK);
    statements.push({
      sql: `insert into inbound_messages (id, tenant_id, channel_id, provider_message_id, from_phone, to_phone, body, raw, received_at)
            values ${part.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}
            on conflict (channel_id, provider_message_id) do nothing`,
      params: part.flatMap((m) => [
        deps.ids.next("inb"),
        channel.tenantId,
        channel.id,
        m.providerMessageId,
        m.from,
        m.to,
        m.text,
        raw(m),
        now,
      ]),
    });
  }
  await deps.db.batchGrouped(statements);
  return sms.length;
}
