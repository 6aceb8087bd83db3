// Reading what came in: the inbound log (every message, what step took it and why) and the
// typed responses recorded from it.

import type { Ctx } from "../context";
import { NotFoundError } from "../lib/errors";
import { decodeCursor, pageOf } from "../lib/pagination";
import { iso } from "../lib/time";
import {
  type InboundFilter,
  type InboundLogRow,
  inboundById,
  inboundPage,
  type ResponseFilter,
  type ResponseRow,
  responsesPage,
} from "./store-log";

function view(r: InboundLogRow) {
  return {
    id: r.id,
    channel_id: r.channel_id,
    provider_message_id: r.provider_message_id,
    from: r.from_phone,
    to: r.to_phone,
    text: r.body,
    received_at: iso(r.received_at),
    status: r.status,
    customer_id: r.customer_id,
    step: r.step,
    outcome: r.outcome,
    keyword_id: r.keyword_id,
    in_reply_to: { message_id: r.message_id, campaign_id: r.campaign_id },
    detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
    processed_at: iso(r.processed_at),
  };
}

export async function getInbound(ctx: Ctx, id: string) {
  const r = await inboundById(ctx.db, ctx.tenantId, id);
  if (!r) throw new NotFoundError("inbound message", id);
  return view(r);
}

export type InboundQuery = InboundFilter & {
  limit: number;
  cursor?: string | undefined;
};

/** Newest first. */
export async function listInbound(ctx: Ctx, q: InboundQuery) {
  const before = q.cursor ? decodeCursor(q.cursor) : undefined;
  const rows = await inboundPage(ctx.db, ctx.tenantId, q, before, q.limit + 1);
  return pageOf(rows, q.limit, view);
}

export type ResponseQuery = ResponseFilter & {
  limit: number;
  cursor?: string | undefined;
};

function responseView(r: ResponseRow) {
  return {
    id: r.id,
    customer_id: r.customer_id,
    question: r.question,
    type: r.type,
    value: r.type === "score" ? r.value_number : r.value_text,
    inbound_id: r.inbound_id,
    message_id: r.message_id,
    campaign_id: r.campaign_id,
    keyword_id: r.keyword_id,
    at: iso(r.at),
  };
}

/** Newest first. */
export async function listResponses(ctx: Ctx, q: ResponseQuery) {
  const before = q.cursor ? decodeCursor(q.cursor) : undefined;
  const rows = await responsesPage(ctx.db, ctx.tenantId, q, before, q.limit + 1);
  return pageOf(rows, q.limit, responseView);
}
