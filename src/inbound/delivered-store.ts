// What an SMPP session delivers, stored before the SMSC is answered (the SMSC forgets a message
// once answered, so the answer waits for the commit), and recognised when it comes again. Each
// stored SMS keeps a row until its answer is written. A delivery on a new connection that matches
// a row of another connection (the process died between storing and answering) is that message
// again, stored once. Sender, recipient, text and place in a long message must all match, and a
// message whose answer was written is never matched: two messages are never taken for one, and
// nothing is lost. (An answer written but never read, because a kill reset the socket or the
// connection dropped, brings that message a second time: SMPP gives no id to tell it apart from
// the customer sending the same text again.)

import type { Statement } from "../db/client";
import type { ChannelRow } from "../db/schema";
import type { InboundPart, InboundSms } from "../delivery/provider";
import { storeInboundPart } from "./parts-store";
import { inboundInsertStatements, type StoreDeps } from "./store";

/** How long a stored, unanswered message is looked for among redeliveries (an SMSC tries for a day or more). */
export const UNANSWERED_KEEP_MS = 24 * 3600_000;

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
  const row: Statement = {
    sql: `insert into unanswered_deliveries (tenant_id, channel_id, provider_message_id, connection, fingerprint, received_at)
          values (?, ?, ?, ?, ?, ?) on conflict do nothing`,
    params: [channel.tenantId, channel.id, sms.providerMessageId, connection, fingerprint, now],
  };
  // Claimed in one statement, so two deliveries handled at once never take the same row.
  const [again] = await deps.db.rawAll<{ provider_message_id: string }>(
    `update unanswered_deliveries set fingerprint = ''
      where tenant_id = ? and rowid = (
        select rowid from unanswered_deliveries
         where tenant_id = ? and channel_id = ? and fingerprint = ? and connection <> ? and received_at > ?
         order by received_at limit 1)
      returning provider_message_id`,
    [channel.tenantId, channel.tenantId, channel.id, fingerprint, connection, now - UNANSWERED_KEEP_MS],
  );
  if (again) {
    // That message, delivered again: stored once. It is now this delivery's to answer, so a
    // second crash before the answer is recognised too.
    await deps.db.batch([row]);
    return false;
  }
  if (part) return storeInboundPart(deps, channel, part, [row]);
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
  await deps.db.batch([...inboundInsertStatements([record]), row]);
  return true;
}

/** These are about to be answered: no longer looked for among redeliveries. */
export async function answered(deps: StoreDeps, channel: Channel, providerMessageIds: string[]): Promise<void> {
  if (providerMessageIds.length === 0) return;
  await deps.db.batch([
    {
      sql: `delete from unanswered_deliveries where tenant_id = ? and channel_id = ?
              and provider_message_id in (${providerMessageIds.map(() => "?").join(", ")})`,
      params: [channel.tenantId, channel.id, ...providerMessageIds],
    },
  ]);
}

/** Every workspace's: rows older than a redelivery would come. */
export async function pruneUnanswered(deps: StoreDeps): Promise<void> {
  await deps.db.batch([
    {
      sql: "delete from unanswered_deliveries where received_at < ?",
      params: [deps.clock.now().getTime() - UNANSWERED_KEEP_MS],
    },
  ]);
}
