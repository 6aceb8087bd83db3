// Routes for outgoing webhooks: subscribe an endpoint (its secret shown once), change or remove
// it, send it a test, read its delivery log and send a delivery again.

import { WEBHOOK_EVENTS } from "../db/schema";
import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent, noContent, z } from "../http/openapi";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  redeliver,
  sendTestEvent,
  updateEndpoint,
} from "./service";

const tags = ["Webhooks"];
const Id = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

const Input = z
  .strictObject({
    url: z.url().max(2000).openapi({ example: "https://bank.example/tidings-events" }),
    events: z
      .array(z.enum([...WEBHOOK_EVENTS, "*"]))
      .min(1)
      .max(20)
      .openapi({ description: `Event types, or "*" for all: ${WEBHOOK_EVENTS.join(", ")}` }),
    active: z.boolean().optional(),
  })
  .openapi("WebhookInput");

const Endpoint = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    active: z.boolean(),
    disabled_reason: z
      .string()
      .nullable()
      .openapi({ description: "Why Tidings turned it off (deliveries failed for a day)" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Webhook");

const Delivery = z
  .object({
    id: z.string(),
    event_id: z.string().openapi({ description: "webhook-id: the same on every attempt and for every endpoint" }),
    event_type: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    next_attempt_at: z.string().nullable(),
    response_status: z.number().int().nullable(),
    latency_ms: z.number().int().nullable(),
    response: z.string().nullable().openapi({ description: "The start of the last answer, or why there was none" }),
    created_at: z.string(),
    delivered_at: z.string().nullable(),
  })
  .openapi("WebhookDelivery");

const envOf = (c: Parameters<typeof ctxOf>[0]) => ({
  ...ctxOf(c),
  secretKey: c.get("deps").secretKey,
  allowPrivate: c.get("deps").config.webhooksAllowPrivate === true,
});

export const subscriptionRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/webhooks",
      tags,
      summary: "Subscribe an endpoint to events",
      description:
        "Each event is POSTed as JSON {type, timestamp, data}, signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature) with the secret in this answer, which is never shown again. Private and loopback addresses are refused.",
      scope: "admin",
      request: { body: jsonBody(Input) },
      responses: { 201: jsonContent(Endpoint.extend({ secret: z.string() }), "The endpoint and its secret") },
    }),
    async (c) => c.json(await createEndpoint(envOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/webhooks",
      tags,
      summary: "The workspace's endpoints",
      scope: "read",
      responses: { 200: jsonContent(z.object({ data: z.array(Endpoint) }), "Endpoints") },
    }),
    async (c) => c.json(await listEndpoints(ctxOf(c)), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/webhooks/{id}",
      tags,
      summary: "An endpoint",
      scope: "read",
      request: { params: Id },
      responses: { 200: jsonContent(Endpoint, "The endpoint") },
    }),
    async (c) => c.json(await getEndpoint(ctxOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "patch",
      path: "/v1/webhooks/{id}",
      tags,
      summary: "Change an endpoint's address or events, or turn it off or on",
      scope: "admin",
      request: { params: Id, body: jsonBody(Input.partial()) },
      responses: { 200: jsonContent(Endpoint, "The endpoint") },
    }),
    async (c) => c.json(await updateEndpoint(envOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "delete",
      path: "/v1/webhooks/{id}",
      tags,
      summary: "Remove an endpoint and its delivery log",
      scope: "admin",
      request: { params: Id },
      responses: { 204: { description: "Removed" } },
    }),
    async (c) => {
      await deleteEndpoint(ctxOf(c), c.req.valid("param").id);
      return noContent(c);
    },
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/webhooks/{id}/test",
      tags,
      summary: "Send the endpoint a test event (webhook.test), even while it is turned off",
      scope: "admin",
      request: { params: Id },
      responses: {
        202: jsonContent(z.object({ event_id: z.string(), delivery_id: z.string() }), "Queued; see its deliveries"),
      },
    }),
    async (c) => c.json(await sendTestEvent(ctxOf(c), c.req.valid("param").id), 202),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/webhooks/{id}/deliveries",
      tags,
      summary: "The endpoint's delivery log, newest first",
      scope: "read",
      request: {
        params: Id,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          cursor: z.string().max(200).optional(),
        }),
      },
      responses: {
        200: jsonContent(z.object({ data: z.array(Delivery), next_cursor: z.string().nullable() }), "Deliveries"),
      },
    }),
    async (c) => c.json(await listDeliveries(ctxOf(c), c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
      tags,
      summary: "Send a delivery again, now",
      scope: "admin",
      request: {
        params: Id.extend({
          delivery_id: z
            .string()
            .max(80)
            .openapi({ param: { name: "delivery_id", in: "path" } }),
        }),
      },
      responses: { 202: jsonContent(Delivery, "Queued again") },
    }),
    async (c) => {
      const p = c.req.valid("param");
      return c.json(await redeliver(ctxOf(c), p.id, p.delivery_id), 202);
    },
  );
