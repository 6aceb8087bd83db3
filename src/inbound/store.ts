// The first thing an inbound SMS meets: one insert, keyed by the provider's message id, before
// the provider hears "200" (committed with the other webhooks of the moment: batchGrouped). The
// pipeline (process.ts) takes it from there, so a webhook answers in microseconds and nothing is
// lost if the process dies before the message is handled. (Node with a jobs thread journals
// webhooks in a file of their own first: src/node/inbound-journal.ts, moved here with the same
// statements.)

import type { Database, Statement } from "../db/client";
import type { ChannelRow } from "../db/schema";
import type { InboundSms } from "../delivery/provider";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";

const CHUNK = 10;

export type StoreDeps = { db: Database; clock: Clock; ids: IdGenerator };

/** Where a webhook puts what a provider handed over; answers how many messages it took. */
export type InboundSink = (
  channel: Pick<ChannelRow, "id" | "tenantId">,
  sms: InboundSms[],
  raw: (m: InboundSms) => string,
) => Promise<number>;

export type InboundRecord = {
  id: string;
  tenantId: string;
  channelId: string;
  providerMessageId: string;
  from: string;
  to: string;
  text: string;
  raw: string;
  receivedAt: number;
};

/** Inserts that skip a message already stored (same channel and provider id). */
export function inboundInsertStatements(records: InboundRecord[]): Statement[] {
  const statements: Statement[] = [];
  // 9 parameters a row: chunks stay under SQLite's (and D1's) parameter limits.
  for (let i = 0; i < records.length; i += CHUNK) {
    const part = records.slice(i, i + CHUNK);
    statements.push({
      sql: `insert into inbound_messages (id, tenant_id, channel_id, provider_message_id, from_phone, to_phone, body, raw, received_at)
            values ${part.map(() => "(?, ?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}
            on conflict do nothing`,
      params: part.flatMap((m) => [
        m.id,
        m.tenantId,
        m.channelId,
        m.providerMessageId,
        m.from,
        m.to,
        m.text,
        m.raw,
        m.receivedAt,
      ]),
    });
  }
  return statements;
}

/** Stores what a provider handed over; a repeat (same channel and provider id) is ignored. */
export async function storeInbound(
  deps: StoreDeps,
  channel: Pick<ChannelRow, "id" | "tenantId">,
  sms: InboundSms[],
  raw: (m: InboundSms) => string,
): Promise<number> {
  if (sms.length === 0) return 0;
  const receivedAt = deps.clock.now().getTime();
  const records = sms.map((m) => ({
    id: deps.ids.next("inb"),
    tenantId: channel.tenantId,
    channelId: channel.id,
    providerMessageId: m.providerMessageId,
    from: m.from,
    to: m.to,
    text: m.text,
    raw: raw(m),
    receivedAt,
  }));
  await deps.db.batchGrouped(inboundInsertStatements(records));
  return sms.length;
}
