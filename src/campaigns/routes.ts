import type { Context } from "hono";
import { ctxOf } from "../http/auth";
import type { AppEnv } from "../http/env";
import { apiRoute, createRouter, jsonBody, jsonContent, noContent, z } from "../http/openapi";
import { libraryOf } from "../templates/library";
import { forecast } from "./forecast";
import {
  CampaignCreateSchema,
  CampaignPatchSchema,
  CampaignSchema,
  ForecastSchema,
  ScheduleSchema,
  StatsSchema,
} from "./schemas";
import {
  audienceCount,
  type CampaignEnv,
  createCampaign,
  deleteDraft,
  duplicateCampaign,
  getCampaign,
  listCampaigns,
  moveCampaign,
  replaceDraft,
  updateCampaign,
} from "./service";
import { campaignStats } from "./stats";

const tags = ["Campaigns"];
const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

function env(c: Context<AppEnv>): CampaignEnv {
  return { ...ctxOf(c), library: libraryOf(c.get("deps")) };
}

function move(action: "pause" | "resume" | "cancel", summary: string) {
  return [
    apiRoute({
      method: "post",
      path: `/v1/campaigns/{id}/${action}`,
      tags,
      summary,
      description: "An illegal move for the campaign's state is a 409 that names the state.",
      scope: "write",
      request: { params: IdParam },
      responses: { 200: jsonContent(CampaignSchema, "The campaign") },
    }),
    async (c: Context<AppEnv>) => {
      const campaign = await moveCampaign(ctxOf(c), c.req.param("id") as string, action);
      if (action === "resume") {
        // Its held messages are due again now, and what the pause kept from planning can be planned.
        c.get("deps").onMessageDue?.();
        c.get("deps").onPlanDue?.();
      }
      return c.json(campaign, 200);
    },
  ] as const;
}

const router = createRouter()
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/campaigns",
      tags,
      summary: "Create a campaign (a draft)",
      scope: "write",
      request: { body: jsonBody(CampaignCreateSchema) },
      responses: { 201: jsonContent(CampaignSchema, "The draft") },
    }),
    async (c) => c.json(await createCampaign(env(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/campaigns",
      tags,
      summary: "List campaigns, newest first",
      scope: "read",
      responses: { 200: jsonContent(z.object({ data: z.array(CampaignSchema) }), "Campaigns") },
    }),
    async (c) => c.json(await listCampaigns(ctxOf(c)), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/campaigns/{id}",
      tags,
      summary: "Get a campaign",
      scope: "read",
      request: {
        params: IdParam,
        query: z.strictObject({
          audience_count: z.enum(["true", "false"]).default("true").openapi({
            description:
              "false: leave out audience_count, which counts the audience now (tens of milliseconds for 100,000 customers)",
          }),
        }),
      },
      responses: {
        200: jsonContent(
          CampaignSchema.extend({ audience_count: z.number().optional() }),
          "The campaign and its audience now",
        ),
      },
    }),
    async (c) => {
      const ctx = ctxOf(c);
      const campaign = await getCampaign(ctx, c.req.valid("param").id);
      if (c.req.valid("query").audience_count === "false") return c.json(campaign, 200);
      return c.json({ ...campaign, audience_count: await audienceCount(ctx, campaign.audience as never) }, 200);
    },
  )
  .openapi(
    apiRoute({
      method: "patch",
      path: "/v1/campaigns/{id}",
      tags,
      summary: "Edit a draft",
      scope: "write",
      request: { params: IdParam, body: jsonBody(CampaignPatchSchema) },
      responses: { 200: jsonContent(CampaignSchema, "The draft") },
    }),
    async (c) => c.json(await updateCampaign(env(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "put",
      path: "/v1/campaigns/{id}",
      tags,
      summary: "Replace a draft's whole definition",
      description: "The body is a create body; only a draft can be replaced (409 otherwise). Its id stays.",
      scope: "write",
      request: { params: IdParam, body: jsonBody(CampaignCreateSchema) },
      responses: { 200: jsonContent(CampaignSchema, "The draft") },
    }),
    async (c) => c.json(await replaceDraft(env(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "delete",
      path: "/v1/campaigns/{id}",
      tags,
      summary: "Delete a draft",
      description: "A campaign that was scheduled keeps its record: cancel it instead (409).",
      scope: "write",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await deleteDraft(ctxOf(c), c.req.valid("param").id);
      return noContent(c);
    },
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/campaigns/{id}/duplicate",
      tags,
      summary: "Copy a campaign as a new draft",
      description: "Any campaign, to run it again or change a copy; the copy is named '<name> (copy)' unless named.",
      scope: "write",
      request: {
        params: IdParam,
        body: jsonBody(z.strictObject({ name: z.string().trim().min(1).max(200).optional() })),
      },
      responses: { 201: jsonContent(CampaignSchema, "The new draft") },
    }),
    async (c) => c.json(await duplicateCampaign(env(c), c.req.valid("param").id, c.req.valid("json").name), 201),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/campaigns/{id}/schedule",
      tags,
      summary: "Schedule a draft",
      description: `An audience over 10,000 customers needs \`confirm_audience\` set to its count (a 409 says the count).`,
      scope: "write",
      request: { params: IdParam, body: jsonBody(ScheduleSchema) },
      responses: { 200: jsonContent(CampaignSchema, "The scheduled campaign") },
    }),
    async (c) => {
      const campaign = await moveCampaign(ctxOf(c), c.req.valid("param").id, "schedule", c.req.valid("json"));
      // On Node, planned at once rather than at the planner's next tick (on Workers, at the next
      // Cron Trigger): a broadcast sent "now" goes now.
      c.get("deps").onPlanDue?.();
      return c.json(campaign, 200);
    },
  )
  .openapi(...move("pause", "Pause: no further sends until resumed"))
  .openapi(...move("resume", "Resume a paused campaign"))
  .openapi(...move("cancel", "Cancel: what is planned and not sent is skipped"))
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/campaigns/{id}/forecast",
      tags,
      summary: "What the next N days of this campaign would send: who, when (in each zone), excluded why, cost",
      description:
        "Counts use the checks the dispatcher makes at send time; segments and cost come from rendering a sample of up to 500 customers (estimated: true when the audience is larger).",
      scope: "read",
      request: {
        params: IdParam,
        query: z.object({ days: z.coerce.number().int().min(1).max(366).default(30) }),
      },
      responses: { 200: jsonContent(ForecastSchema, "Upcoming occurrences") },
    }),
    async (c) => c.json(await forecast(env(c), c.req.valid("param").id, c.req.valid("query").days), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/campaigns/{id}/stats",
      tags,
      summary: "Counts by status and reason, delivered rate, segments and cost",
      scope: "read",
      request: { params: IdParam },
      responses: { 200: jsonContent(StatsSchema, "The campaign's numbers") },
    }),
    async (c) => c.json(await campaignStats(ctxOf(c), c.req.valid("param").id), 200),
  );

export const campaignRoutes = router;
