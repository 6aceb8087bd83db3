import type { Context } from "hono";
import { ctxOf } from "../http/auth";
import type { AppEnv } from "../http/env";
import { apiRoute, createRouter, jsonBody, jsonContent, noContent, z } from "../http/openapi";
import { listRejectedWebhooks } from "../webhooks/rejected";
import { ChannelCreateSchema, ChannelPatchSchema, ChannelSchema, RejectedWebhookListSchema } from "./schemas";
import { archiveChannel, type ChannelEnv, createChannel, getChannel, listChannels, updateChannel } from "./service";

const tags = ["Channels"];
const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

function env(c: Context<AppEnv>): ChannelEnv {
  const deps = c.get("deps");
  return {
    ...ctxOf(c),
    secretKey: deps.secretKey,
    publicUrl: deps.config.publicUrl,
    showKeys: c.get("auth").scope === "admin",
    supports: (p) => deps.providers.supports(p),
  };
}

export const channelRoutes = createRouter()
  .openapi(
    apiRoute({
      method: "post",
      path: "/v1/channels",
      tags,
      summary: "Add a channel: a provider, its credentials (write-only, encrypted at rest) and a rate limit",
      description:
        "The first channel becomes the default. Point the provider's status and inbound webhooks at the `webhooks` URLs in the answer.",
      scope: "admin",
      request: { body: jsonBody(ChannelCreateSchema) },
      responses: { 201: jsonContent(ChannelSchema, "The channel, without its credentials") },
    }),
    async (c) => c.json(await createChannel(env(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/channels",
      tags,
      summary: "List channels",
      scope: "read",
      responses: { 200: jsonContent(z.object({ data: z.array(ChannelSchema) }), "Channels") },
    }),
    async (c) => c.json(await listChannels(env(c)), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/channels/{id}",
      tags,
      summary: "Get a channel",
      scope: "read",
      request: { params: IdParam },
      responses: { 200: jsonContent(ChannelSchema, "The channel") },
    }),
    async (c) => c.json(await getChannel(env(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute({
      method: "get",
      path: "/v1/channels/{id}/rejected-webhooks",
      tags,
      summary: "Webhooks the provider signed but whose body could not be read (the latest 50, kept 30 days)",
      description:
        "Each was answered 400 so the provider does not retry it forever; the body is as it came. Admin only: bodies may hold phone numbers and texts.",
      scope: "admin",
      request: { params: IdParam },
      responses: { 200: jsonContent(RejectedWebhookListSchema, "Rejected webhooks, newest first") },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      await getChannel(env(c), id);
      return c.json(await listRejectedWebhooks(ctxOf(c), id), 200);
    },
  )
  .openapi(
    apiRoute({
      method: "patch",
      path: "/v1/channels/{id}",
      tags,
      summary: "Change a channel (new credentials replace the old; `default: true` makes it the default)",
      scope: "admin",
      request: { params: IdParam, body: jsonBody(ChannelPatchSchema) },
      responses: { 200: jsonContent(ChannelSchema, "The channel") },
    }),
    async (c) => c.json(await updateChannel(env(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute({
      method: "delete",
      path: "/v1/channels/{id}",
      tags,
      summary: "Archive a channel",
      scope: "admin",
      request: { params: IdParam },
      responses: { 204: { description: "Archived" } },
    }),
    async (c) => {
      await archiveChannel(ctxOf(c), c.req.valid("param").id);
      return noContent(c);
    },
  );
