// The inbox's SQL, by name: the items (with the message and the customer they came from), their
// counts, and the statements that file, change and answer them. The service (./service) decides;
// this module only reads and writes.

import type { Database, RawStatement } from "../db/client";
import type { InboxCategory } from "../db/schema";
import { rawFilters } from "../db/sql";

export type ItemRow = {
  id: string;
  inbound_id: string;
  customer_id: string;
  category: InboxCategory;
  status: "open" | "done";
  assignee_id: string | null;
  flag: string | null;
  due_at: number;
  replied_at: number | null;
  done_at: number | null;
  created_at: number;
  body: string;
  from_phone: string;
  channel_id: string;
  received_at: number;
  message_id: string | null;
  campaign_id: string | null;
  customer_name: string | null;
  customer_phone: string | null;
  tier: string | null;
};

/** A new open item for an inbound message; a message is filed once, however often it is handled. */
export function inboxInsertStatement(item: {
  id: string;
  tenantId: string;
  inboundId: string;
  customerId: string;
  category: InboxCategory;
  flag: string | null;
  dueAt: number;
  now: number;
}): RawStatement {
  return {
    sql: `insert into inbox_items (id, tenant_id, inbound_id, customer_id, category, status, flag, due_at, created_at, updated_at)
          values (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?) on conflict (tenant_id, inbound_id) do nothing`,
    params: [
      item.id,
      item.tenantId,
      item.inboundId,
      item.customerId,
      item.category,
      item.flag,
      item.dueAt,
      item.now,
      item.now,
    ],
  };
}

const SELECT = `select i.*, b.body, b.from_phone, b.channel_id, b.received_at, b.message_id, b.campaign_id,
    c.name as customer_name, c.phone as customer_phone, c.tier from inbox_items i
  join inbound_messages b on b.tenant_id = i.tenant_id and b.id = i.inbound_id
  join customers c on c.tenant_id = i.tenant_id and c.id = i.customer_id`;

export async function inboxItem(db: Database, tenantId: string, id: string): Promise<ItemRow | undefined> {
  const [r] = await db.rawAll<ItemRow>(`${SELECT} where i.tenant_id = ? and i.id = ?`, [tenantId, id]);
  return r;
}

export type InboxFilter = {
  status?: "open" | "done" | undefined;
  category?: InboxCategory | undefined;
  assignee_id?: string | undefined;
};

/** Items by id (arrival order), those after `after` when given; at most `limit`. */
export function inboxItems(
  db: Database,
  tenantId: string,
  filter: InboxFilter,
  after: string | undefined,
  limit: number,
): Promise<ItemRow[]> {
  const { where, params } = rawFilters(
    tenantId,
    { status: filter.status, category: filter.category, assignee_id: filter.assignee_id },
    "i.",
  );
  if (after !== undefined) {
    where.push("i.id > ?");
    params.push(after);
  }
  return db.rawAll<ItemRow>(`${SELECT} where ${where.join(" and ")} order by i.id limit ?`, [...params, limit]);
}

/** The open items of a category, oldest first; at most `limit`. */
export function openItemsOfCategory(
  db: Database,
  tenantId: string,
  category: InboxCategory,
  limit: number,
): Promise<ItemRow[]> {
  return db.rawAll<ItemRow>(
    `${SELECT} where i.tenant_id = ? and i.category = ? and i.status = 'open' order by i.id limit ?`,
    [tenantId, category, limit],
  );
}

/** How many items each category holds, open and done. */
export function inboxCounts(db: Database, tenantId: string) {
  return db.rawAll<{ category: string; status: string; n: number }>(
    "select category, status, count(*) as n from inbox_items where tenant_id = ? group by category, status",
    [tenantId],
  );
}

/** The staff member `id` of the workspace, if there is one (an item's assignee). */
export async function staffMember(db: Database, tenantId: string, id: string): Promise<{ id: string } | undefined> {
  const [s] = await db.rawAll<{ id: string }>("select id from staff where tenant_id = ? and id = ?", [tenantId, id]);
  return s;
}

export type ItemPatch = {
  status?: "open" | "done";
  category?: InboxCategory;
  assignee_id?: string | null;
};

/** Sets what the patch gives (done_at with the status) and updated_at. */
export function itemUpdateStatement(tenantId: string, id: string, patch: ItemPatch, now: number): RawStatement {
  const sets: string[] = ["updated_at = ?"];
  const params: unknown[] = [now];
  if (patch.status) {
    sets.push("status = ?", "done_at = ?");
    params.push(patch.status, patch.status === "done" ? now : null);
  }
  if (patch.category) {
    sets.push("category = ?");
    params.push(patch.category);
  }
  if (patch.assignee_id !== undefined) {
    sets.push("assignee_id = ?");
    params.push(patch.assignee_id);
  }
  return {
    sql: `update inbox_items set ${sets.join(", ")} where tenant_id = ? and id = ?`,
    params: [...params, tenantId, id],
  };
}

/** Marks an item replied, and done too when `done`. */
export function markRepliedStatement(tenantId: string, id: string, now: number, done: boolean): RawStatement {
  return {
    sql: `update inbox_items set replied_at = ?, updated_at = ?${done ? ", status = 'done', done_at = ?" : ""}
            where tenant_id = ? and id = ?`,
    params: done ? [now, now, now, tenantId, id] : [now, now, tenantId, id],
  };
}

/** Everyone (not deleted) who has an item, in one category or in any. */
export function inboxSenders(db: Database, tenantId: string, category: InboxCategory | null) {
  return db.rawAll<{ customer_id: string }>(
    `select distinct i.customer_id from inbox_items i join customers c on c.tenant_id = i.tenant_id and c.id = i.customer_id
      where i.tenant_id = ? and c.deleted_at is null ${category ? "and i.category = ?" : ""}`,
    category ? [tenantId, category] : [tenantId],
  );
}

/** How many members a group has. */
export async function groupMemberCount(db: Database, tenantId: string, groupId: string): Promise<number> {
  const rows = await db.rawAll<{ n: number }>(
    "select count(*) as n from group_members where tenant_id = ? and group_id = ?",
    [tenantId, groupId],
  );
  return rows[0]?.n ?? 0;
}
