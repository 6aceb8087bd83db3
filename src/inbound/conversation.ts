// Attribution and open conversations. A reply is linked to the latest message sent to the
// customer within the attribution window (default 72 h), and to its campaign. If that message
// asked for an answer (a survey score, Y/N, a poll) and has not expired, a fitting reply is
// recorded as a typed response.

import type { Ctx } from "../context";
import type { RawStatement } from "../db/client";
import type { Expectation } from "../keywords/types";
import type { Normalized } from "./normalize";
import type { InboundSettings } from "./settings";
import type { Attributed, Incoming } from "./step";

export async function attributed(
  ctx: Ctx,
  customerId: string,
  now: number,
  settings: InboundSettings,
): Promise<Attributed | null> {
  const since = now - settings.attribution_window_hours * 3_600_000;
  // The unary + keeps SQLite off the (tenant_id, sent_at) index: walking every message the
  // workspace sent in the window to find this customer's latest is a scan of millions for a bank.
  // The customer's own messages (messages_customer) are a handful, sorted in memory.
  const [m] = await ctx.db.rawAll<{
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
    [ctx.tenantId, customerId, since],
  );
  if (!m) return null;
  const raw = m.expects ?? m.response;
  const expects = raw ? (JSON.parse(raw) as Expectation) : null;
  return {
    id: m.id,
    campaignId: m.campaign_id,
    sentAt: m.sent_at,
    expects,
    expiresAt: expects ? m.sent_at + expects.valid_for_hours * 3_600_000 : m.sent_at,
  };
}

export type Answer = { type: Expectation["type"]; value: string | number; number: number | null };

const YES = new Set([
  "y",
  "yes",
  "yeah",
  "yep",
  "ok",
  "okay",
  "sure",
  "是",
  "是的",
  "好",
  "好的",
  "确认",
  "对",
  "可以",
]);
const NO = new Set(["n", "no", "nope", "不", "否", "不是", "不要", "不用", "不可以"]);

/** The answer a reply gives to a question, or null if it is not one (then the next steps look). */
export function answerOf(n: Normalized, exp: Expectation): Answer | null {
  switch (exp.type) {
    case "score": {
      // "5", "5!", "5分", "4 - good class", "5/5": a number in range, first.
      const m = /^(\d{1,3})(?:\s*(?:分|星|stars?|points?|\/\s*\d+))?(?:$|[\s\p{P}])/u.exec(n.text);
      if (!m) return null;
      const v = Number(m[1]);
      return v >= exp.min && v <= exp.max ? { type: "score", value: v, number: v } : null;
    }
    case "yes_no": {
      if (YES.has(n.text)) return { type: "yes_no", value: "yes", number: 1 };
      if (NO.has(n.text)) return { type: "yes_no", value: "no", number: 0 };
      return null;
    }
    case "choice": {
      const found = exp.options.find((o) => o.toLowerCase() === n.text);
      if (found) return { type: "choice", value: found, number: exp.options.indexOf(found) + 1 };
      return null;
    }
  }
}

/** A typed response to an inbound message; once per (message, question), however often it is handled. */
export function responseStatement(
  i: Incoming,
  r: {
    customerId: string;
    keywordId?: string | null;
    question: string;
    type: "score" | "yes_no" | "choice" | "text";
    number: number | null;
    text: string | null;
  },
): RawStatement {
  return {
    sql: `insert into responses (id, tenant_id, customer_id, inbound_id, message_id, campaign_id, keyword_id, question, type,
            value_number, value_text, at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          on conflict (tenant_id, inbound_id, question) do nothing`,
    params: [
      i.deps.ids.next("rsp"),
      i.row.tenantId,
      r.customerId,
      i.row.id,
      i.attributed?.id ?? null,
      i.attributed?.campaignId ?? null,
      r.keywordId ?? null,
      r.question,
      r.type,
      r.number,
      r.text,
      i.row.receivedAt,
    ],
  };
}
