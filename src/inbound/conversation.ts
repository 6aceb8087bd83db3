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
import { latestSent, responseInsertStatement } from "./store";

export async function attributed(
  ctx: Ctx,
  customerId: string,
  now: number,
  settings: InboundSettings,
): Promise<Attributed | null> {
  const since = now - settings.attribution_window_hours * 3_600_000;
  const m = await latestSent(ctx.db, ctx.tenantId, customerId, since);
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
  return responseInsertStatement({
    id: i.deps.ids.next("rsp"),
    tenantId: i.row.tenantId,
    customerId: r.customerId,
    inboundId: i.row.id,
    messageId: i.attributed?.id ?? null,
    campaignId: i.attributed?.campaignId ?? null,
    keywordId: r.keywordId ?? null,
    question: r.question,
    type: r.type,
    valueNumber: r.number,
    valueText: r.text,
    at: i.row.receivedAt,
  });
}
