// What each export holds: its rows, read a page at a time through the list route's own query
// (so the same filters mean the same rows), and its columns, flat, in a fixed order.

import { z } from "@hono/zod-openapi";
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Ctx } from "../context";
import { CustomerListQuery } from "../customers/schemas";
import { listCustomers } from "../customers/service";
import { consentEvents, customers } from "../db/schema";
import { inList } from "../db/sql";
import { InboundListQuery } from "../inbound/routes";
import { listInbound } from "../inbound/service";
import { InboxListQuery } from "../inbox/routes";
import { listInbox } from "../inbox/service";
import { decodeCursor, pageOf } from "../lib/pagination";
import { iso } from "../lib/time";
import { MessageListQuery } from "../messages/schemas";
import { listMessages } from "../messages/service";

type Row = Record<string, unknown>;
export type Column = { name: string; get: (r: Row) => unknown; time?: true };
export type Page = { data: Row[]; next_cursor: string | null };

export type Source = {
  filters: z.ZodType<Record<string, unknown>>;
  columns: Column[];
  page(ctx: Ctx, filters: Record<string, unknown>, cursor: string | undefined, size: number): Promise<Page>;
};

const at = (path: string): Column["get"] => {
  const keys = path.split(".");
  return (r) => keys.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Row)[k] : undefined), r);
};
const col = (name: string, path = name): Column => ({ name, get: at(path) });
const time = (name: string, path = name): Column => ({ name, get: at(path), time: true });
const joined = (name: string): Column => ({ name, get: (r) => ((r[name] as unknown[]) ?? []).join("; ") });

const withoutPaging = <T extends z.ZodObject>(q: T) => q.omit({ limit: true, cursor: true } as never);

const birthday: Column = {
  name: "birthday",
  get: (r) => {
    const b = r.birthday as { year: number | null; month: number; day: number; lunar: boolean } | null;
    if (!b) return null;
    const md = `${String(b.month).padStart(2, "0")}-${String(b.day).padStart(2, "0")}`;
    return `${b.year ? `${b.year}-` : ""}${md}${b.lunar ? " (lunar)" : ""}`;
  },
};

const instant = z.iso.datetime({ offset: true });

/** The consent ledger: every change of a customer's consent, newest first. */
const ConsentQuery = z.object({
  customer_id: z.string().max(64).optional(),
  from: instant.optional(),
  to: instant.optional(),
});

async function consentPage(ctx: Ctx, f: z.infer<typeof ConsentQuery>, cursor: string | undefined, size: number) {
  const where: (SQL | undefined)[] = [eq(consentEvents.tenantId, ctx.tenantId)];
  if (f.customer_id) where.push(eq(consentEvents.customerId, f.customer_id));
  if (f.from) where.push(gte(consentEvents.at, Date.parse(f.from)));
  if (f.to) where.push(lt(consentEvents.at, Date.parse(f.to)));
  if (cursor) where.push(lt(consentEvents.id, decodeCursor(cursor)));
  const rows = await ctx.db.orm
    .select()
    .from(consentEvents)
    .where(and(...where))
    .orderBy(desc(consentEvents.id))
    .limit(size + 1)
    .all();
  return pageOf(rows, size, (r) => ({
    id: r.id,
    customer_id: r.customerId,
    phone: r.phone,
    state: r.state,
    source: r.source,
    evidence: r.evidence,
    at: iso(r.at),
  }));
}

/** A campaign's results: its messages with who they went to. */
const CampaignQuery = z.object({ campaign_id: z.string().max(64) });

async function withCustomers(ctx: Ctx, page: Page): Promise<Page> {
  const ids = [...new Set(page.data.map((m) => m.customer_id as string))];
  const people = ids.length
    ? await ctx.db.orm
        .select({ id: customers.id, name: customers.name, externalId: customers.externalId })
        .from(customers)
        // One bound value, not one per id: D1 takes at most 100.
        .where(and(eq(customers.tenantId, ctx.tenantId), inList(customers.id, ids)))
        .all()
    : [];
  const byId = new Map(people.map((p) => [p.id, p]));
  return {
    ...page,
    data: page.data.map((m) => ({
      ...m,
      customer_name: byId.get(m.customer_id as string)?.name ?? null,
      customer_external_id: byId.get(m.customer_id as string)?.externalId ?? null,
    })),
  };
}

const MESSAGE_COLUMNS: Column[] = [
  col("id"),
  col("customer_id"),
  col("to"),
  col("campaign_id"),
  col("kind"),
  col("template"),
  col("status"),
  col("reason"),
  col("reason_text"),
  col("text"),
  col("encoding"),
  col("segments"),
  col("price"),
  col("currency"),
  col("is_reply"),
  col("attempts"),
  time("created_at"),
  time("send_at"),
  time("sent_at"),
  time("delivered_at"),
];

export const SOURCES: Record<string, Source> = {
  customers: {
    // A count per page is not wanted: `total` is the list's, not the file's.
    filters: withoutPaging(CustomerListQuery).omit({ total: true } as never) as never,
    columns: [
      col("id"),
      col("external_id"),
      col("name"),
      col("phone"),
      col("locale"),
      col("time_zone"),
      birthday,
      col("tier"),
      joined("tags"),
      col("attributes"),
      col("consent", "consent.state"),
      col("consent_source", "consent.source"),
      time("consent_at", "consent.at"),
      col("source"),
      time("created_at"),
      time("updated_at"),
    ],
    page: (ctx, f, cursor, size) =>
      listCustomers(ctx, { ...(f as object), limit: size, cursor } as never) as Promise<Page>,
  },
  messages: {
    filters: withoutPaging(MessageListQuery) as never,
    columns: MESSAGE_COLUMNS,
    page: (ctx, f, cursor, size) =>
      listMessages(ctx, { ...(f as object), limit: size, cursor } as never) as Promise<Page>,
  },
  replies: {
    filters: withoutPaging(InboundListQuery) as never,
    columns: [
      col("id"),
      col("customer_id"),
      col("from"),
      col("to"),
      col("text"),
      col("step"),
      col("outcome"),
      col("keyword_id"),
      col("in_reply_to_message", "in_reply_to.message_id"),
      col("in_reply_to_campaign", "in_reply_to.campaign_id"),
      time("received_at"),
    ],
    page: (ctx, f, cursor, size) =>
      listInbound(ctx, { ...(f as object), limit: size, cursor } as never) as Promise<Page>,
  },
  inbox: {
    filters: withoutPaging(InboxListQuery) as never,
    columns: [
      col("id"),
      col("status"),
      col("category"),
      col("flag"),
      col("customer_id", "customer.id"),
      col("customer_name", "customer.name"),
      col("phone", "customer.phone"),
      col("text"),
      col("assignee_id"),
      col("overdue"),
      time("received_at"),
      time("due_at"),
      time("replied_at"),
      time("done_at"),
    ],
    page: (ctx, f, cursor, size) => listInbox(ctx, { ...(f as object), limit: size, cursor } as never) as Promise<Page>,
  },
  consent: {
    filters: ConsentQuery as never,
    columns: [col("id"), col("customer_id"), col("phone"), col("state"), col("source"), col("evidence"), time("at")],
    page: (ctx, f, cursor, size) => consentPage(ctx, f as never, cursor, size) as Promise<Page>,
  },
  "campaign-results": {
    filters: CampaignQuery as never,
    columns: [col("customer_name"), col("customer_external_id"), ...MESSAGE_COLUMNS],
    page: async (ctx, f, cursor, size) =>
      withCustomers(ctx, (await listMessages(ctx, { ...(f as object), limit: size, cursor } as never)) as Page),
  },
};
