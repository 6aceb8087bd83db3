import { z } from "@hono/zod-openapi";
import { CAMPAIGN_STATUSES } from "../db/schema";
import { FilterSchema } from "../groups/schemas";
import { timeZoneField } from "../lib/validators";

const ref = z.string().min(1).max(64);

export const AudienceSchema = z
  .strictObject({
    groups: z.array(ref).max(50).optional().openapi({ description: "Static groups or segments, by id or code" }),
    customers: z.array(ref).max(10_000).optional(),
    filter: FilterSchema.optional(),
    exclude_groups: z.array(ref).max(50).optional(),
  })
  .refine((a) => (a.groups?.length ?? 0) + (a.customers?.length ?? 0) > 0 || a.filter !== undefined, {
    message: "name at least one of groups, customers or filter",
  })
  .openapi("Audience");

export const CampaignCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(["broadcast", "recurring"]),
    cron: z.string().max(100).optional().openapi({
      description:
        "recurring: minute hour day month weekday, on the wall clock of time_zone (0 10 * * 1#1 = first Monday, 10:00)",
      example: "0 10 * * 1#1",
    }),
    time_zone: timeZoneField
      .optional()
      .openapi({ description: "recurring: the zone the cron is read in (default: the workspace's)" }),
    template: z.string().max(64).openapi({ description: "Template key, resolved in each customer's locale" }),
    variables: z.record(z.string().max(100), z.unknown()).default({}),
    message_kind: z
      .enum(["notification", "marketing"])
      .optional()
      .openapi({ description: "Defaults to the template's" }),
    audience: AudienceSchema,
    send_at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: "When; as soon as it is scheduled if omitted" }),
    valid_for_hours: z
      .number()
      .min(1)
      .max(24 * 30)
      .optional()
      .openapi({ description: "Not sent later than this after send_at" }),
    channel_id: z.string().max(64).optional(),
  })
  .openapi("CampaignCreate");
export type CampaignCreate = z.infer<typeof CampaignCreateSchema>;

export const CampaignPatchSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    variables: z.record(z.string().max(100), z.unknown()),
    audience: AudienceSchema,
    send_at: z.iso.datetime({ offset: true }),
  })
  .partial()
  .openapi("CampaignPatch", { description: "Only a draft can be edited" });
export type CampaignPatch = z.infer<typeof CampaignPatchSchema>;

export const ScheduleSchema = z
  .strictObject({
    confirm_audience: z.number().int().min(0).optional().openapi({
      description: "Required when the audience is over the fan-out guard: the count you saw in the preview",
    }),
  })
  .openapi("CampaignSchedule");

export const CampaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    template: z.string(),
    variables: z.record(z.string(), z.unknown()),
    message_kind: z.enum(["notification", "marketing"]),
    audience: z.unknown(),
    cron: z.string().nullable(),
    time_zone: z.string().nullable(),
    channel_id: z.string().nullable(),
    next_occurrence_at: z.string().nullable(),
    valid_for_hours: z.number().nullable(),
    planned: z.number(),
    reason: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Campaign");

export const StatsSchema = z
  .object({
    planned: z.number(),
    by_status: z.record(z.string(), z.number()),
    by_reason: z.record(z.string(), z.number()),
    delivered_rate: z.number().nullable(),
    segments: z.number(),
    cost: z.number(),
    currency: z.string().nullable(),
  })
  .openapi("CampaignStats");

export const ForecastSchema = z
  .object({
    campaign_id: z.string(),
    days: z.number(),
    occurrences: z.array(
      z.object({
        at: z.string(),
        audience: z.number(),
        sending: z.number(),
        excluded: z.record(z.string(), z.number()),
        segments: z.number(),
        cost: z.number(),
        currency: z.string(),
        estimated: z.boolean(),
        render_errors: z.array(z.object({ reason: z.string(), in_sample: z.number() })),
        send_times: z.array(
          z.object({
            time_zone: z.string(),
            customers: z.number(),
            utc: z.string(),
            local: z.string(),
            held_for_quiet_hours: z.boolean().optional(),
          }),
        ),
      }),
    ),
  })
  .openapi("CampaignForecast");
