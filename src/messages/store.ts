// A page of messages for the API's list, read as arrays of the columns its view shows: drizzle's
// query building (140 µs) and its per-value decoding of every column (230 µs, the history's
// text included) were most of a 50-message page.

import type { Database } from "../db/client";
import { columnsReader } from "../db/rows";
import { messages } from "../db/schema";

/** The columns messageView reads. */
const LISTED = columnsReader(messages, [
  "id",
  "customerId",
  "channelId",
  "campaignId",
  "arm",
  "kind",
  "templateKey",
  "templateVersion",
  "variables",
  "priority",
  "status",
  "reason",
  "reasonText",
  "toPhone",
  "text",
  "encoding",
  "segments",
  "price",
  "currency",
  "isReply",
  "expects",
  "attempts",
  "sendAt",
  "validUntil",
  "dueAt",
  "providerRef",
  "createdAt",
  "sentAt",
  "deliveredAt",
] as const);

export type ListedMessage = ReturnType<typeof LISTED.read>;

const SELECT = `select ${LISTED.columns} from messages where tenant_id = ?`;

export type MessageFilter = {
  customerId?: string;
  campaignId?: string;
  status?: string;
  /** created_at from (inclusive) and to (exclusive), epoch ms. */
  from?: number;
  to?: number;
  /** Ids below this one (the cursor: the last id of the page before). */
  before?: string;
};

/** Up to `limit` of a workspace's messages, newest first, that the filter takes. */
export async function messagePage(
  db: Database,
  tenantId: string,
  f: MessageFilter,
  limit: number,
): Promise<ListedMessage[]> {
  // Each filter adds a fixed condition, so there are few texts, each prepared once.
  let text = SELECT;
  const params: unknown[] = [tenantId];
  const add = (condition: string, value: unknown) => {
    text += ` and ${condition}`;
    params.push(value);
  };
  if (f.customerId !== undefined) add("customer_id = ?", f.customerId);
  if (f.campaignId !== undefined) add("campaign_id = ?", f.campaignId);
  if (f.status !== undefined) add("status = ?", f.status);
  if (f.from !== undefined) add("created_at >= ?", f.from);
  if (f.to !== undefined) add("created_at < ?", f.to);
  if (f.before !== undefined) add("id < ?", f.before);
  params.push(limit);
  const rows = await db.rawRows(`${text} order by id desc limit ?`, params);
  return rows.map(LISTED.read);
}
