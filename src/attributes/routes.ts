import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent, z } from "../http/openapi";
import { listAttributes, putAttribute } from "./service";

const AttributeSchema = z
  .object({
    key: z.string(),
    type: z.enum(["string", "number", "boolean", "date"]),
    label: z.string().nullable(),
    description: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi("AttributeDefinition");

const KeyParam = z.object({
  key: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, "must be lowercase letters, digits and _ (max 40), starting with a letter")
    .openapi({ param: { name: "key", in: "path" }, example: "last_visit" }),
});

const tags = ["Custom attributes"];

export const attributeRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/attributes",
      tags,
      summary: "List custom attribute definitions",
      scope: "read",
      responses: { 200: jsonContent(z.object({ data: z.array(AttributeSchema) }), "Definitions by key") },
    }),
    async (c) => c.json(await listAttributes(ctxOf(c)), 200),
  )
  .openapi(
    apiRoute({
      method: "put",
      path: "/v1/attributes/{key}",
      tags,
      summary: "Define a custom attribute and its type",
      description:
        "Attributes used without a definition are defined from their first value; define them first to be sure of the type (e.g. a member number of digits that must stay a string).",
      scope: "write",
      request: {
        params: KeyParam,
        body: jsonBody(
          z.strictObject({
            type: z.enum(["string", "number", "boolean", "date"]),
            label: z
              .string()
              .trim()
              .max(60)
              .nullable()
              .optional()
              .openapi({ description: "The name people see in the console", example: "Last visit" }),
            description: z.string().max(500).nullable().optional(),
          }),
        ),
      },
      responses: { 200: jsonContent(AttributeSchema, "Updated"), 201: jsonContent(AttributeSchema, "Created") },
    }),
    async (c) => {
      const out = await putAttribute(ctxOf(c), c.req.valid("param").key, c.req.valid("json"));
      return out.created ? c.json(out.view, 201) : c.json(out.view, 200);
    },
  );
