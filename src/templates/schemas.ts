import { z } from "@hono/zod-openapi";
import { COUNTINGS, type Counting } from "../compose/encoding";
import { freeformRecord, localeField } from "../lib/validators";
import { KEY_PATTERN } from "./library";
import { MAX_SOURCE_CHARS } from "./render";

const key = z
  .string()
  .regex(KEY_PATTERN, "must be lower_snake_case, 2-64 characters")
  .openapi({ example: "birthday_greeting" });
const kind = z.enum(["notification", "marketing"]);
const source = z.string().min(1).max(MAX_SOURCE_CHARS).openapi({
  description: "Handlebars source (no HTML escaping: SMS is plain text)",
  example: "Happy birthday, {{firstName}}!",
});
const title = z.string().trim().max(100).openapi({
  description: "The name people see in the console, in the template's language",
  example: "Birthday greeting",
});
const variables = freeformRecord
  .refine((v) => Object.keys(v).length <= 100, { message: "at most 100 variables" })
  .openapi({ description: 'Sample values by dotted path, e.g. {"card.last4": "1234"}' });

export const TemplateCreateSchema = z
  .strictObject({
    key,
    locale: localeField,
    kind: kind.optional(),
    title: title.optional(),
    description: z.string().max(500).optional(),
    source: source.optional(),
    variables: variables.optional(),
    copy_of: z
      .strictObject({ key, locale: localeField.optional() })
      .optional()
      .openapi({ description: "Start from a shipped template (its text, kind, title, description and samples)" }),
  })
  .openapi("TemplateCreate");
export type TemplateCreate = z.infer<typeof TemplateCreateSchema>;

export const TemplatePatchSchema = z
  .strictObject({ kind, title, description: z.string().max(500), source, variables })
  .partial()
  .openapi("TemplatePatch", { description: "A new source adds a version; other fields change in place." });
export type TemplatePatch = z.infer<typeof TemplatePatchSchema>;

export const TemplateSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    locale: z.string(),
    kind,
    title: z.string(),
    description: z.string(),
    variables: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    source: z.string(),
    copied_from: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Template");

export const DefaultTemplateSchema = z
  .object({
    key: z.string(),
    locale: z.string(),
    kind,
    title: z.string(),
    description: z.string(),
    variables: z.record(z.string(), z.unknown()),
    version: z.string(),
    source: z.string(),
  })
  .openapi("DefaultTemplate");

export const VersionSchema = z
  .object({ version: z.number().int(), source: z.string(), current: z.boolean(), created_at: z.string() })
  .openapi("TemplateVersion");

const counting = z.enum(COUNTINGS as [Counting, ...Counting[]]).openapi({
  description: "standard: GSM-7 160/153, UCS-2 70/67. cn_carrier: every character 1, 70/67 (Aliyun, Tencent).",
});

export const PreviewInputSchema = z
  .strictObject({
    source: source.optional().openapi({ description: "Inline source (or give template_id, or key)" }),
    template_id: z.string().max(64).optional(),
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: "With template_id; the current version if omitted" }),
    key: key.optional().openapi({ description: "Resolve by key with the locale fallback: customer → workspace → en" }),
    kind: kind.optional().openapi({ description: "Required with source; otherwise the template's" }),
    locale: localeField.optional().openapi({ description: "The recipient's locale when no customer is given" }),
    customer_id: z.string().max(64).optional(),
    channel_id: z
      .string()
      .max(64)
      .optional()
      .openapi({ description: "The channel it would go through (default: the workspace's), for its length limit" }),
    variables: freeformRecord.optional().openapi({
      description: "Variables laid over the customer's profile (or used alone). Nested objects or dotted keys.",
    }),
    counting: counting.optional(),
    audience: z
      .strictObject({ group: z.string().max(64) })
      .optional()
      .openapi({
        description: "Also render for every member of a group or segment (up to 100,000) and total the cost",
      }),
  })
  .openapi("PreviewInput");
export type PreviewInput = z.infer<typeof PreviewInputSchema>;

const Warning = z.object({ code: z.string(), message: z.string() }).openapi("PreviewWarning");
const Culprit = z.object({
  char: z.string(),
  code_point: z.string(),
  count: z.number(),
  first_index: z.number(),
  replacement: z.string().optional(),
});

export const PreviewSchema = z
  .object({
    text: z.string(),
    sample: z.boolean().openapi({
      description:
        "True without customer_id: rendered for a made-up member, with the template's declared sample values and the variables given",
    }),
    kind,
    locale: z.string(),
    template: z.object({
      origin: z.enum(["tenant", "default", "inline"]),
      key: z.string().nullable(),
      template_id: z.string().nullable(),
      version: z.string().nullable(),
    }),
    encoding: z.enum(["GSM-7", "UCS-2"]),
    characters: z.number(),
    units: z.number(),
    segments: z.number(),
    per_segment: z.number(),
    counting,
    ucs2_culprits: z.array(Culprit),
    signature_added: z.boolean(),
    signature: z.string().nullable().openapi({ description: "The signature added, as it is for this locale" }),
    opt_out_hint_added: z.boolean(),
    smart_replaced: z.array(z.object({ from: z.string(), to: z.string(), count: z.number() })),
    links: z.object({ found: z.number(), tracked: z.boolean() }).openapi({
      description:
        "Links in the text, and whether they become tracked short links (the text and segments above count the short link)",
    }),
    cost: z.object({
      currency: z.string(),
      basis: z.enum(["pay_per_segment", "package_overage"]),
      price_per_segment: z.number(),
      per_message: z.number(),
    }),
    audience: z
      .object({
        customers: z.number(),
        rendered: z.number(),
        failed: z.number(),
        failures: z.array(z.object({ reason: z.string(), count: z.number(), example_customer_id: z.string() })),
        segments: z.number(),
        cost: z.number(),
        by_segments: z.record(z.string(), z.number()),
      })
      .optional(),
    provider: z
      .object({
        channel_id: z.string(),
        channel: z.string(),
        provider: z.string(),
        bound: z.boolean().openapi({ description: "False: no binding, so nothing is sent on this channel" }),
        provider_template: z.string().optional(),
        provider_kind: z.enum(["notification", "marketing", "verification"]).nullable().optional(),
        approval: z
          .object({ status: z.string(), detail: z.string().nullable(), checked_at: z.string().nullable() })
          .optional(),
        provider_text: z.string().nullable().optional(),
        text: z.string().nullable().optional().openapi({
          description:
            "What the phone shows: 【signature】 and the approved text with these values (null until approvals are checked)",
        }),
        characters: z.number().nullable().optional(),
        segments: z.number().nullable().optional(),
        per_segment: z.number().nullable().optional(),
        counting: z.literal("cn_carrier").optional(),
        params: z
          .array(
            z.object({ name: z.string(), value: z.string(), characters: z.number(), limit: z.number().nullable() }),
          )
          .optional(),
        lint: z
          .array(
            z.object({
              code: z.string(),
              message: z.string(),
              param: z.string().optional(),
              characters: z.number().optional(),
              limit: z.number().optional(),
            }),
          )
          .optional(),
        error: z.string().optional(),
        cost: z
          .object({
            currency: z.string(),
            basis: z.enum(["pay_per_segment", "package_overage"]),
            price_per_segment: z.number(),
            per_message: z.number(),
          })
          .optional(),
      })
      .optional()
      .openapi({
        description:
          "On an Aliyun or Tencent channel: what the provider sends instead of `text` (its approved template with the bound values), and what it would refuse",
      }),
    warnings: z.array(Warning),
  })
  .openapi("Preview");

export const LintInputSchema = z
  .strictObject({
    source,
    kind: kind.default("notification"),
    locale: localeField.optional(),
    variables: variables.optional(),
  })
  .openapi("LintInput");

export const LintSchema = z
  .object({
    valid: z.boolean(),
    errors: z.array(
      z.object({
        kind: z.string(),
        message: z.string(),
        line: z.number().optional(),
        column: z.number().optional(),
        helper: z.string().optional(),
        variable: z.string().optional(),
      }),
    ),
    variables: z.array(z.string()),
    helpers: z.array(z.string()),
    warnings: z.array(Warning),
    sample: PreviewSchema.pick({ text: true, encoding: true, segments: true, characters: true }).optional(),
  })
  .openapi("Lint");
