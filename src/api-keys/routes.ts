import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent, z } from "../http/openapi";
import { createKey, listKeys, revokeKey } from "./service";

const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ example: "tid_Ab3dE9xZ" }),
    scope: z.enum(["admin", "write", "read"]),
    created_at: z.string(),
    revoked_at: z.string().nullable(),
  })
  .openapi("ApiKey");

const CreatedKeySchema = ApiKeySchema.extend({
  key: z.string().openapi({ description: "The key text. Shown once; store it now." }),
}).openapi("CreatedApiKey");

const CreateKeySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scope: z.enum(["admin", "write", "read"]),
  })
  .openapi("CreateApiKey");

const IdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) });

export const apiKeyRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/api-keys",
      tags: ["API keys"],
      summary: "List the workspace's API keys",
      scope: "admin",
      responses: { 200: jsonContent(z.object({ data: z.array(ApiKeySchema) }), "Keys, newest first") },
    }),
    async (c) => c.json({ data: await listKeys(ctxOf(c)) }, 200),
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/api-keys",
      tags: ["API keys"],
      summary: "Create an API key",
      scope: "admin",
      request: { body: jsonBody(CreateKeySchema) },
      responses: { 201: jsonContent(CreatedKeySchema, "The new key, with its text shown once") },
    }),
    async (c) => c.json(await createKey(ctxOf(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute({
      method: "delete",
      path: "/v1/api-keys/{id}",
      tags: ["API keys"],
      summary: "Revoke an API key",
      scope: "admin",
      request: { params: IdParam },
      responses: { 200: jsonContent(ApiKeySchema, "The revoked key") },
    }),
    async (c) => c.json(await revokeKey(ctxOf(c), c.req.valid("param").id), 200),
  );
