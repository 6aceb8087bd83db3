import { z } from "@hono/zod-openapi";

export const EventCreateSchema = z
  .strictObject({
    customer_id: z.string().max(64).optional(),
    external_id: z.string().max(200).optional().openapi({ description: "The customer's external id" }),
    phone: z.string().max(40).optional(),
    type: z
      .string()
      .regex(/^[a-z][a-z0-9_.:-]{0,63}$/, "must be lower-case letters, digits and . _ : - (e.g. card.activated)")
      .openapi({ example: "card.activated" }),
    properties: z
      .record(z.string().max(100), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]))
      .default({})
      .refine((p) => Object.keys(p).length <= 50, "at most 50 properties"),
    occurred_at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: "When it happened (default now); delays count from here" }),
    event_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: "Your id for the event: sending it again records it once" }),
  })
  .openapi("EventCreate");
export type EventCreate = z.infer<typeof EventCreateSchema>;

export const EventSchema = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    type: z.string(),
    properties: z.record(z.string(), z.unknown()),
    occurred_at: z.string(),
    received_at: z.string(),
    event_id: z.string().nullable(),
    duplicate: z.boolean().optional(),
    triggered: z
      .array(z.object({ campaign_id: z.string(), message_id: z.string(), status: z.string(), send_at: z.string() }))
      .optional(),
    cancelled: z.number().optional().openapi({ description: "Pending messages this event cancelled" }),
    attributes: z.record(z.string(), z.string()).optional().openapi({ description: "Attributes it moved" }),
  })
  .openapi("Event");

export const EventListQuery = z.object({
  customer_id: z.string().max(64).optional(),
  type: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
