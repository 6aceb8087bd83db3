import { z } from "@hono/zod-openapi";
import { MESSAGE_STATUSES } from "../db/schema";
import { ExpectationSchema } from "../keywords/schemas";
import { freeformRecord } from "../lib/validators";

const instant = z.iso.datetime({ offset: true }).openapi({ example: "2026-11-24T02:00:00Z" });

export const MessageCreateSchema = z
  .strictObject({
    customer_id: z.string().max(64).optional(),
    external_id: z.string().max(200).optional(),
    phone: z.string().max(40).optional().openapi({ description: "An unknown number becomes a prospect customer" }),
    template: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "A template key, resolved in the customer's locale" }),
    text: z.string().min(1).max(2000).optional().openapi({ description: "A literal text instead of a template" }),
    variables: freeformRecord.default({}),
    kind: z
      .enum(["notification", "marketing"])
      .optional()
      .openapi({ description: "Defaults to the template's; required with text" }),
    send_at: instant.optional(),
    valid_until: instant
      .optional()
      .openapi({ description: "Not sent after this; held by quiet hours past it → expired" }),
    channel_id: z.string().max(64).optional(),
    priority: z.enum(["high", "normal", "low"]).optional().openapi({
      description: "Which of the messages due at once go first (default normal)",
    }),
    quiet_hours: z.boolean().optional().openapi({
      description: "Hold for the recipient's quiet hours; default true for marketing, false for notifications",
    }),
    expects: ExpectationSchema.optional().openapi({
      description: "The reply it asks for (Y/N, a score): a fitting reply is recorded as a response",
    }),
  })
  .openapi("MessageCreate");
export type MessageCreate = z.infer<typeof MessageCreateSchema>;

export const MessageEventSchema = z
  .object({
    at: z.string(),
    status: z.string(),
    reason: z.string().nullable(),
    detail: z.string().nullable(),
    applied: z.boolean(),
  })
  .openapi("MessageEvent");

export const MessageSchema = z
  .object({
    id: z.string(),
    customer_id: z.string(),
    channel_id: z.string().nullable(),
    campaign_id: z.string().nullable(),
    arm: z.string().nullable().openapi({ description: "Its campaign experiment's arm (holdout: followed, not sent)" }),
    kind: z.enum(["notification", "marketing"]),
    template: z.string().nullable(),
    template_version: z.string().nullable(),
    variables: z.record(z.string(), z.unknown()),
    priority: z.enum(["high", "normal", "low"]),
    status: z.enum(MESSAGE_STATUSES),
    reason: z.string().nullable(),
    reason_text: z.string().nullable(),
    to: z.string().nullable(),
    text: z.string().nullable(),
    encoding: z.string().nullable(),
    segments: z.number().nullable(),
    price: z.number().nullable(),
    currency: z.string().nullable(),
    is_reply: z.boolean(),
    expects: z.unknown().nullable(),
    attempts: z.number(),
    send_at: z.string(),
    valid_until: z.string().nullable(),
    next_attempt_at: z.string().nullable(),
    provider_ref: z.string().nullable(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    history: z.array(MessageEventSchema).optional(),
    timing: z
      .object({
        shipment_id: z.string(),
        step: z.number(),
        level: z.string().openapi({
          description:
            "Whose lead times decided it: cell (its courier and region), courier or tenant (fallbacks for thin cells), promised, default, or fixed (a fixed rule)",
        }),
        courier: z.string().openapi({ description: "The cell used ('' = all)" }),
        region: z.string(),
        quantile: z.number().nullable(),
        lead_days: z.number(),
        samples: z.number(),
        send_date: z.string().openapi({ description: "The customer's local date it is for" }),
        late: z.boolean(),
      })
      .optional()
      .openapi({ description: "after_delivery prompts: why it was timed so" }),
  })
  .openapi("Message");

export const MessageListQuery = z.object({
  customer_id: z.string().max(64).optional(),
  campaign_id: z.string().max(64).optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  from: instant.optional().openapi({ description: "Created at or after" }),
  to: instant.optional().openapi({ description: "Created before" }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});
