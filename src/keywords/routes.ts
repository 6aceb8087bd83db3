import type { Context } from "hono";
import { ctxOf } from "../http/auth";
import type { AppEnv } from "../http/env";
import { apiRoute, createRouter, jsonBody, jsonContent, noContent, z } from "../http/openapi";
import { libraryOf } from "../templates/library";
import { KeywordCreateSchema, KeywordPatchSchema, KeywordSchema, KeywordStatsQuery } from "./schemas";
import {
  createKeyword,
  deleteKeyword,
  getKeyword,
  type KeywordEnv,
  keywordStats,
  listKeywords,
  updateKeyword,
} from "./service";

const tags = ["Keywords"];
const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

function env(c: Context<AppEnv>): KeywordEnv {
  return { ...ctxOf(c), library: libraryOf(c.get("deps")) };
}

const StatsSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    interval: z.string(),
    keywords: z.array(
      z.object({
        keyword_id: z.string(),
        name: z.string().nullable(),
        uses: z.number(),
        successes: z.number(),
        failures: z.number(),
        periods: z.array(z.unknown()),
      }),
    ),
    inbound: z.number(),
    unmatched: z.number(),
    unmatched_rate: z.number().nullable(),
    periods: z.array(z.unknown()),
  })
  .openapi("KeywordStats");

export const keywordRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/keywords",
      tags,
      summary: "List keywords",
      scope: "read",
      responses: { 200: jsonContent(z.object({ data: z.array(KeywordSchema) }), "Keywords") },
    }),
    async (c) => c.json(await listKeywords(ctxOf(c)), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/keywords",
      tags,
      summary: "Create a keyword",
      description:
        "Words are matched after full-width and case folding. A keyword that would catch an opt-out, opt-in or help word, or overlaps another keyword, is a 409 naming the conflict. `preset: card_activation` gives ACT/激活 + last 4 digits.",
      scope: "write",
      request: { body: jsonBody(KeywordCreateSchema) },
      responses: { 201: jsonContent(KeywordSchema, "The new keyword") },
    }),
    async (c) => c.json(await createKeyword(env(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/keywords/stats",
      tags,
      summary: "Keyword analytics: uses, successes, failures per period, and the unmatched rate",
      scope: "read",
      request: { query: KeywordStatsQuery },
      responses: { 200: jsonContent(StatsSchema, "Analytics (UTC periods)") },
    }),
    async (c) => c.json(await keywordStats(ctxOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/keywords/{id}",
      tags,
      summary: "Get a keyword",
      scope: "read",
      request: { params: IdParam },
      responses: { 200: jsonContent(KeywordSchema, "The keyword") },
    }),
    async (c) => c.json(await getKeyword(ctxOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "patch",
      path: "/v1/keywords/{id}",
      tags,
      summary: "Update a keyword (checked for conflicts again)",
      scope: "write",
      request: { params: IdParam, body: jsonBody(KeywordPatchSchema) },
      responses: { 200: jsonContent(KeywordSchema, "Updated") },
    }),
    async (c) => c.json(await updateKeyword(env(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "delete",
      path: "/v1/keywords/{id}",
      tags,
      summary: "Delete a keyword (its past uses stay in the inbound log)",
      scope: "write",
      request: { params: IdParam },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await deleteKeyword(ctxOf(c), c.req.valid("param").id);
      return noContent(c);
    },
  );
