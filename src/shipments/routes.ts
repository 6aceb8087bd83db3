import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent, z } from "../http/openapi";
import { limitedBody } from "../http/stream-limit";
import { BadRequestError } from "../lib/errors";
import { ImportStopSchema } from "../lib/import-stop";
import { importShipments } from "./import";
import {
  BulkResultSchema,
  ShipmentBulkSchema,
  ShipmentListQuery,
  ShipmentSchema,
  ShipmentUpdatesSchema,
} from "./schemas";
import { createShipments, getShipment, listShipments, updateShipments } from "./service";

const tags = ["Shipments"];

const router = createRouter()
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/shipments",
      tags,
      summary: "Record shipments (up to 10,000)",
      description:
        "Cards, membership kits or parcels sent to customers, with the courier and region the lead-time model learns from. All or nothing: a bad row is a 422 naming it. A shipment whose external_id is stored already is left as it is (duplicate: true). Running after_delivery campaigns plan their prompts for new shipments on the planner's next pass.",
      scope: "write",
      request: { body: jsonBody(ShipmentBulkSchema) },
      responses: { 200: jsonContent(BulkResultSchema, "Stored, in the order given") },
    }),
    async (c) => c.json(await createShipments(ctxOf(c), c.req.valid("json").shipments), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/shipments/updates",
      tags,
      summary: "Delivered and returned dates from a courier feed (up to 10,000)",
      description:
        "By shipment_id or external_id. A delivery date becomes the shipment's lead time (replacing an activation proxy); a return skips its pending prompts (reason shipment_returned). Conversions come in as events: POST /v1/events with card.activated (membership.activated, parcel.collected) and properties.channel. All or nothing.",
      scope: "write",
      request: { body: jsonBody(ShipmentUpdatesSchema) },
      responses: {
        200: jsonContent(z.object({ updated: z.number(), returned: z.number() }), "Applied"),
      },
    }),
    async (c) => c.json(await updateShipments(ctxOf(c), c.req.valid("json").updates), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/shipments/import",
      tags,
      summary: "Import shipments from CSV",
      description:
        "Body: `text/csv`, header row first. Columns: customer_id, customer_external_id (member_id) or phone; item_kind; reference (card_last4); external_id (shipment_id, tracking_number); shipped_at; courier (carrier); region (city, postcode); promised_days; delivered_at. Times are ISO 8601, or `YYYY-MM-DD HH:MM` in the workspace's zone. Good rows are stored, bad ones reported with line, column and reason.",
      scope: "write",
      request: { body: { required: true, content: { "text/csv": { schema: z.string() } } } },
      responses: {
        200: jsonContent(
          z.object({
            complete: z.boolean(),
            stopped: ImportStopSchema.nullable(),
            rows: z.number(),
            created: z.number(),
            duplicates: z.number(),
            rejected: z.number(),
            errors: z.array(z.object({ line: z.number(), column: z.string(), reason: z.string() })),
            errors_truncated: z.boolean(),
          }),
          "Counts and every rejected row",
        ),
      },
    }),
    async (c) => {
      if (!/^text\/csv\b/i.test(c.req.header("content-type") ?? ""))
        throw new BadRequestError("unsupported_media_type", "Send the CSV with Content-Type: text/csv");
      const body = limitedBody(c.req.raw, c.get("deps").config.maxImportBytes);
      if (!body) throw new BadRequestError("bad_request", "The request has no body");
      return c.json(await importShipments(ctxOf(c), body), 200);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/shipments",
      tags,
      summary: "List shipments",
      scope: "read",
      request: { query: ShipmentListQuery },
      responses: {
        200: jsonContent(z.object({ data: z.array(ShipmentSchema), next_cursor: z.string().nullable() }), "Shipments"),
      },
    }),
    async (c) => c.json(await listShipments(ctxOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/shipments/{id}",
      tags,
      summary: "A shipment, its outcome and its prompts",
      scope: "read",
      request: { params: z.object({ id: z.string() }) },
      responses: { 200: jsonContent(ShipmentSchema, "The shipment") },
    }),
    async (c) => c.json(await getShipment(ctxOf(c), c.req.valid("param").id), 200),
  );

export const shipmentRoutes = router;
