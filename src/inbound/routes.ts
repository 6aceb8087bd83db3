import { INBOUND_STEPS } from "../db/schema";
import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent, z } from "../http/openapi";
import { getInbound, listInbound, listResponses } from "./service";
import { simulateInbound } from "./simulate";

const id = z.string().max(64);
const page = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
};

export const InboundListQuery = z.object({
  customer_id: id.optional(),
  step: z.enum(INBOUND_STEPS).optional(),
  outcome: z.string().max(40).optional(),
  keyword_id: id.optional(),
  ...page,
});

const InboundSchema = z
  .object({
    id: z.string(),
    channel_id: z.string(),
    provider_message_id: z.string(),
    from: z.string(),
    to: z.string(),
    text: z.string().openapi({ description: "Exactly as received" }),
    received_at: z.string(),
    status: z.string().openapi({ description: "received (waiting for the pipeline) or processed" }),
    customer_id: z.string().nullable(),
    step: z.string().nullable().openapi({
      description: "opt_out, opt_in, help, staff, conversation, keyword, inbox (or ignored: set aside after errors)",
    }),
    outcome: z.string().nullable(),
    keyword_id: z.string().nullable(),
    in_reply_to: z
      .object({ message_id: z.string().nullable(), campaign_id: z.string().nullable() })
      .openapi({ description: "The latest message sent to the customer within the attribution window" }),
    detail: z.record(z.string(), z.unknown()).nullable(),
    processed_at: z.string().nullable(),
  })
  .openapi("InboundMessage");

const ResponseSchema = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    question: z.string(),
    type: z.string(),
    value: z.union([z.string(), z.number()]).nullable(),
    inbound_id: z.string(),
    message_id: z.string().nullable(),
    campaign_id: z.string().nullable(),
    keyword_id: z.string().nullable(),
    at: z.string(),
  })
  .openapi("Response");

export const inboundRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/inbound/simulate",
      tags: ["Inbound"],
      summary: "Receive a reply as if a customer texted it (simulator channels only)",
      description:
        "For trying STOP, keywords and surveys without a phone: stored as the simulator's signed webhook stores a reply, then handled by the same pipeline (see it in GET /v1/inbound), consent changes included. Only while the workspace's default channel is the simulator (a workspace live on a real provider gets 409), and never from a staff member's phone (409). From the customer's phone (customer_id) or any number (from).",
      scope: "admin",
      request: {
        body: jsonBody(
          z
            .strictObject({
              channel_id: id.optional(),
              customer_id: id.optional(),
              from: z.string().max(32).optional(),
              text: z.string().min(1).max(1600),
            })
            .openapi("SimulatedReply"),
        ),
      },
      responses: {
        202: jsonContent(
          z.object({ stored: z.number(), from: z.string(), channel_id: z.string() }),
          "Stored; the pipeline handles it at once",
        ),
      },
    }),
    async (c) => c.json(await simulateInbound(ctxOf(c), c.get("deps"), c.req.valid("json")), 202),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/inbound",
      tags: ["Inbound"],
      summary: "The inbound log: every message received, which step took it, and what it answered",
      scope: "read",
      request: {
        query: InboundListQuery,
      },
      responses: {
        200: jsonContent(
          z.object({ data: z.array(InboundSchema), next_cursor: z.string().nullable() }),
          "Newest first",
        ),
      },
    }),
    async (c) => c.json(await listInbound(ctxOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/inbound/{id}",
      tags: ["Inbound"],
      summary: "One inbound message",
      scope: "read",
      request: { params: z.object({ id: id.openapi({ param: { name: "id", in: "path" } }) }) },
      responses: { 200: jsonContent(InboundSchema, "The message") },
    }),
    async (c) => c.json(await getInbound(ctxOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/responses",
      tags: ["Inbound"],
      summary: "Typed responses: survey scores, yes/no answers, poll choices, keyword answers",
      scope: "read",
      request: {
        query: z.object({
          customer_id: id.optional(),
          campaign_id: id.optional(),
          question: z.string().max(40).optional(),
          ...page,
        }),
      },
      responses: {
        200: jsonContent(
          z.object({ data: z.array(ResponseSchema), next_cursor: z.string().nullable() }),
          "Newest first",
        ),
      },
    }),
    async (c) => c.json(await listResponses(ctxOf(c), c.req.valid("query")), 200),
  );
