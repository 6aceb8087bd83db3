// The inbox: every inbound message no step took, sorted by category, due by the customer's
// tier, answered by staff one by one or a whole category at once.

import type { Ctx } from "../context";
import type { RawStatement, Statement } from "../db/client";
import type { CustomerRow, InboxCategory } from "../db/schema";
import { rawFilters } from "../db/sql";
import { membershipStatements, staticGroupByRef } from "../groups/service";
import { replyStatements } from "../inbound/replies";
import type { InboundSettings } from "../inbound/settings";
import type { Incoming } from "../inbound/step";
import type { Reply } from "../keywords/types";
import { NotFoundError, ValidationError } from "../lib/errors";
import { decodeCursor, pageOf } from "../lib/pagination";
import { iso } from "../lib/time";
import type { TemplateLibrary } from "../templates/library";
import { checkTemplateKey, localeChain } from "../templates/service";
import { getTenantRow } from "../tenants/store";

export function dueHours(settings: InboundSettings, tier: string | null): number {
  return (tier ? settings.inbox_due_hours[tier] : undefined) ?? settings.inbox_due_hours.default ?? 72;
}

export function inboxStatement(
  i: Incoming,
  customer: CustomerRow,
  category: InboxCategory,
  flag: string | null,
): RawStatement {
  const due = i.row.receivedAt + dueHours(i.rules.settings, customer.tier) * 3_600_000;
  return {
    sql: `insert into inbox_items (id, tenant_id, inbound_id, customer_id, category, status, flag, due_at, created_at, updated_at)
          values (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?) on conflict (tenant_id, inbound_id) do nothing`,
    params: [i.deps.ids.next("ibx"), i.row.tenantId, i.row.id, customer.id, category, flag, due, i.now, i.now],
  };
}

type ItemRow = {
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
  tier: string | null;
};

function view(r: ItemRow, now: number) {
  return {
    id: r.id,
    category: r.category,
    status: r.status,
    flag: r.flag,
    text: r.body,
    customer: { id: r.customer_id, name: r.customer_name, tier: r.tier },
    assignee_id: r.assignee_id,
    received_at: iso(r.received_at),
    due_at: iso(r.due_at),
    overdue: r.status === "open" && now > r.due_at,
    replied_at: iso(r.replied_at),
    done_at: iso(r.done_at),
    inbound_id: r.inbound_id,
    in_reply_to: { message_id: r.message_id, campaign_id: r.campaign_id },
  };
}

const SELECT = `select i.*, b.body, b.from_phone, b.channel_id, b.received_at, b.message_id, b.campaign_id,
    c.name as customer_name, c.tier from inbox_items i
  join inbound_messages b on b.tenant_id = i.tenant_id and b.id = i.inbound_id
  join customers c on c.tenant_id = i.tenant_id and c.id = i.customer_id`;

async function itemRow(ctx: Ctx, id: string): Promise<ItemRow> {
  const [r] = await ctx.db.rawAll<ItemRow>(`${SELECT} where i.tenant_id = ? and i.id = ?`, [ctx.tenantId, id]);
  if (!r) throw new NotFoundError("inbox item", id);
  return r;
}

export async function getItem(ctx: Ctx, id: string) {
  return view(await itemRow(ctx, id), ctx.clock.now().getTime());
}

export type InboxQuery = {
  status?: "open" | "done" | undefined;
  category?: InboxCategory | undefined;
  assignee_id?: string | undefined;
  limit: number;
  cursor?: string | undefined;
};

/** Oldest first (ids follow arrival), so a cursor pages through a stable order. */
export async function listInbox(ctx: Ctx, q: InboxQuery) {
  const { where, params } = rawFilters(
    ctx.tenantId,
    { status: q.status, category: q.category, assignee_id: q.assignee_id },
    "i.",
  );
  if (q.cursor) {
    where.push("i.id > ?");
    params.push(decodeCursor(q.cursor));
  }
  const rows = await ctx.db.rawAll<ItemRow>(`${SELECT} where ${where.join(" and ")} order by i.id limit ?`, [
    ...params,
    q.limit + 1,
  ]);
  const counts = await ctx.db.rawAll<{ category: string; status: string; n: number }>(
    "select category, status, count(*) as n from inbox_items where tenant_id = ? group by category, status",
    [ctx.tenantId],
  );
  const now = ctx.clock.now().getTime();
  return {
    ...pageOf(rows, q.limit, (r) => view(r, now)),
    counts: Object.fromEntries(
      ["complaint", "suggestion", "vote", "question", "other"].map((c) => [
        c,
        {
          open: counts.find((x) => x.category === c && x.status === "open")?.n ?? 0,
          done: counts.find((x) => x.category === c && x.status === "done")?.n ?? 0,
        },
      ]),
    ),
  };
}

export type InboxPatch = {
  status?: "open" | "done";
  category?: InboxCategory;
  assignee_id?: string | null;
};

export async function updateItem(ctx: Ctx, id: string, patch: InboxPatch) {
  await itemRow(ctx, id);
  if (patch.assignee_id) {
    const [s] = await ctx.db.rawAll("select id from staff where tenant_id = ? and id = ?", [
      ctx.tenantId,
      patch.assignee_id,
    ]);
    if (!s) throw ValidationError.field("assignee_id", `no staff member ${patch.assignee_id} in this workspace`);
  }
  const now = ctx.clock.now().getTime();
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
  await ctx.db.batch([
    {
      sql: `update inbox_items set ${sets.join(", ")} where tenant_id = ? and id = ?`,
      params: [...params, ctx.tenantId, id],
    },
  ]);
  return getItem(ctx, id);
}

/** Reply statements for items, one reply per customer; each item is marked replied (and done). */
function replyAll(ctx: Ctx, items: ItemRow[], reply: Reply, done: boolean): { statements: Statement[]; sent: number } {
  const now = ctx.clock.now().getTime();
  const statements: Statement[] = [];
  const seen = new Set<string>();
  for (const it of items) {
    if (!seen.has(it.customer_id)) {
      seen.add(it.customer_id);
      const messageId = ctx.ids.next("msg");
      statements.push(
        ...replyStatements(
          { message: messageId, event: ctx.ids.next("mev") },
          {
            tenantId: ctx.tenantId,
            inboundId: it.inbound_id,
            customerId: it.customer_id,
            channelId: it.channel_id,
            now,
          },
          reply,
          `inbox:${it.id}:${messageId}`,
        ),
      );
    }
    statements.push({
      sql: `update inbox_items set replied_at = ?, updated_at = ?${done ? ", status = 'done', done_at = ?" : ""}
            where tenant_id = ? and id = ?`,
      params: done ? [now, now, now, ctx.tenantId, it.id] : [now, now, ctx.tenantId, it.id],
    });
  }
  return { statements, sent: seen.size };
}

type InboxEnv = Ctx & { library: TemplateLibrary; onDue?: (() => void) | undefined };

/** A reply's template key, checked as everywhere else that takes one. */
async function checkReply(ctx: InboxEnv, reply: Reply): Promise<void> {
  if (reply.template === undefined) return;
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  await checkTemplateKey(ctx, ctx.library, reply.template, localeChain(null, tenant.locale), "reply.template");
}

export async function replyToItem(ctx: InboxEnv, id: string, reply: Reply, done: boolean) {
  const item = await itemRow(ctx, id);
  await checkReply(ctx, reply);
  const { statements } = replyAll(ctx, [item], reply, done);
  await ctx.db.batch(statements);
  ctx.onDue?.();
  return getItem(ctx, id);
}

const MAX_CATEGORY_REPLY = 5_000;

/** One answer to every open item of a category ("the pool reopens Monday"). */
export async function replyToCategory(ctx: InboxEnv, category: InboxCategory, reply: Reply, done: boolean) {
  await checkReply(ctx, reply);
  const items = await ctx.db.rawAll<ItemRow>(
    `${SELECT} where i.tenant_id = ? and i.category = ? and i.status = 'open' order by i.id limit ?`,
    [ctx.tenantId, category, MAX_CATEGORY_REPLY + 1],
  );
  if (items.length > MAX_CATEGORY_REPLY)
    throw ValidationError.field("category", `more than ${MAX_CATEGORY_REPLY} open items; answer them in parts`);
  const { statements, sent } = replyAll(ctx, items, reply, done);
  await ctx.db.batch(statements);
  if (sent > 0) ctx.onDue?.();
  return { items: items.length, replies: sent };
}

/** Everyone who ever wrote in a category joins a static group. */
export async function groupSenders(ctx: Ctx, category: InboxCategory | null, groupRef: string) {
  const g = await staticGroupByRef(ctx, groupRef);
  const rows = await ctx.db.rawAll<{ customer_id: string }>(
    `select distinct i.customer_id from inbox_items i join customers c on c.tenant_id = i.tenant_id and c.id = i.customer_id
      where i.tenant_id = ? and c.deleted_at is null ${category ? "and i.category = ?" : ""}`,
    category ? [ctx.tenantId, category] : [ctx.tenantId],
  );
  const before = await ctx.db.rawAll<{ n: number }>(
    "select count(*) as n from group_members where tenant_id = ? and group_id = ?",
    [ctx.tenantId, g.id],
  );
  await ctx.db.batch(
    membershipStatements(
      ctx,
      g,
      rows.map((r) => r.customer_id),
      "join",
    ),
  );
  const after = await ctx.db.rawAll<{ n: number }>(
    "select count(*) as n from group_members where tenant_id = ? and group_id = ?",
    [ctx.tenantId, g.id],
  );
  return { senders: rows.length, added: (after[0]?.n ?? 0) - (before[0]?.n ?? 0), group_id: g.id };
}
