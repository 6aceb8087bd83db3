import { z } from "@hono/zod-openapi";
import { freeformRecord } from "../lib/validators";

const templateKey = z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, "must be a template key (lower_snake_case)");
const instant = z.iso.datetime({ offset: true });
const questionKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "must be lower_snake_case (e.g. satisfaction)");

export const ReplySchema = z
  .strictObject({
    template: templateKey.optional(),
    text: z.string().trim().min(1).max(1000).optional(),
    variables: freeformRecord.optional(),
  })
  .refine((r) => (r.template === undefined) !== (r.text === undefined), "give exactly one of template or text")
  .openapi("Reply");

const expectationBase = {
  question: questionKey.openapi({ description: "Names the answer in responses and stats" }),
  valid_for_hours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
  thanks: ReplySchema.optional().openapi({ description: "Sent back when an answer is recorded" }),
};

export const ExpectationSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("score"),
      min: z.number().int().min(0).max(100).default(1),
      max: z.number().int().min(1).max(100).default(5),
      ...expectationBase,
    }),
    z.strictObject({ type: z.literal("yes_no"), ...expectationBase }),
    z.strictObject({
      type: z.literal("choice"),
      options: z.array(z.string().trim().min(1).max(20)).min(2).max(10),
      ...expectationBase,
    }),
  ])
  .refine((e) => e.type !== "score" || e.min < e.max, { message: "min must be below max", path: ["min"] })
  .openapi("Expectation", {
    description:
      "The reply a message asks for: a score (survey 1-5), yes/no, or one of a few choices. A fitting reply within valid_for_hours is recorded as a response.",
    example: { type: "score", min: 1, max: 5, question: "satisfaction", valid_for_hours: 72 },
  });

export const ArgumentSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("digits"),
      min_length: z.number().int().min(1).max(20),
      max_length: z.number().int().min(1).max(20),
      required: z.boolean().default(true),
    }),
    z.strictObject({
      type: z.literal("text"),
      max_length: z.number().int().min(1).max(500).default(160),
      required: z.boolean().default(false),
    }),
    z.strictObject({
      type: z.literal("choice"),
      options: z.array(z.string().trim().min(1).max(20)).min(1).max(20),
      required: z.boolean().default(true),
    }),
  ])
  .refine((a) => a.type !== "digits" || a.min_length <= a.max_length, {
    message: "min_length must not exceed max_length",
    path: ["min_length"],
  })
  .openapi("KeywordArgument", { example: { type: "digits", min_length: 4, max_length: 4, required: true } });

const scalar = z.union([z.string().max(200), z.number(), z.boolean(), z.null()]);

export const ActionSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("reply"),
      template: templateKey.optional(),
      text: z.string().trim().min(1).max(1000).optional(),
      variables: freeformRecord.optional(),
    }),
    z.strictObject({ type: z.literal("add_to_group"), group: z.string().min(1).max(64) }),
    z.strictObject({ type: z.literal("remove_from_group"), group: z.string().min(1).max(64) }),
    z.strictObject({
      type: z.literal("set_attribute"),
      key: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "must be an attribute key"),
      value: scalar.openapi({ description: '"$argument" stores what followed the keyword' }),
    }),
    z.strictObject({ type: z.literal("record_response"), question: questionKey }),
    z.strictObject({
      type: z.literal("record_event"),
      event: z.string().regex(/^[a-z][a-z0-9_.:-]{0,63}$/, "must be an event type such as card.activated"),
      properties: z.record(z.string().max(100), scalar).optional(),
    }),
    z.strictObject({ type: z.literal("start_survey"), template: templateKey, expects: ExpectationSchema }),
    z.strictObject({ type: z.literal("activate_card") }),
  ])
  .refine((a) => a.type !== "reply" || (a.template === undefined) !== (a.text === undefined), {
    message: "a reply gives exactly one of template or text",
  })
  .openapi("KeywordAction");

const fields = {
  name: z.string().trim().min(1).max(100),
  words: z
    .array(z.string().trim().min(1).max(40))
    .min(1)
    .max(10)
    .openapi({ description: "Any of them matches, after full-width and case folding", example: ["ACT", "激活"] }),
  match: z.enum(["whole", "first_word", "prefix"]).openapi({
    description:
      "whole: the message is the word; first_word: the first word is; prefix: the message starts with it (激活1234, no space needed)",
  }),
  argument: ArgumentSchema.nullable(),
  actions: z.array(ActionSchema).min(1).max(10),
  failure_reply: ReplySchema.nullable().openapi({ description: "Sent when the argument does not fit" }),
  groups: z
    .array(z.string().min(1).max(64))
    .max(20)
    .openapi({ description: "Only members of these groups (id or code) may use it; empty: everyone" }),
  starts_at: instant.nullable(),
  ends_at: instant.nullable(),
  enabled: z.boolean(),
};

export const KeywordCreateSchema = z
  .strictObject({
    ...fields,
    preset: z.enum(["card_activation"]).optional().openapi({
      description:
        "card_activation: ACT/激活 + the card's last 4 digits (attribute card_last4) activates it, records card.activated (channel sms) and replies; wrong digits count toward a lock that hands the customer to a person",
    }),
  })
  .partial()
  .openapi("KeywordCreate", {
    example: {
      name: "Join the yoga group",
      words: ["YOGA", "瑜伽"],
      match: "whole",
      actions: [
        { type: "add_to_group", group: "01" },
        { type: "reply", text: "You're in! Class news will come by SMS." },
      ],
    },
  });
export type KeywordCreate = z.infer<typeof KeywordCreateSchema>;

export const KeywordPatchSchema = z.strictObject(fields).partial().openapi("KeywordPatch");
export type KeywordPatch = z.infer<typeof KeywordPatchSchema>;

export const KeywordSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    words: z.array(z.string()),
    match: z.string(),
    argument: z.unknown().nullable(),
    actions: z.array(z.unknown()),
    failure_reply: z.unknown().nullable(),
    groups: z.array(z.string()),
    starts_at: z.string().nullable(),
    ends_at: z.string().nullable(),
    enabled: z.boolean(),
    preset: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Keyword");

export const KeywordStatsQuery = z.object({
  from: instant.optional().openapi({ description: "Default: 30 days ago" }),
  to: instant.optional().openapi({ description: "Default: now" }),
  interval: z.enum(["day", "week", "month"]).default("day"),
});
