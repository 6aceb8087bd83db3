// Replies to a customer's own message: outbox rows like any other message, keyed by the
// inbound message they answer, so handling a message twice never replies twice. They are free
// (plans charge only for what is sent proactively), notifications (an opt-out confirmation
// must reach an opted-out customer), not held by quiet hours (the customer just wrote), and
// go out first.

import type { RawStatement } from "../db/client";
import type { Expectation, Reply } from "../keywords/types";
import { enqueueOne } from "../outbox/enqueue";

export type ReplyTarget = {
  tenantId: string;
  /** The inbound message it answers, for the history line. */
  inboundId: string;
  customerId: string;
  channelId: string;
  now: number;
};

/** The reply's outbox row, with its first history entry. */
export function replyStatements(
  messageId: string,
  t: ReplyTarget,
  reply: Reply,
  key: string,
  opts: { expects?: Expectation | null } = {},
): RawStatement[] {
  return enqueueOne(
    {
      id: messageId,
      tenantId: t.tenantId,
      customerId: t.customerId,
      channelId: t.channelId,
      kind: "notification",
      templateKey: reply.template ?? null,
      body: reply.template ? null : (reply.text ?? ""),
      variables: JSON.stringify(reply.variables ?? {}),
      isReply: true,
      quietHours: false,
      priority: 2,
      status: "queued",
      sendAt: t.now,
      dueAt: t.now,
      idempotencyKey: key,
      expects: opts.expects ?? null,
      createdAt: t.now,
      updatedAt: t.now,
    },
    { detail: `Reply to inbound ${t.inboundId}` },
    { once: true },
  );
}
