import { z } from "@hono/zod-openapi";
import { CAMPAIGN_STATUSES, ITEM_KINDS } from "../db/schema";
import { FilterSchema } from "../groups/schemas";
import { ExpectationSchema } from "../keywords/schemas";
import { freeformRecord, hhmmField, localeField, timeZoneField } from "../lib/validators";
import { HOLIDAYS } from "./slots";

// Values that differ by the customer's language, laid over `variables` for a customer of that
// language: an English member's offer in English inside the English greeting.
const byLocale = z
  .record(localeField, freeformRecord)
  .refine((v) => Object.keys(v).length <= 10, { message: "at most 10 languages" })
  .openapi({
    description:
      'Values per customer language, e.g. {"en": {"offer": "a free smoothie"}, "zh-CN": {"offer": "鲜榨果汁一杯"}}',
  });

const ref = z.string().min(1).max(64);

export const AudienceSchema = z
  .strictObject({
    all: z.boolean().optional().openapi({ description: "Everyone in the workspace" }),
    groups: z.array(ref).max(50).optional().openapi({ description: "Static groups or segments, by id or code" }),
    customers: z.array(ref).max(10_000).optional(),
    filter: FilterSchema.optional(),
    exclude_groups: z.array(ref).max(50).optional(),
    exclude_marketing_within_days: z.number().int().min(1).max(365).optional().openapi({
      description: "Leave out customers who were sent any marketing message in the last N days",
    }),
  })
  .refine((a) => a.all === true || (a.groups?.length ?? 0) + (a.customers?.length ?? 0) > 0 || a.filter !== undefined, {
    message: "name at least one of all, groups, customers or filter",
  })
  .openapi("Audience");

const OffsetSchema = z
  .strictObject({
    value: z.number().int().min(-100_000).max(100_000),
    unit: z.enum(["minutes", "hours", "days", "weeks"]),
  })
  .openapi("Offset", { description: "Days and weeks move the date; minutes and hours move the time of day" });

const CatchUpSchema = z
  .strictObject({
    policy: z.enum(["send_late", "skip"]),
    within_hours: z.number().min(0).max(168).default(12),
  })
  .openapi("CatchUp", {
    description:
      "A send time that passed before it could be planned (the service was down, or the customer was added after it): sent late if within_hours allows, else skipped with reason missed_send_time",
  });

const eventType = z
  .string()
  .regex(/^[a-z][a-z0-9_.:-]{0,63}$/, "must be lower-case letters, digits and . _ : - (e.g. card.activated)");

const ARM_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$/;
export const ExperimentSchema = z
  .strictObject({
    arms: z
      .array(
        z.strictObject({
          name: z
            .string()
            .regex(ARM_NAME, "must be 1-20 letters, digits, _ or - (e.g. A, B, p80_day)")
            .refine((n) => !["holdout", "rest"].includes(n.toLowerCase()), "holdout and rest are taken"),
          weight: z.number().int().min(1).max(100),
          template: z
            .string()
            .max(64)
            .optional()
            .openapi({ description: "This arm's template key (default: the campaign's)" }),
          variables: freeformRecord.optional().openapi({ description: "Values this arm changes, over the campaign's" }),
          shift_hours: z.number().int().min(-72).max(168).optional().openapi({
            description:
              "This arm's messages go this many hours after (or, after-delivery only, before) the campaign's time: a send-time or day-offset variant. Broadcasts and after-delivery campaigns",
          }),
        }),
      )
      .min(1)
      .max(5)
      .refine((arms) => new Set(arms.map((a) => a.name.toLowerCase())).size === arms.length, "arm names must differ"),
    holdout: z.number().min(0).max(0.5).default(0).openapi({
      description: "Share of the audience held out: planned and followed, never sent (0 to 0.5)",
    }),
    goal: z
      .strictObject({
        event: z.string().regex(/^[a-z][a-z0-9_.:-]{0,63}$/, "must be an event type (e.g. booking)"),
        within_days: z.number().int().min(1).max(90),
      })
      .optional()
      .openapi({
        description:
          "What counts as converting: this event type within this many days of the message (or, in the holdout, of when it would have gone)",
      }),
    rollout: z
      .strictObject({
        test_share: z.number().min(0.05).max(0.5).openapi({
          description: "Share of the audience (beyond the holdout) that gets the test arms first (0.05 to 0.5)",
        }),
        wait_hours: z.number().int().min(1).max(168).openapi({
          description: "How long after the test send the winner is chosen and sent to the rest",
        }),
        metric: z.enum(["clicked", "replied", "converted"]).openapi({
          description: "What the winner is chosen by: opening a tracked link, replying, or the goal (needs goal)",
        }),
        if_unclear: z.enum(["best", "first"]).default("best").openapi({
          description:
            "When no arm is clearly better: send the best-looking arm anyway (best, default) or the first arm (first)",
        }),
      })
      .optional()
      .openapi({
        description:
          "Broadcasts: send the arms to a test share, then after the wait the winning arm to the rest; the decision and its figures are recorded",
      }),
  })
  .refine((x) => x.arms.length > 1 || x.holdout > 0, {
    message: "needs two arms, or one and a holdout",
    path: ["arms"],
  })
  .refine((x) => !x.rollout || x.arms.length > 1, {
    message: "a rollout needs at least two arms to choose from",
    path: ["rollout"],
  })
  .refine((x) => x.rollout?.metric !== "converted" || x.goal, {
    message: "choosing the winner by converted needs a goal",
    path: ["rollout", "metric"],
  })
  .openapi("Experiment", {
    description:
      "Each customer is in one arm, by a hash of their id and the campaign (stable when re-planned); the holdout share is followed but never sent to",
  });

const TrackLinks = z.boolean().nullable().openapi({
  description:
    "Links in its messages become per-recipient short links whose clicks are counted (true), stay as written (false), or follow the workspace's compose.track_links (null, default: marketing tracked)",
});

export const CampaignCreateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(["broadcast", "recurring", "date_relative", "holiday", "event", "after_delivery"]),
    cron: z.string().max(100).optional().openapi({
      description:
        "recurring: minute hour day month weekday, on the wall clock of time_zone (0 10 * * 1#1 = first Monday, 10:00)",
      example: "0 10 * * 1#1",
    }),
    time_zone: timeZoneField
      .optional()
      .openapi({ description: "recurring: the zone the cron is read in (default: the workspace's)" }),
    template: z.string().max(64).openapi({ description: "Template key, resolved in each customer's locale" }),
    variables: freeformRecord.default({}),
    variables_by_locale: byLocale.optional(),
    message_kind: z
      .enum(["notification", "marketing"])
      .optional()
      .openapi({ description: "Defaults to the template's" }),
    audience: AudienceSchema.optional().openapi({
      description: "Required for broadcast and recurring; the others default to everyone in the workspace",
    }),
    send_at: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: "broadcast: when; as soon as it is scheduled if omitted" }),
    anchor: z
      .string()
      .regex(/^(birthday|attributes\.[a-z][a-z0-9_]{0,39})$/, "must be birthday or attributes.<a date attribute>")
      .optional()
      .openapi({
        description:
          "date_relative: the customer date it is relative to. Birthdays are yearly, solar or lunar as each customer's birthday is; 29 Feb is kept on 28 Feb in common years",
        example: "attributes.membership_expiry",
      }),
    yearly: z
      .boolean()
      .optional()
      .openapi({ description: "date_relative on an attribute: every year on its month and day (an anniversary)" }),
    offset: OffsetSchema.optional().openapi({ description: "date_relative: before (negative) or after the date" }),
    delivery_time: hhmmField.optional().openapi({
      description:
        "date_relative, holiday and after_delivery: the local time in each customer's own zone (default 09:00; after_delivery 18:00, when a card that came that day is on the table)",
    }),
    catch_up: CatchUpSchema.optional(),
    holiday: z
      .union([
        z.enum(Object.keys(HOLIDAYS) as [keyof typeof HOLIDAYS, ...(keyof typeof HOLIDAYS)[]]),
        z.strictObject({
          name: z.string().trim().min(1).max(100),
          date: z.string().openapi({ description: "MM-DD every year, or YYYY-MM-DD once" }),
        }),
      ])
      .optional()
      .openapi({
        description:
          "holiday: new_year, spring_festival, dragon_boat, mid_autumn (lunar dates computed each year), or your own date",
      }),
    event: z
      .strictObject({
        type: eventType,
        delay: OffsetSchema.optional(),
        cancel_on: z.array(eventType).max(10).optional().openapi({
          description: "Event types that cancel a pending send for that customer when they arrive first",
        }),
      })
      .optional()
      .openapi({ description: "event: what it fires on, how long after, and what cancels it" }),
    after_delivery: z
      .strictObject({
        item_kind: z.enum(ITEM_KINDS).default("card"),
        quantile: z.number().min(0.5).max(0.99).optional().openapi({
          description:
            "Send on the day by which this share of the shipment's (courier, region) cell had arrived (default 0.8)",
        }),
        fixed_days: z.number().int().min(0).max(60).optional().openapi({
          description: "Instead of the model: a fixed rule, shipped date + this many days (to compare with)",
        }),
        default_days: z.number().int().min(0).max(60).default(3).openapi({
          description: "Lead days while the workspace has no data and the shipment no promised_days",
        }),
        follow_up: z
          .strictObject({
            quantile: z.number().min(0.5).max(0.999).optional().openapi({
              description: "The first follow-up on this later quantile's day (else after_days after the prompt)",
            }),
            after_days: z.number().int().min(1).max(30).default(3),
            max_messages: z.number().int().min(2).max(5).default(2).openapi({
              description: "Prompts per shipment in total, the first included",
            }),
            template: z.string().max(64).optional().openapi({ description: "Default: the campaign's template" }),
          })
          .optional()
          .openapi({ description: "More prompts while the customer has still not converted" }),
      })
      .optional()
      .openapi({
        description:
          "after_delivery: one prompt per shipment of this kind, timed from the lead-time model (see /v1/reports/delivery); skipped at send time if already converted or returned",
      }),
    expires_end_of_local_day: z.boolean().optional().openapi({
      description:
        "date_relative and holiday: a message not sent by the end of the customer's local day expires (default true)",
    }),
    priority: z.enum(["high", "normal", "low"]).optional().openapi({
      description: "Which of the messages due at once go first (default normal)",
    }),
    valid_for_hours: z
      .number()
      .min(1)
      .max(24 * 30)
      .optional()
      .openapi({ description: "Not sent later than this after send_at" }),
    channel_id: z.string().max(64).optional(),
    track_links: TrackLinks.optional(),
    experiment: ExperimentSchema.optional(),
    response: ExpectationSchema.optional().openapi({
      description:
        "The reply its messages ask for (survey 1-5, yes/no, a poll choice): fitting replies become responses, in the stats",
    }),
  })
  .openapi("CampaignCreate");
export type CampaignCreate = z.infer<typeof CampaignCreateSchema>;

export const CampaignPatchSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    variables: freeformRecord,
    variables_by_locale: byLocale.nullable(),
    audience: AudienceSchema,
    send_at: z.iso.datetime({ offset: true }),
    track_links: TrackLinks,
    experiment: ExperimentSchema.nullable().openapi({ description: "The whole experiment, replaced; null: none" }),
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
    variables_by_locale: z.record(z.string(), z.record(z.string(), z.unknown())).nullable(),
    message_kind: z.enum(["notification", "marketing"]),
    audience: z.unknown(),
    cron: z.string().nullable(),
    time_zone: z.string().nullable(),
    trigger: z.unknown().nullable(),
    priority: z.enum(["high", "normal", "low"]),
    expires_end_of_local_day: z.boolean(),
    channel_id: z.string().nullable(),
    next_occurrence_at: z.string().nullable(),
    valid_for_hours: z.number().nullable(),
    track_links: z.boolean().nullable(),
    experiment: ExperimentSchema.nullable(),
    response: z.unknown().nullable(),
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
    replies: z.number().openapi({ description: "Inbound messages attributed to this campaign's messages" }),
    converted: z.number().nullable().openapi({
      description:
        "Reached its goal after a send: after_delivery, shipments activated after their first prompt; event, customers who did a cancel_on event after their first message. null: no goal",
    }),
    waiting: z
      .object({
        messages: z.number(),
        next_at: z.string().nullable(),
        by_reason: z.record(z.string(), z.number()),
      })
      .openapi({
        description:
          "Messages not sent yet: how many, when the first is due, and why those held are held (quiet_hours_deferred, frequency_capped…)",
      }),
    sent_by_hour: z
      .array(z.object({ hour: z.string(), sent: z.number() }))
      .openapi({ description: "Messages sent per UTC hour, the latest 500 hours with sends" }),
    responses: z
      .object({
        question: z.string(),
        type: z.string(),
        respondents: z.number(),
        response_rate: z.number().nullable().openapi({ description: "Respondents / customers sent to" }),
        distribution: z.record(z.string(), z.number()),
        mean: z.number().nullable(),
        top_box_share: z
          .number()
          .nullable()
          .openapi({ description: "Scores: share of respondents who gave the top score (the 5s)" }),
      })
      .nullable(),
    links: z
      .object({
        recipients: z.number().openapi({ description: "Customers sent a tracked link" }),
        clicked: z.number().openapi({ description: "Of them, who clicked (a person, counted once)" }),
        click_rate: z.number(),
        clicks: z.number().openapi({ description: "People's clicks, repeats included" }),
        bot_clicks: z
          .number()
          .openapi({ description: "Link-preview bots, HEAD requests and carriers' scanners: never a click" }),
        by_url: z.array(
          z.object({
            url: z.string(),
            recipients: z.number(),
            clicked: z.number(),
            click_rate: z.number(),
            clicks: z.number(),
          }),
        ),
      })
      .nullable()
      .openapi({ description: "Its tracked short links; null when its messages carried none" }),
    experiment: z.unknown().nullable().openapi({
      description:
        "Per arm (holdout included): audience, sent, delivered, clicked, replied, converted (with a goal), cost, shift_hours and the measure's rate with its 95% interval; each arm against the holdout (with `effect`: conversions caused, per channel, cost per conversion caused) and against every earlier arm: difference, interval, p-value and a verdict in English and Chinese; `rollout`: where a rollout stands or what it chose. null without an experiment",
    }),
  })
  .openapi("CampaignStats");

export const ForecastSchema = z
  .object({
    campaign_id: z.string(),
    days: z.number(),
    note: z.string().optional(),
    arms: z
      .array(z.object({ arm: z.string(), customers: z.number() }))
      .optional()
      .openapi({ description: "An experiment's audience as its arms split it (holdout included)" }),
    warnings: z
      .array(
        z.object({
          code: z.enum(["template_language_missing", "values_language_missing"]),
          locale: z.string(),
          customers: z.number(),
          falls_back_to: z.string().optional(),
        }),
      )
      .openapi({
        description:
          "Customers of a language the template has no text for (they get falls_back_to's), or whose language variables_by_locale leaves out",
      }),
    occurrences: z.array(
      z.object({
        at: z.string(),
        anchor_date: z.string().optional().openapi({ description: "date_relative and holiday: the date it is for" }),
        holiday: z.string().optional(),
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
