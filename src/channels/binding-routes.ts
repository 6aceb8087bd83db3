// Routes for template bindings on a channel: PUT one (create or replace), list, delete.
import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, jsonBody, jsonContent, noContent, z } from "../http/openapi";
import { localeField } from "../lib/validators";
import { libraryOf } from "../templates/library";
import { checkApprovals, deleteBinding, listBindings, putBinding } from "./bindings";

const tags = ["Channels"];

const Params = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
  key: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/, "must be a template key (lowercase letters, digits and _)")
    .openapi({ param: { name: "key", in: "path" } }),
  locale: localeField.openapi({ param: { name: "locale", in: "path" } }),
});

const BindingInputSchema = z
  .strictObject({
    provider_template: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_]{1,40}$/, "must be the provider's template code (SMS_123456789, 1110001)"),
    params: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[A-Za-z0-9_]{1,40}$/, "must be the parameter's name in the provider template"),
          value: z.string().max(500).openapi({ example: "{{customer.name}}" }),
        }),
      )
      .max(20)
      .openapi({
        description:
          "In the provider template's order (Tencent takes them by position, Aliyun by name); each value a Handlebars expression over the message's values",
      }),
  })
  .openapi("TemplateBindingInput");

const BindingSchema = z
  .object({
    channel_id: z.string(),
    template_key: z.string(),
    locale: z.string(),
    provider_template: z.string(),
    params: z.array(z.object({ name: z.string(), value: z.string() })),
    approval: z.object({
      status: z.enum(["unknown", "approved", "pending", "rejected", "missing"]),
      detail: z.string().nullable(),
      checked_at: z.string().nullable(),
    }),
    provider_text: z.string().nullable().openapi({
      description: "The provider template's text as it approved it, read when approvals are checked",
    }),
    provider_kind: z.enum(["notification", "marketing", "verification"]).nullable(),
    lint: z.array(z.object({ code: z.string(), param: z.string().optional() })).openapi({
      description:
        "What the provider would refuse, from the binding alone: provider_text_unknown, param_missing, param_unused, unsubscribe_hint_missing",
    }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("TemplateBinding");

export const bindingRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "put",
      path: "/v1/channels/{id}/templates/{key}/{locale}",
      tags,
      summary: "Bind a template in one language to the provider's approved template on this channel",
      description:
        "Aliyun and Tencent send only templates they approved: a message on such a channel is sent as the bound provider template with its parameters rendered, and refused before any call when there is no binding.",
      scope: "admin",
      request: { params: Params, body: jsonBody(BindingInputSchema) },
      responses: { 200: jsonContent(BindingSchema, "The binding") },
    }),
    async (c) => {
      const p = c.req.valid("param");
      const ctx = { ...ctxOf(c), library: libraryOf(c.get("deps")) };
      return c.json(await putBinding(ctx, p.id, p.key, p.locale, c.req.valid("json")), 200);
    },
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/channels/{id}/templates",
      tags,
      summary: "The templates bound on this channel",
      scope: "read",
      request: { params: Params.pick({ id: true }) },
      responses: { 200: jsonContent(z.object({ data: z.array(BindingSchema) }), "Bindings") },
    }),
    async (c) => {
      const ctx = { ...ctxOf(c), library: libraryOf(c.get("deps")) };
      return c.json(await listBindings(ctx, c.req.valid("param").id), 200);
    },
  )
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/channels/{id}/templates/check",
      tags,
      summary: "Ask the provider whether each bound template is approved, and record it",
      description:
        "A campaign on such a channel is scheduled only when every binding of its template was found approved; a message bound to a rejected or missing template is skipped (`template_not_approved`). 409 when the provider does not answer.",
      scope: "admin",
      request: { params: Params.pick({ id: true }) },
      responses: { 200: jsonContent(z.object({ data: z.array(BindingSchema) }), "Bindings with their approval") },
    }),
    async (c) => {
      const ctx = { ...ctxOf(c), providers: c.get("deps").providers, library: libraryOf(c.get("deps")) };
      return c.json(await checkApprovals(ctx, c.req.valid("param").id), 200);
    },
  )
  .openapi(
    apiRoute({
      method: "delete",
      path: "/v1/channels/{id}/templates/{key}/{locale}",
      tags,
      summary: "Remove a binding: the template is no longer sent on this channel",
      scope: "admin",
      request: { params: Params },
      responses: { 204: { description: "Removed" } },
    }),
    async (c) => {
      const p = c.req.valid("param");
      await deleteBinding(ctxOf(c), p.id, p.key, p.locale);
      return noContent(c);
    },
  );
