import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent, z } from "../http/openapi";
import { EventCreateSchema, EventListQuery, EventSchema } from "./schemas";
import { listEvents, recordEvent } from "./service";

const tags = ["Events"];

const router = createRouter()
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/events",
      tags,
      summary: "Record a customer event",
      description:
        "card.activated, visit, purchase or any type of your own. It appears on the customer's timeline, moves last_visit (visit), last_purchase (purchase) or card_activated_on (card.activated), fires the event campaigns waiting for its type after their delay, and cancels the customer's pending messages of campaigns it cancels. With event_id, a retried POST is recorded once (200, duplicate: true).",
      scope: "write",
      request: { body: jsonBody(EventCreateSchema) },
      responses: {
        201: jsonContent(EventSchema, "Recorded"),
        200: jsonContent(EventSchema, "Already recorded under this event_id"),
      },
    }),
    async (c) => {
      const out = await recordEvent(ctxOf(c), c.req.valid("json"));
      return "duplicate" in out && out.duplicate ? c.json(out, 200) : c.json(out, 201);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/events",
      tags,
      summary: "List events, newest first",
      scope: "read",
      request: { query: EventListQuery },
      responses: {
        200: jsonContent(z.object({ data: z.array(EventSchema), next_cursor: z.string().nullable() }), "Events"),
      },
    }),
    async (c) => c.json(await listEvents(ctxOf(c), c.req.valid("query")), 200),
  );

export const eventRoutes = router;
