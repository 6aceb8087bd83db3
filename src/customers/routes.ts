import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent, noContent, z } from "../http/openapi";
import { limitedBody } from "../http/stream-limit";
import { BadRequestError } from "../lib/errors";
import { importCustomers } from "./import";
import {
  BulkTagsSchema,
  CustomerCreateSchema,
  CustomerListQuery,
  CustomerPatchSchema,
  CustomerSchema,
  ImportReportSchema,
  TimelineEntrySchema,
  UpsertResultSchema,
} from "./schemas";
import {
  createCustomer,
  deleteCustomer,
  getCustomer,
  listCustomers,
  tagCustomers,
  timeline,
  updateCustomer,
  upsertCustomer,
} from "./service";

const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "cus_01JD..." }),
});
const tags = ["Customers"];

export const customerRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/customers/tags",
      tags,
      summary: "Add and remove tags on many customers",
      description: "Up to 500 customers; all must exist (else 404 and nothing changes). Answers how many changed.",
      scope: "write",
      request: { body: jsonBody(BulkTagsSchema) },
      responses: { 200: jsonContent(z.object({ updated: z.number().int() }), "How many customers changed") },
    }),
    async (c) => c.json(await tagCustomers(ctxOf(c), c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/customers",
      tags,
      summary: "Create a customer",
      description: "409 if another customer already has the phone or external id; use PUT to upsert.",
      scope: "write",
      request: { body: jsonBody(CustomerCreateSchema) },
      responses: { 201: jsonContent(CustomerSchema, "The new customer") },
    }),
    async (c) => c.json(await createCustomer(ctxOf(c), c.req.valid("json"), c.get("auth").via), 201),
  )
  .openapi(
    apiRoute({
      method: "put",
      path: "/v1/customers",
      tags,
      summary: "Create or update a customer, matched by external id, else phone",
      description: "Idempotent: sending the same body again reports `unchanged` and writes nothing.",
      scope: "write",
      request: { body: jsonBody(CustomerCreateSchema.partial()) },
      responses: {
        200: jsonContent(UpsertResultSchema, "Updated or unchanged"),
        201: jsonContent(UpsertResultSchema, "Created"),
      },
    }),
    async (c) => {
      const out = await upsertCustomer(ctxOf(c), c.req.valid("json"), c.get("auth").via);
      return out.result === "created" ? c.json(out, 201) : c.json(out, 200);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/customers",
      tags,
      summary: "List customers",
      description:
        "Ordered by creation (or as `sort` says); pass `next_cursor` back as `cursor`, with the same filters and sort, for the next page.",
      scope: "read",
      request: { query: CustomerListQuery },
      responses: {
        200: jsonContent(
          z.object({
            data: z.array(CustomerSchema),
            next_cursor: z.string().nullable(),
            total: z.number().int().optional().openapi({ description: "With total=true" }),
          }),
          "A page of customers",
        ),
      },
    }),
    async (c) => c.json(await listCustomers(ctxOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/customers/import",
      tags,
      summary: "Import customers from CSV",
      description: `Body: \`text/csv\`, UTF-8 (a BOM is fine), header row first. Columns: name, phone, external_id, locale, time_zone, birthday (YYYY-MM-DD or MM-DD), birthday_lunar, tier, tags (separated by ; or |), owner_id, consent, consent_evidence; common aliases (mobile, 手机号, 姓名, member_id...) are understood. Any other column becomes a custom attribute. Rows upsert by external id, then phone; empty cells leave stored values alone; duplicate phones or external ids inside the file are rejected with the line of the first. The body is streamed (parsed and checked on a thread of its own on Node) and written in batches of 10,000, so a failed import is finished by sending the same file again.`,
      scope: "write",
      request: { body: { required: true, content: { "text/csv": { schema: z.string() } } } },
      responses: {
        200: jsonContent(ImportReportSchema, "Counts and every rejected row with its line, column and reason"),
      },
    }),
    async (c) => {
      const type = c.req.header("content-type") ?? "";
      if (!/^text\/csv\b/i.test(type))
        throw new BadRequestError("unsupported_media_type", "Send the CSV with Content-Type: text/csv");
      const body = limitedBody(c.req.raw, c.get("deps").config.maxImportBytes);
      if (!body) throw new BadRequestError("bad_request", "The request has no body");
      return c.json(await importCustomers(ctxOf(c), body, c.get("deps").parseImport), 200);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/customers/{id}",
      tags,
      summary: "Get a customer",
      scope: "read",
      request: { params: IdParam },
      responses: { 200: jsonContent(CustomerSchema, "The customer") },
    }),
    async (c) => c.json(await getCustomer(ctxOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "patch",
      path: "/v1/customers/{id}",
      tags,
      summary: "Update a customer",
      description: "Only the fields sent change; `null` clears a field, and in `attributes` removes that key.",
      scope: "write",
      request: { params: IdParam, body: jsonBody(CustomerPatchSchema) },
      responses: { 200: jsonContent(CustomerSchema, "The updated customer") },
    }),
    async (c) =>
      c.json(await updateCustomer(ctxOf(c), c.req.valid("param").id, c.req.valid("json"), c.get("auth").via), 200),
  )
  .openapi(
    apiRoute({
      method: "delete",
      path: "/v1/customers/{id}",
      tags,
      summary: "Delete a customer",
      description:
        "Removes personal data, tags, group memberships and the timeline. The consent ledger is kept as proof, and a later profile with the same phone starts from its last opt-out.",
      scope: "write",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await deleteCustomer(ctxOf(c), c.req.valid("param").id);
      return noContent(c);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/customers/{id}/timeline",
      tags,
      summary: "Everything about a customer, oldest first",
      description:
        "customer.created and .updated, message.<status> for each change of a message, consent.changed, inbound (messages in), event, group.joined and .left, and shipment.shipped, .delivered, .converted (with its channel) and .returned.",
      scope: "read",
      request: { params: IdParam },
      responses: { 200: jsonContent(z.object({ data: z.array(TimelineEntrySchema) }), "The timeline") },
    }),
    async (c) => c.json(await timeline(ctxOf(c), c.req.valid("param").id), 200),
  );
