import { createRoute, OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { Context, Handler, MiddlewareHandler, TypedResponse } from "hono";
import type { Router } from "hono/router";
import type { RouterRoute } from "hono/types";
import type { Scope } from "../auth/scope";
import { validationErrorFrom } from "../lib/zod-errors";
import { requireScope } from "./auth";
import type { AppEnv } from "./env";

const TARGET_NAMES: Record<string, string> = { json: "body", query: "query", param: "path" };

export function createRouter(router?: Router<[Handler, RouterRoute]>) {
  return new OpenAPIHono<AppEnv>({
    ...(router ? { router } : {}),
    defaultHook: (result) => {
      if (!result.success) throw validationErrorFrom(result.error, TARGET_NAMES[result.target]);
    },
  });
}

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "validation_failed" }),
      message: z.string(),
      details: z.unknown().optional(),
      requestId: z.string(),
    }),
  })
  .openapi("Error");

const ERROR_DESCRIPTIONS = {
  400: "Malformed request (e.g. invalid JSON)",
  401: "Missing or invalid API key",
  403: "The key's scope does not allow this",
  404: "Not found (or owned by another workspace)",
  409: "Conflict with the current state",
  413: "Body too large",
  415: "Unsupported content type",
  422: "Validation failed; details name each field and why",
} as const;

export function errorResponses(codes: (keyof typeof ERROR_DESCRIPTIONS)[]) {
  return Object.fromEntries(
    codes.map((code) => [
      code,
      {
        description: ERROR_DESCRIPTIONS[code],
        content: { "application/json": { schema: ErrorSchema } },
      },
    ]),
  );
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { "application/json": { schema } } };
}

/** An authenticated /v1 route: declares its scope, bearer security and the standard errors. */
export function apiRoute<const R extends RouteConfig & { scope: Scope }>(config: R) {
  const { scope, ...rest } = config;
  const who = scope === "read" ? " (or higher)" : scope === "write" ? " or `admin`" : "";
  return createRoute({
    ...rest,
    security: [{ bearer: [] }],
    description: `${rest.description ?? ""}\n\nRequires a key with scope \`${scope}\`${who}.`.trim(),
    middleware: [requireScope(scope)] as MiddlewareHandler[],
    responses: {
      ...errorResponses([400, 401, 403, 404, 409, 413, 415, 422]),
      ...rest.responses,
    },
  });
}

// zod-openapi types a response declared without content as TypedResponse<{}>; c.body(null)
// is typed with null data, so the one cast lives here.
// biome-ignore lint/complexity/noBannedTypes: the exact type zod-openapi expects
type Empty = {};

/** A 204 typed the way route handlers expect for a response declared without content. */
export function noContent(c: Context): TypedResponse<Empty, 204, string> {
  return c.body(null, 204) as unknown as TypedResponse<Empty, 204, string>;
}

export { z };
