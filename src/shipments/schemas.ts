import { z } from "@hono/zod-openapi";
import { ITEM_KINDS } from "../db/schema";

const instant = z.iso.datetime({ offset: true });

export const ShipmentInputSchema = z
  .strictObject({
    customer_id: z.string().max(64).optional(),
    customer_external_id: z.string().max(200).optional().openapi({ description: "The customer's external id" }),
    phone: z.string().max(40).optional().openapi({ description: "The customer's phone" }),
    item_kind: z.enum(ITEM_KINDS).default("card"),
    reference: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "What the customer quotes for it, e.g. the card's last 4 digits", example: "1234" }),
    external_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: "Your id for the shipment: a re-sent one is stored once; updates can name it" }),
    shipped_at: instant,
    courier: z.string().trim().min(1).max(64),
    region: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .openapi({ description: "City or postcode prefix: the lead-time model learns per (courier, region)" }),
    promised_days: z.number().int().min(0).max(60).optional().openapi({
      description: "The courier's promise; used only while the workspace has too little data of its own",
    }),
    delivered_at: instant.optional().openapi({ description: "If already known (history)" }),
  })
  .openapi("ShipmentInput");
export type ShipmentInput = z.infer<typeof ShipmentInputSchema>;

export const ShipmentBulkSchema = z
  .strictObject({ shipments: z.array(ShipmentInputSchema).min(1).max(10_000) })
  .openapi("ShipmentBulk");

export const ShipmentUpdateSchema = z
  .strictObject({
    shipment_id: z.string().max(64).optional(),
    external_id: z.string().max(200).optional(),
    delivered_at: instant.optional().openapi({ description: "From the courier's feed" }),
    returned_at: instant.optional().openapi({ description: "Returned to sender: its prompts are skipped" }),
  })
  .openapi("ShipmentUpdate");
export type ShipmentUpdate = z.infer<typeof ShipmentUpdateSchema>;

export const ShipmentUpdatesSchema = z
  .strictObject({ updates: z.array(ShipmentUpdateSchema).min(1).max(10_000) })
  .openapi("ShipmentUpdates");

export const ShipmentSchema = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    item_kind: z.enum(ITEM_KINDS),
    reference: z.string().nullable(),
    external_id: z.string().nullable(),
    courier: z.string(),
    region: z.string(),
    shipped_at: z.string(),
    promised_days: z.number().nullable(),
    delivered_at: z.string().nullable(),
    returned_at: z.string().nullable(),
    converted_at: z.string().nullable(),
    conversion_channel: z.string().nullable(),
    lead: z
      .object({ days: z.number(), hours: z.number(), source: z.enum(["delivered", "activation"]) })
      .nullable()
      .openapi({ description: "Shipped to delivered, or to activation as a bounded proxy when no delivery is known" }),
    prompts: z
      .array(
        z.object({
          message_id: z.string(),
          campaign_id: z.string(),
          step: z.number(),
          status: z.string(),
          reason: z.string().nullable(),
          send_at: z.string().nullable(),
        }),
      )
      .optional(),
  })
  .openapi("Shipment");

export const ShipmentListQuery = z.object({
  customer_id: z.string().max(64).optional(),
  courier: z.string().max(64).optional(),
  region: z.string().max(64).optional(),
  item_kind: z.enum(ITEM_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});

export const BulkResultSchema = z
  .object({
    created: z.number(),
    duplicates: z.number().openapi({ description: "Already stored under their external_id: left as they were" }),
    data: z.array(z.object({ id: z.string(), external_id: z.string().nullable(), duplicate: z.boolean() })),
  })
  .openapi("ShipmentBulkResult");
