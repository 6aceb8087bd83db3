// The inbound log's SQL, by name, for the API (./service): every message with what step took it
// and why, and the typed responses recorded from them. Pages are newest first.

import type { Database } from "../db/client";
import type { InboundStep } from "../db/schema";
import { rawFilters } from "../db/sql";

export type InboundLogRow = {
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

const COLUMNS = `id, channel_id, provider_message_id, from_phone, to_phone, body, received_at, status, customer_id, step,
  outcome, keyword_id, message_id, campaign_id, detail, processed_at`;

export async function inboundById(db: Database, tenantId: string, id: string): Promise<InboundLogRow | undefined> {
  const [r] = await db.rawAll<InboundLogRow>(`select ${COLUMNS} from inbound_messages where tenant_id = ? and id = ?`, [
    tenantId,
    id,
  ]);
  return r;
}

export type InboundFilter = {
  customer_id?: string | undefined;
  step?: InboundStep | undefined;
  outcome?: string | undefined;
  keyword_id?: string | undefined;
};

/** Messages by id, newest first, those before `before` when given; at most `limit`. */
export function inboundPage(
  db: Database,
  tenantId: string,
  filter: InboundFilter,
  before: string | undefined,
  limit: number,
): Promise<InboundLogRow[]> {
  const { where, params } = rawFilters(tenantId, {
    customer_id: filter.customer_id,
    step: filter.step,
    outcome: filter.outcome,
    keyword_id: filter.keyword_id,
  });
  if (before !== undefined) {
    where.push("id < ?");
    params.push(before);
  }
  return db.rawAll<InboundLogRow>(
    `select ${COLUMNS} from inbound_messages where ${where.join(" and ")} order by id desc limit ?`,
    [...params, limit],
  );
}

export type ResponseRow = {
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

export type ResponseFilter = {
  customer_id?: string | undefined;
  campaign_id?: string | undefined;
  question?: string | undefined;
};

/** Responses by id, newest first, those before `before` when given; at most `limit`. */
export function responsesPage(
  db: Database,
  tenantId: string,
  filter: ResponseFilter,
  before: string | undefined,
  limit: number,
): Promise<ResponseRow[]> {
  const { where, params } = rawFilters(tenantId, {
    customer_id: filter.customer_id,
    campaign_id: filter.campaign_id,
    question: filter.question,
  });
  if (before !== undefined) {
    where.push("id < ?");
    params.push(before);
  }
  return db.rawAll<ResponseRow>(`select * from responses where ${where.join(" and ")} order by id desc limit ?`, [
    ...params,
    limit,
  ]);
}
