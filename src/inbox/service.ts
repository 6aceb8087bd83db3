// The inbox: every inbound message no step took, sorted by category, due by the customer's
// tier, answered by staff one by one or a whole category at once.

import type { Ctx } from "../context";
import type { RawStatement, Statement } from "../db/client";
import type { CustomerRow, InboxCategory } from "../db/schema";
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
import {
  groupMemberCount,
  type InboxFilter,
  type ItemPatch,
  type ItemRow,
  inboxCounts,
  inboxInsertStatement,
  inboxItem,
  inboxItems,
  inboxSenders,
  itemUpdateStatement,
  markRepliedStatement,
  openItemsOfCategory,
  staffMember,
} from "./store";

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
  return inboxInsertStatement({
    id: i.deps.ids.next("ibx"),
    tenantId: i.row.tenantId,
    inboundId: i.row.id,
    customerId: customer.id,
    category,
    flag,
    dueAt: due,
    now: i.now,
  });
}

function view(r: ItemRow, now: number) {
  return {
    id: r.id,
    category: r.category,
    status: r.status,
    flag: r.flag,
    text: r.body,
    customer: { id: r.customer_id, name: r.customer_name, phone: r.customer_phone, tier: r.tier },
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

async function itemRow(ctx: Ctx, id: string): Promise<ItemRow> {
  const r = await inboxItem(ctx.db, ctx.tenantId, id);
  if (!r) throw new NotFoundError("inbox item", id);
  return r;
}

export async function getItem(ctx: Ctx, id: string) {
  return view(await itemRow(ctx, id), ctx.clock.now().getTime());
}

export type InboxQuery = InboxFilter & {
  limit: number;
  cursor?: string | undefined;
};

/** Oldest first (ids follow arrival), so a cursor pages through a stable order. */
export async function listInbox(ctx: Ctx, q: InboxQuery) {
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  const rows = await inboxItems(ctx.db, ctx.tenantId, q, after, q.limit + 1);
  const counts = await inboxCounts(ctx.db, ctx.tenantId);
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

export type InboxPatch = ItemPatch;

export async function updateItem(ctx: Ctx, id: string, patch: InboxPatch) {
  await itemRow(ctx, id);
  if (patch.assignee_id) {
    const s = await staffMember(ctx.db, ctx.tenantId, patch.assignee_id);
    if (!s) throw ValidationError.field("assignee_id", `no staff member ${patch.assignee_id} in this workspace`);
  }
  const now = ctx.clock.now().getTime();
  await ctx.db.batch([itemUpdateStatement(ctx.tenantId, id, patch, now)]);
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
          messageId,
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
    statements.push(markRepliedStatement(ctx.tenantId, it.id, now, done));
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
  const items = await openItemsOfCategory(ctx.db, ctx.tenantId, category, MAX_CATEGORY_REPLY + 1);
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
  const rows = await inboxSenders(ctx.db, ctx.tenantId, category);
  const before = await groupMemberCount(ctx.db, ctx.tenantId, g.id);
  await ctx.db.batch(
    membershipStatements(
      ctx,
      g,
      rows.map((r) => r.customer_id),
      "join",
    ),
  );
  const after = await groupMemberCount(ctx.db, ctx.tenantId, g.id);
  return { senders: rows.length, added: after - before, group_id: g.id };
}
