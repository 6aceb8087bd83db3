import type { Context } from "hono";
import { INBOX_CATEGORIES } from "../db/schema";
import { ctxOf } from "../http/auth";
import type { AppEnv } from "../http/env";
import { apiRoute, createRouter, jsonBody, jsonContent, z } from "../http/openapi";
import { ReplySchema } from "../keywords/schemas";
import { libraryOf } from "../templates/library";
import { getItem, groupSenders, listInbox, replyToCategory, replyToItem, updateItem } from "./service";

const tags = ["Inbox"];
const category = z.enum(INBOX_CATEGORIES);
const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

const ItemSchema = z
  .object({
    id: z.string(),
    category,
    status: z.enum(["open", "done"]),
    flag: z.string().nullable().openapi({ description: "possible_opt_out, activation_locked: read with care" }),
    text: z.string(),
    customer: z.object({
      id: z.string(),
      name: z.string().nullable(),
      phone: z.string().nullable(),
      tier: z.string().nullable(),
    }),
    assignee_id: z.string().nullable(),
    received_at: z.string(),
    due_at: z.string().openapi({ description: "From the customer's tier (gold: 24 h)" }),
    overdue: z.boolean(),
    replied_at: z.string().nullable(),
    done_at: z.string().nullable(),
    inbound_id: z.string(),
    in_reply_to: z.object({ message_id: z.string().nullable(), campaign_id: z.string().nullable() }),
  })
  .openapi("InboxItem");

export const InboxListQuery = z.object({
  status: z.enum(["open", "done"]).optional(),
  category: category.optional(),
  assignee_id: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

const Patch = z
  .strictObject({
    status: z.enum(["open", "done"]),
    category,
    assignee_id: z.string().max(64).nullable().openapi({ description: "A staff member's id; null to unassign" }),
  })
  .partial()
  .openapi("InboxPatch");

const ReplyBody = z
  .strictObject({
    reply: ReplySchema,
    done: z.boolean().default(true).openapi({ description: "Mark the item(s) done (default true)" }),
  })
  .openapi("InboxReply", {
    example: { reply: { text: "Thanks, we've fixed the shower in the men's room." }, done: true },
  });

const CategoryReply = z
  .strictObject({
    category,
    reply: ReplySchema,
    done: z.boolean().default(true),
  })
  .openapi("InboxCategoryReply");

const GroupBody = z
  .strictObject({
    group: z.string().min(1).max(64).openapi({ description: "A static group, by id or code" }),
    category: category.optional().openapi({ description: "Only senders in this category; default everyone who wrote" }),
  })
  .openapi("InboxGroup");

function withDue(c: Context<AppEnv>) {
  const deps = c.get("deps");
  return { ...ctxOf(c), library: libraryOf(deps), onDue: deps.onMessageDue };
}

export const inboxRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/inbox",
      tags,
      summary: "List inbox items, with counts per category",
      scope: "read",
      request: { query: InboxListQuery },
      responses: {
        200: jsonContent(
          z.object({
            data: z.array(ItemSchema),
            next_cursor: z.string().nullable(),
            counts: z.record(z.string(), z.object({ open: z.number(), done: z.number() })),
          }),
          "Items, oldest first",
        ),
      },
    }),
    async (c) => c.json(await listInbox(ctxOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/inbox/reply",
      tags,
      summary: "Reply to every open item of a category at once (one SMS per customer)",
      scope: "write",
      request: { body: jsonBody(CategoryReply) },
      responses: { 200: jsonContent(z.object({ items: z.number(), replies: z.number() }), "What was answered") },
    }),
    async (c) => {
      const b = c.req.valid("json");
      return c.json(await replyToCategory(withDue(c), b.category, b.reply, b.done), 200);
    },
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/inbox/group",
      tags,
      summary: "Put everyone who wrote in (a category) into a static group",
      scope: "write",
      request: { body: jsonBody(GroupBody) },
      responses: {
        200: jsonContent(z.object({ senders: z.number(), added: z.number(), group_id: z.string() }), "Added"),
      },
    }),
    async (c) => {
      const b = c.req.valid("json");
      return c.json(await groupSenders(ctxOf(c), b.category ?? null, b.group), 200);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/inbox/{id}",
      tags,
      summary: "Get an inbox item",
      scope: "read",
      request: { params: IdParam },
      responses: { 200: jsonContent(ItemSchema, "The item") },
    }),
    async (c) => c.json(await getItem(ctxOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "patch",
      path: "/v1/inbox/{id}",
      tags,
      summary: "Assign, re-categorise, or mark done / reopen",
      scope: "write",
      request: { params: IdParam, body: jsonBody(Patch) },
      responses: { 200: jsonContent(ItemSchema, "Updated") },
    }),
    async (c) => c.json(await updateItem(ctxOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/inbox/{id}/reply",
      tags,
      summary: "Reply to the customer (free: a reply to their own message)",
      scope: "write",
      request: { params: IdParam, body: jsonBody(ReplyBody) },
      responses: { 200: jsonContent(ItemSchema, "The item, replied") },
    }),
    async (c) => {
      const b = c.req.valid("json");
      return c.json(await replyToItem(withDue(c), c.req.valid("param").id, b.reply, b.done), 200);
    },
  );
