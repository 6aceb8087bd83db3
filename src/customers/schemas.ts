import { z } from "@hono/zod-openapi";
import { ImportStopSchema } from "../lib/import-stop";
import { localeField, searchField } from "../lib/validators";
import { parseBirthdayText } from "./model";

const BirthdayObject = z.strictObject({
  year: z.number().int().min(1900).max(2100).nullable().optional(),
  month: z.number().int().min(1).max(12),
  day: z.number().int().min(1).max(31),
  lunar: z.boolean().optional(),
});

const BirthdayField = z
  .union([
    z.string().transform((s, ctx) => {
      const b = parseBirthdayText(s);
      if (!b) {
        ctx.addIssue({ code: "custom", message: "must be YYYY-MM-DD, MM-DD or an object {month, day, year?, lunar?}" });
        return z.NEVER;
      }
      return b;
    }),
    BirthdayObject,
  ])
  .nullable()
  .openapi({
    description:
      'A full date, a month-day ("03-14"), or {month, day, year?, lunar?}; lunar birthdays give the lunar month and day.',
    example: { month: 3, day: 14, year: 1990, lunar: false },
  });

const AttributesField = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).openapi({
  description:
    "Custom attributes. Types come from /v1/attributes; an unknown key is defined from its first value (date for YYYY-MM-DD). null removes a key.",
  example: { last_visit: "2026-10-01", points: 1200 },
});

const ConsentInput = z.strictObject({
  state: z.enum(["subscribed", "unsubscribed", "never_asked"]),
  evidence: z
    .string()
    .max(500)
    .nullable()
    .optional()
    .openapi({ description: "How consent was given, kept in the ledger (e.g. 'signed membership form')" }),
});

const fields = {
  name: z.string().max(200).nullable(),
  phone: z.string().min(1).max(40).openapi({
    description: "E.164, or a national number in the workspace's default country",
    example: "138 0013 8000",
  }),
  external_id: z
    .string()
    .min(1)
    .max(100)
    .nullable()
    .openapi({ description: "Member card or bank customer number, unique in the workspace" }),
  locale: localeField,
  time_zone: z.string().max(64).openapi({ example: "Asia/Shanghai" }),
  birthday: BirthdayField,
  tier: z.string().max(64).nullable(),
  tags: z.array(z.string().max(50)).max(50),
  attributes: AttributesField,
  owner_id: z.string().nullable().openapi({ description: "The staff member who looks after this customer" }),
  consent: ConsentInput,
};

export const CustomerCreateSchema = z
  .strictObject({ ...fields, phone: fields.phone })
  .partial()
  .required({ phone: true })
  .openapi("CustomerCreate");

export const CustomerPatchSchema = z.strictObject(fields).partial().openapi("CustomerPatch");

export const CustomerSchema = z
  .object({
    id: z.string(),
    external_id: z.string().nullable(),
    name: z.string().nullable(),
    phone: z.string().openapi({ example: "+8613800138000" }),
    locale: z.string(),
    time_zone: z.string(),
    birthday: z
      .object({ year: z.number().nullable(), month: z.number(), day: z.number(), lunar: z.boolean() })
      .nullable(),
    tier: z.string().nullable(),
    tags: z.array(z.string()),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    owner_id: z.string().nullable(),
    consent: z.object({
      state: z.enum(["subscribed", "unsubscribed", "never_asked"]),
      source: z.string().nullable(),
      at: z.string().nullable(),
    }),
    source: z.string().openapi({ description: "How the profile was created: api, import, inbound, demo" }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Customer");

export const UpsertResultSchema = z
  .object({
    result: z.enum(["created", "updated", "unchanged"]),
    matched_by: z.enum(["external_id", "phone"]).nullable(),
    customer: CustomerSchema,
  })
  .openapi("CustomerUpsertResult");

const csv = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

export const CustomerListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional().openapi({ description: "next_cursor from the previous page" }),
  tier: z
    .string()
    .max(1000)
    .optional()
    .transform((s, ctx) => {
      // Empty is "not set", as a form leaves it; one that names no tier (" ", ",") would
      // quietly list everyone.
      if (s === undefined || s === "") return undefined;
      const tiers = csv(s);
      if (tiers.length === 0) ctx.addIssue({ code: "custom", message: "Name at least one tier" });
      return tiers;
    })
    .openapi({ description: "One tier or several, comma-separated" }),
  tag: z.string().max(50).optional(),
  group: z
    .string()
    .max(64)
    .optional()
    .openapi({ description: "A group id or two-digit code; for a segment, its current members" }),
  consent: z.enum(["subscribed", "unsubscribed", "never_asked"]).optional(),
  q: searchField.optional().openapi({ description: "Text search on name, phone and external id" }),
  filter: z
    .string()
    .max(8000)
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === "") return undefined;
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "must be a segment filter as JSON" });
        return z.NEVER;
      }
    })
    .openapi({
      description:
        'A segment filter as JSON, as POST /v1/segments/preview takes it: {"field":"tier","op":"eq","value":"gold"}',
    }),
  sort: z
    .enum(["joined", "newest", "name"])
    .default("joined")
    .openapi({ description: "joined: oldest first (the default); newest first; or by name (unnamed last)" }),
  total: z
    .enum(["true", "false"])
    .optional()
    .transform((s) => s === "true")
    .openapi({ description: "true: also count every customer the filters match" }),
});

export const BulkTagsSchema = z
  .strictObject({
    customer_ids: z.array(z.string().max(64)).min(1).max(500),
    add: z.array(z.string().trim().min(1).max(50)).max(10).default([]),
    remove: z.array(z.string().trim().min(1).max(50)).max(10).default([]),
  })
  .refine((b) => b.add.length + b.remove.length > 0, { message: "Give tags to add or remove", path: ["add"] })
  .openapi("CustomerBulkTags");

export const TimelineEntrySchema = z
  .object({
    at: z.string(),
    type: z.string().openapi({ example: "consent.changed" }),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("TimelineEntry");

export const ImportReportSchema = z
  .object({
    complete: z.boolean().openapi({ description: "False when the file was cut short; see stopped" }),
    stopped: ImportStopSchema.nullable(),
    created: z.number(),
    updated: z.number(),
    unchanged: z.number(),
    rejected: z.number(),
    rows: z.number(),
    errors: z.array(z.object({ line: z.number(), column: z.string(), reason: z.string() })),
    errors_truncated: z.boolean(),
    new_attributes: z.array(z.object({ key: z.string(), type: z.string() })),
  })
  .openapi("ImportReport");
