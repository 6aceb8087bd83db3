import type { Context } from "hono";
import { ctxOf } from "../http/auth";
import type { AppEnv } from "../http/env";
import { apiRoute, createRouter, jsonBody, jsonContent, noContent, z } from "../http/openapi";
import { libraryOf, type TemplateLibrary } from "./library";
import { lintTemplate, previewTemplate } from "./preview";
import {
  DefaultTemplateSchema,
  LintInputSchema,
  LintSchema,
  PreviewInputSchema,
  PreviewSchema,
  TemplateCreateSchema,
  TemplatePatchSchema,
  TemplateSchema,
  VersionSchema,
} from "./schemas";
import {
  archiveTemplate,
  createTemplate,
  defaultView,
  getTemplate,
  getVersion,
  listTemplates,
  listVersions,
  updateTemplate,
} from "./service";

const tags = ["Templates"];
const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "tpl_01JD0000000000000000000000" }),
});
const VersionParam = IdParam.extend({
  version: z.coerce
    .number()
    .int()
    .min(1)
    .openapi({ param: { name: "version", in: "path" }, example: 2 }),
});
const ListQuery = z.object({
  key: z.string().max(64).optional(),
  locale: z.string().max(35).optional(),
});

function library(c: Context<AppEnv>): TemplateLibrary {
  return libraryOf(c.get("deps"));
}

export const templateRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/templates/defaults",
      tags,
      summary: "The shipped templates (zh-CN and en), to copy or to use by key",
      scope: "read",
      responses: { 200: jsonContent(z.object({ data: z.array(DefaultTemplateSchema) }), "Every shipped template") },
    }),
    async (c) => c.json({ data: library(c).all.map(defaultView) }, 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/templates",
      tags,
      summary: "Create a template (or copy a shipped one)",
      description:
        "One template per key and locale. Sending by key falls back from the customer's locale to the workspace's, then to English; at each step the workspace's own template wins over the shipped one.",
      scope: "write",
      request: { body: jsonBody(TemplateCreateSchema) },
      responses: { 201: jsonContent(TemplateSchema, "The new template, version 1") },
    }),
    async (c) => c.json(await createTemplate(ctxOf(c), library(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/templates",
      tags,
      summary: "List the workspace's templates",
      scope: "read",
      request: { query: ListQuery },
      responses: { 200: jsonContent(z.object({ data: z.array(TemplateSchema) }), "Templates by key and locale") },
    }),
    async (c) => c.json(await listTemplates(ctxOf(c), c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/templates/preview",
      tags,
      summary: "Exactly what a customer will receive: text, encoding, segments, cost, warnings",
      description:
        "Renders a template (inline, by id and version, or by key) for a customer or for sample variables, adds the signature and opt-out hint as sending would, and counts segments. A missing variable or a bad template is a 422 naming the line and column. With `audience`, renders for every member of a group and totals segments and cost.",
      scope: "read",
      request: { body: jsonBody(PreviewInputSchema) },
      responses: { 200: jsonContent(PreviewSchema, "The preview") },
    }),
    async (c) => c.json(await previewTemplate(ctxOf(c), library(c), c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/templates/lint",
      tags,
      summary: "Check a template alone: syntax, helpers, variables, warnings",
      scope: "read",
      request: { body: jsonBody(LintInputSchema) },
      responses: { 200: jsonContent(LintSchema, "valid: false lists the errors with line and column") },
    }),
    async (c) => c.json(await lintTemplate(ctxOf(c), c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/templates/{id}",
      tags,
      summary: "Get a template with its current text",
      scope: "read",
      request: { params: IdParam },
      responses: { 200: jsonContent(TemplateSchema, "The template") },
    }),
    async (c) => c.json(await getTemplate(ctxOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "patch",
      path: "/v1/templates/{id}",
      tags,
      summary: "Edit a template: a new text adds a version",
      scope: "write",
      request: { params: IdParam, body: jsonBody(TemplatePatchSchema) },
      responses: { 200: jsonContent(TemplateSchema, "The template at its new version") },
    }),
    async (c) => c.json(await updateTemplate(ctxOf(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "delete",
      path: "/v1/templates/{id}",
      tags,
      summary: "Archive a template (its versions are kept for the messages that used them)",
      scope: "write",
      request: { params: IdParam },
      responses: { 204: { description: "Archived" } },
    }),
    async (c) => {
      await archiveTemplate(ctxOf(c), c.req.valid("param").id);
      return noContent(c);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/templates/{id}/versions",
      tags,
      summary: "Every version of a template",
      scope: "read",
      request: { params: IdParam },
      responses: { 200: jsonContent(z.object({ data: z.array(VersionSchema) }), "Versions, oldest first") },
    }),
    async (c) => c.json(await listVersions(ctxOf(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/templates/{id}/versions/{version}",
      tags,
      summary: "One version of a template",
      scope: "read",
      request: { params: VersionParam },
      responses: { 200: jsonContent(TemplateSchema, "The template at that version") },
    }),
    async (c) => {
      const { id, version } = c.req.valid("param");
      return c.json(await getVersion(ctxOf(c), id, version), 200);
    },
  );
