// The first thing an inbound SMS meets: one insert, keyed by the provider's message id, before
// the provider hears "200" (committed with the other webhooks of the moment: batchGrouped). The
// pipeline (process.ts) takes it from there, so a webhook answers in microseconds and nothing is
// lost if the process dies before the message is handled. (Node with a jobs thread journals
// webhooks in a file of their own first: src/node/journal.ts, moved here with the same
// statements.)
//
// Here too, by name, the rest of the pipeline's SQL: the claim, the "processed" and "set aside"
// marks, and what the steps read and write (attribution, responses, staff phones, group members,
// a broadcast's audience). Reading the log for the API is in ./store-log.

import { type SQL, sql } from "drizzle-orm";
import type { Database, RawStatement, Statement } from "../db/client";
import type { ChannelRow, InboundRow, InboundStep } from "../db/schema";
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

/**
 * Leases up to `batch` waiting messages (of every workspace) for `leaseMs`, counting the attempt;
 * a lease that ran out (a pipeline that died) is taken again. In no particular order.
 */
export async function claimInbound(db: Database, now: number, leaseMs: number, batch: number): Promise<InboundRow[]> {
  const rows = await db.rawAll<Record<string, unknown>>(
    `update inbound_messages set lease_until = ?, attempts = attempts + 1
      where id in (select id from inbound_messages where status = 'received' and (lease_until is null or lease_until < ?)
                   order by received_at limit ?)
      returning id, tenant_id, channel_id, provider_message_id, from_phone, to_phone, body, received_at, attempts`,
    [now + leaseMs, now, batch],
  );
  return rows.map(
    (r) =>
      ({
        id: r.id,
        tenantId: r.tenant_id,
        channelId: r.channel_id,
        providerMessageId: r.provider_message_id,
        fromPhone: r.from_phone,
        toPhone: r.to_phone,
        body: r.body,
        raw: "",
        receivedAt: r.received_at,
        status: "received",
        leaseUntil: null,
        attempts: r.attempts,
        customerId: null,
        step: null,
        outcome: null,
        keywordId: null,
        messageId: null,
        campaignId: null,
        detail: null,
        processedAt: null,
      }) as InboundRow,
  );
}

/** A claimed message marked processed, with what took it; by the id its claim returned. */
export function processedStatement(
  id: string,
  now: number,
  m: {
    customerId: string | null;
    step: InboundStep;
    outcome: string;
    keywordId: string | null;
    messageId: string | null;
    campaignId: string | null;
    detail: Record<string, unknown> | undefined;
  },
): RawStatement {
  return {
    sql: `update inbound_messages set status = 'processed', lease_until = null, customer_id = ?, step = ?, outcome = ?,
            keyword_id = ?, message_id = ?, campaign_id = ?, detail = ?, processed_at = ?
          where id = ? and status = 'received'`,
    params: [
      m.customerId,
      m.step,
      m.outcome,
      m.keywordId,
      m.messageId,
      m.campaignId,
      m.detail ? JSON.stringify(m.detail) : null,
      now,
      id,
    ],
  };
}

/** A claimed message that keeps failing, set aside (processed, ignored) with its error. */
export function giveUpStatement(id: string, error: string, now: number): RawStatement {
  return {
    sql: `update inbound_messages set status = 'processed', lease_until = null, step = 'ignored', outcome = 'error',
              detail = ?, processed_at = ? where id = ? and status = 'received'`,
    params: [JSON.stringify({ error }), now, id],
  };
}

/** The latest message sent to a customer since `since` (replies aside), with its campaign's question. */
export async function latestSent(db: Database, tenantId: string, customerId: string, since: number) {
  // The unary + keeps SQLite off the (tenant_id, sent_at) index: walking every message the
  // workspace sent in the window to find this customer's latest is a scan of millions for a bank.
  // The customer's own messages (messages_customer) are a handful, sorted in memory.
  const [m] = await db.rawAll<{
    id: string;
    campaign_id: string | null;
    sent_at: number;
    expects: string | null;
    response: string | null;
  }>(
    `select m.id, m.campaign_id, m.sent_at, m.expects, c.response from messages m
       left join campaigns c on c.tenant_id = m.tenant_id and c.id = m.campaign_id
      where m.tenant_id = ? and m.customer_id = ? and +m.sent_at >= ? and m.is_reply = 0
      order by +m.sent_at desc limit 1`,
    [tenantId, customerId, since],
  );
  return m;
}

/** A typed response; once per (inbound message, question). */
export function responseInsertStatement(r: {
  id: string;
  tenantId: string;
  customerId: string;
  inboundId: string;
  messageId: string | null;
  campaignId: string | null;
  keywordId: string | null;
  question: string;
  type: "score" | "yes_no" | "choice" | "text";
  valueNumber: number | null;
  valueText: string | null;
  at: number;
}): RawStatement {
  return {
    sql: `insert into responses (id, tenant_id, customer_id, inbound_id, message_id, campaign_id, keyword_id, question, type,
            value_number, value_text, at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          on conflict (tenant_id, inbound_id, question) do nothing`,
    params: [
      r.id,
      r.tenantId,
      r.customerId,
      r.inboundId,
      r.messageId,
      r.campaignId,
      r.keywordId,
      r.question,
      r.type,
      r.valueNumber,
      r.valueText,
      r.at,
    ],
  };
}

/** The workspace's staff members that have a phone. */
export function staffWithPhones(db: Database, tenantId: string) {
  return db.rawAll<{ id: string; name: string; phone: string }>(
    "select id, name, phone from staff where tenant_id = ? and phone is not null",
    [tenantId],
  );
}

/** Which of the customers are members of the group already. */
export function groupMembersAmong(db: Database, tenantId: string, groupId: string, customerIds: string[]) {
  return db.rawAll<{ customer_id: string }>(
    "select customer_id from group_members where tenant_id = ? and group_id = ? and customer_id in (select value from json_each(?))",
    [tenantId, groupId, JSON.stringify(customerIds)],
  );
}

/** How many live customers an audience condition (on customers `c`) holds, and how many are subscribed. */
export async function audienceCounts(db: Database, tenantId: string, cond: SQL) {
  const [counts] = await db.orm.all<{ total: number; subscribed: number }>(
    sql`select count(*) as total,
        coalesce(sum(c.consent_state = 'subscribed' and c.phone is not null), 0) as subscribed
      from customers c where c.tenant_id = ${tenantId} and c.deleted_at is null and ${cond}`,
  );
  return counts;
}
