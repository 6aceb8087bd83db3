import { refreshAndRetime } from "../campaigns/retime";
import { ITEM_KINDS } from "../db/schema";
import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonContent, z } from "../http/openapi";
import { NotFoundError } from "../lib/errors";
import { hhmmField } from "../lib/validators";
import { channelMix } from "./channels";
import { histogramSvg } from "./chart";
import { controlGroupReport } from "./control";
import { deliveryReport } from "./delivery";
import { timingFitness } from "./fitness";
import { summary } from "./summary";

const tags = ["Reports"];
const kind = z.enum(ITEM_KINDS).default("card");
const quantile = z.coerce.number().min(0.5).max(0.99).default(0.8);
const instant = z.iso.datetime({ offset: true });

/** Activations by channel over a span: counts and shares of the total. */
const MixSchema = z.object({
  total: z.number(),
  counts: z.record(z.string(), z.number()),
  shares: z.record(z.string(), z.number()),
});

const HistogramSchema = z.array(z.object({ day: z.number(), count: z.number(), cumulative_share: z.number() }));
const CellSchema = z.object({
  courier: z.string().openapi({ description: "'' = all couriers" }),
  region: z.string().openapi({ description: "'' = all regions" }),
  samples: z.number(),
  proxy_samples: z.number().openapi({ description: "Samples from shipped-to-activation, with no delivery date" }),
  quantiles: z.record(z.string(), z.object({ days: z.number().nullable(), hours: z.number().nullable() })),
  histogram: HistogramSchema,
});

const router = createRouter()
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/reports/delivery",
      tags,
      summary: "Lead times per courier and region, and the send day they give",
      description:
        "Per (courier, region) cell with shipments in the model's window: the histogram of lead days (shipped to delivered, or to activation as a marked proxy), p50/p80/p90/p95 in days and hours, samples, and timed_by: the distribution its prompts actually use (its own when it has min_samples, else its courier's, else the workspace's) with the recommended send day at `quantile`. Also the courier and workspace rows. The chart is at /v1/reports/delivery/chart.",
      scope: "read",
      request: { query: z.object({ item_kind: kind, quantile }) },
      responses: {
        200: jsonContent(
          z.object({
            item_kind: z.string(),
            quantile: z.number(),
            refreshed_at: z.string().nullable(),
            window: z.object({ from: z.string().nullable(), days: z.number() }),
            min_samples: z.number(),
            workspace: CellSchema.extend({ recommended_send_day: z.number().nullable() }),
            couriers: z.array(CellSchema.extend({ recommended_send_day: z.number().nullable() })),
            cells: z.array(
              CellSchema.extend({
                shipments: z.number(),
                timed_by: z.object({
                  level: z.string(),
                  courier: z.string(),
                  region: z.string(),
                  samples: z.number(),
                  recommended_send_day: z.number().nullable(),
                }),
              }),
            ),
          }),
          "The model",
        ),
      },
    }),
    async (c) => c.json(await deliveryReport(ctxOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/reports/delivery/chart",
      tags,
      summary: "The lead-day histogram of a cell as an SVG chart",
      description:
        "Bars per lead day, the cumulative share, and the recommended send day as a line. courier and region pick a cell; courier alone its courier row; neither, the workspace.",
      scope: "read",
      request: {
        query: z.object({
          item_kind: kind,
          quantile,
          courier: z.string().max(64).optional(),
          region: z.string().max(64).optional(),
        }),
      },
      responses: { 200: { description: "SVG", content: { "image/svg+xml": { schema: z.string() } } } },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const r = await deliveryReport(ctxOf(c), q);
      const cell =
        q.courier && q.region
          ? r.cells.find((x) => x.courier === q.courier && x.region === q.region)
          : q.courier
            ? r.couriers.find((x) => x.courier === q.courier)
            : r.workspace;
      if (!cell) throw new NotFoundError("cell", [q.courier, q.region].filter(Boolean).join(" / "));
      const day = "timed_by" in cell ? cell.timed_by.recommended_send_day : cell.recommended_send_day;
      const name = q.courier ? [q.courier, q.region].filter(Boolean).join(" / ") : "All shipments";
      const svg = histogramSvg({
        title: `${name}: ${cell.samples} samples`,
        counts: cell.histogram.map((h) => h.count),
        mark: day === null ? undefined : { day, label: `p${Math.round(q.quantile * 100)} send day ${day}` },
      });
      return c.body(svg, 200, { "content-type": "image/svg+xml; charset=utf-8" });
    },
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/reports/delivery/refresh",
      tags,
      summary: "Rebuild the lead-time model now",
      description:
        "Prompts still planned by model-timed campaigns move to the new model's days (retimed: how many). It also rebuilds daily (job lead_times) and before planning when it is over a day old.",
      scope: "write",
      responses: {
        200: jsonContent(
          z.object({ refreshed_at: z.string(), cells: z.number(), samples: z.number(), retimed: z.number() }),
          "Rebuilt",
        ),
      },
    }),
    async (c) => c.json(await refreshAndRetime(ctxOf(c)), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/reports/timing-fitness",
      tags,
      summary: "Was the prompt's timing right? The model against a fixed rule or a campaign",
      description:
        "Over shipments shipped in [from, to): for the model's quantile, a fixed rule (rule_days: day N after shipping) and a campaign's planned first prompts: received_before_send, converted_before_send (too late: they had activated elsewhere), well_timed, the median send day, and the median days the model sends earlier than the rule.",
      scope: "read",
      request: {
        query: z.object({
          item_kind: kind,
          quantile,
          from: instant.optional(),
          to: instant.optional(),
          rule_days: z.coerce.number().int().min(0).max(60).optional(),
          campaign_id: z.string().max(64).optional(),
          delivery_time: hhmmField.optional(),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            item_kind: z.string(),
            from: z.string(),
            to: z.string(),
            delivery_time: z.string(),
            timings: z.array(
              z.object({
                timing: z.string(),
                shipments: z.number(),
                received_before_send: z.number().nullable(),
                converted_before_send: z.number().nullable(),
                well_timed: z.number().nullable(),
                median_send_day: z.number().nullable(),
              }),
            ),
            median_days_saved_vs_rule: z.number().nullable(),
            notes: z.array(z.string()),
          }),
          "Fitness per timing",
        ),
      },
    }),
    async (c) => c.json(await timingFitness(ctxOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/reports/activation-channels",
      tags,
      summary: "Activation channel mix over time, and before/after a date",
      scope: "read",
      request: {
        query: z.object({
          item_kind: kind,
          from: instant.optional(),
          to: instant.optional(),
          bucket: z.enum(["day", "week"]).default("week"),
          compare_at: instant.optional().openapi({ description: "Shares before and after this instant" }),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            item_kind: z.string(),
            from: z.string(),
            to: z.string(),
            bucket: z.string(),
            channels: z.array(z.string()),
            series: z.array(MixSchema.extend({ start: z.string(), end: z.string() })),
            comparison: z
              .object({
                at: z.string(),
                before: MixSchema,
                after: MixSchema,
                change_points: z.record(z.string(), z.number()),
              })
              .nullable(),
          }),
          "The mix",
        ),
      },
    }),
    async (c) => c.json(await channelMix(ctxOf(c), c.req.valid("query")), 200),
  );

const PeriodSchema = z.object({
  from: z.string(),
  to: z.string(),
  sent: z.number(),
  delivered: z.number(),
  failed: z.number().openapi({ description: "failed or undelivered" }),
  delivered_rate: z
    .number()
    .nullable()
    .openapi({ description: "delivered / (delivered + failed); null before any outcome" }),
  segments: z.number(),
  replies: z.number(),
  opt_outs: z.number(),
  cost: z.number(),
});

const GroupSchema = z.object({
  customers: z.number(),
  converted: z.number().openapi({ description: "Did the event in the period" }),
  rate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  sent_marketing: z.number().openapi({ description: "Customers sent any marketing in the period" }),
});

const routerWithControl = router.openapi(
  apiRoute({
    method: "get",
    path: "/v1/reports/control-group",
    scope: "read",
    tags,
    summary: "What all marketing caused: everyone else against the workspace's control group",
    description:
      "Over a calendar year in the workspace's zone (this year so far by default; from when the group was set, if later), the share of the year's control group who did the event against everyone else's, with 95% intervals; the difference with its interval and p-value; `effect`: conversions the year's marketing caused among everyone else and its cost per conversion caused, in words too; and the marketing messages the group held back. 409 when the workspace has no control_group.",
    request: {
      query: z.object({
        event: z
          .string()
          .regex(/^[a-z][a-z0-9_.:-]{0,63}$/, "must be an event type (e.g. visit)")
          .openapi({ example: "visit" }),
        year: z.coerce.number().int().min(2000).max(2100).optional(),
      }),
    },
    responses: {
      200: jsonContent(
        z.object({
          share: z.number(),
          year: z.number(),
          event: z.string(),
          from: z.string(),
          to: z.string(),
          as_of: z.string().openapi({ description: "The report counts what happened up to this moment" }),
          control_group: GroupSchema,
          everyone_else: GroupSchema,
          difference: z
            .object({ difference: z.number(), low: z.number(), high: z.number(), p_value: z.number() })
            .nullable(),
          marketing_cost: z.number(),
          currency: z.string(),
          effect: z.unknown().nullable(),
          messages_held_back: z.number(),
        }),
        "The report",
      ),
    },
  }),
  async (c) => c.json(await controlGroupReport(ctxOf(c), c.req.valid("query")), 200),
);

export const reportRoutes = routerWithControl.openapi(
  apiRoute({
    method: "get",
    path: "/v1/reports/summary",
    scope: "read",
    tags,
    summary: "Today and the last 7 days: sends, delivery, replies, opt-outs, cost; the inbox backlog",
    responses: {
      200: jsonContent(
        z.object({
          time_zone: z.string(),
          currency: z.string(),
          today: PeriodSchema,
          last_7_days: PeriodSchema,
          inbox: z.object({ open: z.number(), overdue: z.number() }),
        }),
        "The summary",
      ),
    },
  }),
  async (c) => c.json(await summary(ctxOf(c)), 200),
);
