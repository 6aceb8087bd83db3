// What an SMPP session delivers, stored before the SMSC is answered (the SMSC forgets a message
// once answered, so the answer waits for the commit), and recognised when it comes again: a
// message stored whose answer never went out (the process died in between), or went out just
// before its connection dropped, is delivered again on a new connection, and is that message,
// not a new one. Two messages that differ in sender, recipient, text or place in a long message
// are never taken for one; nor is one whose answer surely arrived.

import type { Statement } from "../db/client";
import type { ChannelRow } from "../db/schema";
import type { InboundPart, InboundSms } from "../delivery/provider";
import { storeInboundPart } from "./parts-store";
import { inboundInsertStatements, type StoreDeps } from "./store";

/**
 * How long a stored, unanswered message is looked for among redeliveries: an SMSC keeps trying
 * for a day or more, however long we were down.
 */
export const UNANSWERED_KEEP_MS = 24 * 3600_000;
/** An answer written this long before its connection dropped may never have arrived. */
export const ANSWER_IN_FLIGHT_MS = 2000;
/** An answer older than this, on a connection still up, arrived: its record goes. */
const ANSWERED_KEEP_MS = 60_000;

type Channel = Pick<ChannelRow, "id" | "tenantId">;

/**
 * Stores an inbound SMS or a part of one that came on `connection` (the prefix of the provider
 * ids of that connection's messages). True when a whole new message is ready for the pipeline.
 */
export async function storeDelivered(
  deps: StoreDeps,
  channel: Channel,
  sms: InboundSms | InboundPart,
  connection: string,
): Promise<boolean> {
  const now = deps.clock.now().getTime();
  const part = "seq" in sms ? sms : null;
  const fingerprint = JSON.stringify([sms.from, sms.to, sms.text, part?.reference, part?.total, part?.seq]);
  const [again] = await deps.db.rawAll<{ provider_message_id: string }>(
    `select provider_message_id from unanswered_deliveries
      where tenant_id = ? and channel_id = ? and fingerprint = ? and received_at > ? and answered_at is null
        and substr(provider_message_id, 1, ?) <> ?
      order by received_at limit 1`,
    [channel.tenantId, channel.id, fingerprint, now - UNANSWERED_KEEP_MS, connection.length, connection],
  );
  if (again) {
    // Stored before the last connection ended, never answered: answered now, stored once.
    await deps.db.batch([
      {
        sql: "delete from unanswered_deliveries where tenant_id = ? and channel_id = ? and provider_message_id = ?",
        params: [channel.tenantId, channel.id, again.provider_message_id],
      },
    ]);
    return false;
  }
  const unanswered: Statement = {
    sql: `insert into unanswered_deliveries (tenant_id, channel_id, provider_message_id, fingerprint, received_at)
          values (?, ?, ?, ?, ?) on conflict do nothing`,
    params: [channel.tenantId, channel.id, sms.providerMessageId, fingerprint, now],
  };
  if (part) return storeInboundPart(deps, channel, part, [unanswered]);
  const record = {
    id: deps.ids.next("inb"),
    tenantId: channel.tenantId,
    channelId: channel.id,
    providerMessageId: sms.providerMessageId,
    from: sms.from,
    to: sms.to,
    text: sms.text,
    raw: JSON.stringify(sms),
    receivedAt: now,
  };
  await deps.db.batch([...inboundInsertStatements([record]), unanswered]);
  return true;
}

/** The answers to these went out on their connection. */
export async function answered(deps: StoreDeps, channel: Channel, providerMessageIds: string[]): Promise<void> {
  if (providerMessageIds.length === 0) return;
  await deps.db.batch([
    {
      sql: `update unanswered_deliveries set answered_at = ? where tenant_id = ? and channel_id = ?
              and provider_message_id in (${providerMessageIds.map(() => "?").join(", ")})`,
      params: [deps.clock.now().getTime(), channel.tenantId, channel.id, ...providerMessageIds],
    },
  ]);
}

/**
 * The connection whose provider ids start with `connection` dropped: answers it wrote in the
 * moments before may not have arrived, so those messages are looked for among redeliveries again.
 */
export async function connectionLost(deps: StoreDeps, channel: Channel, connection: string): Promise<void> {
  await deps.db.batch([
    {
      sql: `update unanswered_deliveries set answered_at = null
             where tenant_id = ? and channel_id = ? and answered_at >= ? and substr(provider_message_id, 1, ?) = ?`,
      params: [
        channel.tenantId,
        channel.id,
        deps.clock.now().getTime() - ANSWER_IN_FLIGHT_MS,
        connection.length,
        connection,
      ],
    },
  ]);
}

/** Every workspace's: answers that surely arrived, and rows older than a redelivery would come. */
export async function pruneUnanswered(deps: StoreDeps): Promise<void> {
  const now = deps.clock.now().getTime();
  await deps.db.batch([
    {
      sql: "delete from unanswered_deliveries where answered_at < ? or received_at < ?",
      params: [now - ANSWERED_KEEP_MS, now - UNANSWERED_KEEP_MS],
    },
  ]);
}
