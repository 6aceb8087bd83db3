import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent } from "../http/openapi";
import { TenantPatchSchema, TenantSchema } from "./schemas";
import { getTenant, updateTenant } from "./service";

export const tenantRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/tenant",
      tags: ["Workspace"],
      summary: "The workspace this key belongs to",
      scope: "read",
      responses: { 200: jsonContent(TenantSchema, "The workspace") },
    }),
    async (c) => c.json(await getTenant(ctxOf(c)), 200),
  )
  .openapi(
    apiRoute({
      method: "patch",
      path: "/v1/tenant",
      tags: ["Workspace"],
      summary: "Change workspace settings",
      description:
        "A plan change does not apply at once: it is recorded as `pending_plan` and takes effect on the 1st of next month in the workspace's time zone.",
      scope: "admin",
      request: { body: jsonBody(TenantPatchSchema) },
      responses: { 200: jsonContent(TenantSchema, "The updated workspace") },
    }),
    async (c) => c.json(await updateTenant(ctxOf(c), c.req.valid("json")), 200),
  );
