// The operator's door: creating a workspace and its first admin key over HTTP, for runtimes
// with no CLI at hand (Workers). Off unless an admin token is configured; the token is compared
// in constant time, and the route is outside /v1 (no workspace key can reach it).
import { createRoute, z } from "@hono/zod-openapi";
import { createRouter, errorResponses, jsonBody, jsonContent } from "../http/openapi";
import { NotFoundError, UnauthorizedError } from "../lib/errors";
import { constantTimeEqual } from "../lib/secretbox";
import { TenantInputSchema, TenantSchema } from "./schemas";
import { createTenant } from "./service";

export const adminRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/admin/tenants",
    tags: ["Operator"],
    summary: "Create a workspace and its first admin key (operator token)",
    description:
      "Needs `Authorization: Bearer <TIDINGS_ADMIN_TOKEN>`; without that setting the route does not exist (404). The key is shown once.",
    request: { body: jsonBody(TenantInputSchema) },
    responses: {
      ...errorResponses([401, 404, 409, 413, 422]),
      201: jsonContent(z.object({ tenant: TenantSchema, api_key: z.string() }), "Created"),
    },
  }),
  async (c) => {
    const deps = c.get("deps");
    const token = deps.config.adminToken;
    if (!token) throw new NotFoundError("route", "/admin/tenants");
    const given = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
    if (!constantTimeEqual(given, token)) throw new UnauthorizedError("The operator token is required");
    const { tenant, apiKey } = await createTenant(deps, c.req.valid("json"));
    return c.json({ tenant, api_key: apiKey }, 201);
  },
);
