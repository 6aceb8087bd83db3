// Reading what came in: the inbound log (every message, what step took it and why) and the
// typed responses recorded from it.

import type { Ctx } from "../context";
import type { InboundStep } from "../db/schema";
import { rawFilters } from "../db/sql";
import { NotFoundError } from "../lib/errors";
import { decodeCursor, pageOf } from "../lib/pagination";
import { iso } from "../lib/time";

type Row = {
  id: string;
  channel_id: string;
  provider_message_id: string;
  from_phone: string;
  to_phone: string;
  body: string;
  received_at: number;
  status: string;
  customer_id: string | null;
  step: string | null;
  outcome: string | null;
  keyword_id: string | null;
  message_id: string | null;
  campaign_id: string | null;
  detail: string | null;
  processed_at: number | null;
};

function view(r: Row) {
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

const COLUMNS = `id, channel_id, provider_message_id, from_phone, to_phone, body, received_at, status, customer_id, step,
  outcome, keyword_id, message_id, campaign_id, detail, processed_at`;

export async function getInbound(ctx: Ctx, id: string) {
  const [r] = await ctx.db.rawAll<Row>(`select ${COLUMNS} from inbound_messages where tenant_id = ? and id = ?`, [
    ctx.tenantId,
    id,
  ]);
  if (!r) throw new NotFoundError("inbound message", id);
  return view(r);
}

export type InboundQuery = {
  customer_id?: string | undefined;
  step?: InboundStep | undefined;
  outcome?: string | undefined;
  keyword_id?: string | undefined;
  limit: number;
  cursor?: string | undefined;
};

/** Newest first. */
export async function listInbound(ctx: Ctx, q: InboundQuery) {
  const { where, params } = rawFilters(ctx.tenantId, {
    customer_id: q.customer_id,
    step: q.step,
    outcome: q.outcome,
    keyword_id: q.keyword_id,
  });
  if (q.cursor) {
    where.push("id < ?");
    params.push(decodeCursor(q.cursor));
  }
  const rows = await ctx.db.rawAll<Row>(
    `select ${COLUMNS} from inbound_messages where ${where.join(" and ")} order by id desc limit ?`,
    [...params, q.limit + 1],
  );
  return pageOf(rows, q.limit, view);
}

export type ResponseQuery = {
  customer_id?: string | undefined;
  campaign_id?: string | undefined;
  question?: string | undefined;
  limit: number;
  cursor?: string | undefined;
};

type ResponseRow = {
  id: string;
  customer_id: string;
  inbound_id: string;
  message_id: string | null;
  campaign_id: string | null;
  keyword_id: string | null;
  question: string;
  type: string;
  value_number: number | null;
  value_text: string | null;
  at: number;
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
  const { where, params } = rawFilters(ctx.tenantId, {
    customer_id: q.customer_id,
    campaign_id: q.campaign_id,
    question: q.question,
  });
  if (q.cursor) {
    where.push("id < ?");
    params.push(decodeCursor(q.cursor));
  }
  const rows = await ctx.db.rawAll<ResponseRow>(
    `select * from responses where ${where.join(" and ")} order by id desc limit ?`,
    [...params, q.limit + 1],
  );
  return pageOf(rows, q.limit, responseView);
}
