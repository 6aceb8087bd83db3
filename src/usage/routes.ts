import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonContent, z } from "../http/openapi";
import { PlanSchema } from "../tenants/schemas";
import { usage } from "./service";

const UsageSchema = z
  .object({
    month: z.string(),
    plan: PlanSchema,
    messages_sent: z.number(),
    proactive_segments: z.number(),
    reply_segments: z
      .number()
      .openapi({ description: "Replies to a customer's own message: free, outside the allowance" }),
    allowance_segments: z.number().nullable(),
    allowance_used: z.number().nullable(),
    overage_segments: z.number().nullable(),
    cap: z.object({ monthly_segments: z.number(), remaining: z.number() }).nullable(),
    cost: z.object({ currency: z.string(), fee: z.number(), segments: z.number(), total: z.number() }),
    by_day: z.array(
      z.object({
        date: z.string(),
        proactive_segments: z.number(),
        reply_segments: z.number(),
        messages: z.number(),
        cost: z.number(),
      }),
    ),
  })
  .openapi("Usage");

export const usageRoutes = createRouter().openapi(
  apiRoute({
    method: "get",
    path: "/v1/usage",
    tags: ["Usage"],
    summary: "Segments and cost for a month, by day in the workspace's time zone",
    description: "The quota check at send time counts the same proactive segments.",
    scope: "read",
    request: {
      query: z.object({
        month: z.string().optional().openapi({ example: "2026-11", description: "YYYY-MM; this month by default" }),
      }),
    },
    responses: { 200: jsonContent(UsageSchema, "The month's usage") },
  }),
  async (c) => c.json(await usage(ctxOf(c), c.req.valid("query").month), 200),
);
