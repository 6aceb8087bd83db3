import { z } from "@hono/zod-openapi";
import { ComposeSettingsSchema } from "../compose/settings";
import { InboundSettingsSchema } from "../inbound/settings";
import { countryField, hhmmField, localeField, slugField, timeZoneField } from "../lib/validators";
import { DeliveryModelSettingsSchema } from "../shipments/settings";

const money = z.number().min(0).max(1_000_000);
const currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as CNY");

export const PlanSchema = z
  .discriminatedUnion("type", [
    z.strictObject({
      type: z.literal("pay_per_segment"),
      currency,
      price_per_segment: money,
    }),
    z.strictObject({
      type: z.literal("package"),
      currency,
      monthly_fee: money,
      allowance_segments: z.number().int().min(0),
      overage_price_per_segment: money,
    }),
  ])
  .openapi("Plan", {
    example: {
      type: "package",
      currency: "CNY",
      monthly_fee: 49,
      allowance_segments: 600,
      overage_price_per_segment: 0.1,
    },
  });

export const QuietHoursSchema = z
  .strictObject({ start: hhmmField, end: hhmmField })
  .refine((q) => q.start !== q.end, { message: "start and end must differ" })
  .openapi("QuietHours", { example: { start: "21:00", end: "08:00" } });

export const TiersSchema = z
  .array(slugField)
  .min(1)
  .max(20)
  .refine((t) => new Set(t).size === t.length, { message: "must not repeat a tier" });

export const TenantInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  slug: slugField,
  default_country: countryField,
  time_zone: timeZoneField,
  locale: localeField,
  brand_signature: z.string().max(40).default(""),
  quiet_hours: QuietHoursSchema.nullable().default({ start: "21:00", end: "08:00" }),
  tiers: TiersSchema.default(["ordinary", "silver", "gold", "diamond"]),
  plan: PlanSchema.default({ type: "pay_per_segment", currency: "CNY", price_per_segment: 0.1 }),
  compose: ComposeSettingsSchema.default({}),
});
export type TenantInput = z.input<typeof TenantInputSchema>;

export const TenantPatchSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    default_country: countryField,
    time_zone: timeZoneField,
    locale: localeField,
    brand_signature: z.string().max(40),
    quiet_hours: QuietHoursSchema.nullable(),
    tiers: TiersSchema,
    plan: PlanSchema,
    compose: ComposeSettingsSchema,
    frequency_cap: z
      .strictObject({ messages: z.number().int().min(1).max(100), days: z.number().int().min(1).max(365) })
      .nullable()
      .openapi({
        description:
          "At most `messages` marketing messages per customer in any `days` days; one over it waits until it fits (or is skipped if its validity ends first)",
        example: { messages: 2, days: 7 },
      }),
    control_group: z
      .strictObject({ share: z.number().min(0.01).max(0.2) })
      .nullable()
      .openapi({
        description:
          "A share of customers (1% to 20%) who get no marketing at all (notifications still go), chosen again each calendar year in the workspace's zone; GET /v1/reports/control-group compares them with everyone else. null: none",
        example: { share: 0.05 },
      }),
    monthly_segment_cap: z.number().int().min(0).max(1_000_000_000).nullable().openapi({
      description: "Proactive segments allowed per month; sends beyond it are skipped (over_quota). null: no cap",
    }),
    inbound: InboundSettingsSchema,
    delivery_model: DeliveryModelSettingsSchema.openapi({
      description: "The lead-time model: min_samples per cell (30), window_days (90), proxy_max_days (14)",
    }),
  })
  .partial()
  .openapi("TenantPatch");
export type TenantPatch = z.infer<typeof TenantPatchSchema>;

export const TenantSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    default_country: z.string(),
    time_zone: z.string(),
    locale: z.string(),
    brand_signature: z.string(),
    quiet_hours: QuietHoursSchema.nullable(),
    tiers: z.array(z.string()),
    plan: PlanSchema.openapi({ description: "The plan in force this month" }),
    pending_plan: z
      .object({ effective_month: z.string(), plan: PlanSchema })
      .nullable()
      .openapi({ description: "A plan change that takes effect on the 1st of effective_month" }),
    compose: ComposeSettingsSchema.required(),
    monthly_segment_cap: z.number().nullable(),
    frequency_cap: z.object({ messages: z.number(), days: z.number() }).nullable(),
    control_group: z
      .object({ share: z.number(), since: z.string().openapi({ description: "When this share was set" }) })
      .nullable(),
    inbound: InboundSettingsSchema.required(),
    delivery_model: DeliveryModelSettingsSchema.required(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Tenant");
