// Replies to a customer's own message: outbox rows like any other message (rule 5), keyed by the
// inbound message they answer, so handling a message twice never replies twice. They are free
// (domain notes §5), notifications (an opt-out confirmation must reach an opted-out customer),
// not held by quiet hours (the customer just wrote), and go out first.

import type { RawStatement } from "../db/client";
import type { Expectation, Reply } from "../keywords/types";

export type ReplyTarget = {
  tenantId: string;
  /** The inbound message it answers, for the history line. */
  inboundId: string;
  customerId: string;
  channelId: string;
  now: number;
};

/** The reply's outbox row and its first history entry (written only with the row itself). */
export function replyStatements(
  ids: { message: string; event: string },
  t: ReplyTarget,
  reply: Reply,
  key: string,
  opts: { expects?: Expectation | null } = {},
): RawStatement[] {
  return [
    insertReply(ids.message, t, reply, key, opts.expects ?? null),
    {
      sql: `insert into message_events (id, tenant_id, message_id, at, status, reason, detail, applied)
          select ?, tenant_id, id, ?, 'queued', null, ?, 1 from messages where tenant_id = ? and idempotency_key = ? and id = ?`,
      params: [ids.event, t.now, `Reply to inbound ${t.inboundId}`, t.tenantId, key, ids.message],
    },
  ];
}

function insertReply(id: string, t: ReplyTarget, reply: Reply, key: string, expects: Expectation | null): RawStatement {
  return {
    sql: `insert into messages (id, tenant_id, customer_id, channel_id, kind, template_key, body, variables, is_reply,
            quiet_hours, priority, status, send_at, due_at, attempts, idempotency_key, created_at, updated_at, expects)
          values (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 2, 'queued', ?, ?, 0, ?, ?, ?, ?)
          on conflict (tenant_id, idempotency_key) where idempotency_key is not null do nothing`,
    params: [
      id,
      t.tenantId,
      t.customerId,
      t.channelId,
      "notification",
      reply.template ?? null,
      reply.template ? null : (reply.text ?? ""),
      JSON.stringify(reply.variables ?? {}),
      1,
      t.now,
      t.now,
      key,
      t.now,
      t.now,
      expects ? JSON.stringify(expects) : null,
    ],
  };
}
