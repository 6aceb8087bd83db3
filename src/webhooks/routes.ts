// Provider webhooks: delivery receipts and inbound SMS. No API key: the channel id in the path
// finds the workspace and the provider's signature proves the sender. A forged request is a
// 403 and stores nothing; the same callback twice changes nothing.

import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { channelForWebhook } from "../channels/service";
import { type ChannelRow, PROVIDERS } from "../db/schema";
import type { InboundSms, SmsProvider, StatusUpdate, WebhookRequest } from "../delivery/provider";
import { applyStatusUpdates } from "../delivery/receipts";
import type { Deps } from "../deps";
import { limitBody } from "../http/body-limit";
import type { AppEnv } from "../http/env";
import { createRouter, ErrorSchema } from "../http/openapi";
import { storeInbound } from "../inbound/store";
import { ForbiddenError, MalformedWebhookError, NotFoundError } from "../lib/errors";
import { validationErrorFrom } from "../lib/zod-errors";
import { keepRejectedWebhook } from "./rejected";

const MAX_CHANNEL_ID = 64;
const Params = z.object({
  provider: z.enum(PROVIDERS).openapi({ param: { name: "provider", in: "path" } }),
  channelId: z
    .string()
    .max(MAX_CHANNEL_ID)
    .openapi({ param: { name: "channelId", in: "path" } }),
});
const MAX_BYTES = 64 * 1024;

/** The documentation of a webhook route (registered as docs only: see webhookRoutes). */
function route(kind: "status" | "inbound") {
  return createRoute({
    method: "post",
    path: `/webhooks/{provider}/{channelId}/${kind}`,
    tags: ["Webhooks"],
    summary:
      kind === "status"
        ? "Delivery receipts from a provider"
        : "Inbound SMS from a provider (stored, then handled by the pipeline)",
    description:
      "Signed by the provider (Twilio: X-Twilio-Signature over the public URL and the form fields; simulator: X-Simulator-Signature, HMAC-SHA256 of the body with the channel's secret). Set TIDINGS_PUBLIC_URL to the URL the provider calls.",
    request: { params: Params },
    responses: {
      200: { description: "Accepted (also for a repeat)" },
      400: {
        description:
          "Signed, but the body cannot be read: kept for inspection (GET /v1/channels/{id}/rejected-webhooks)",
        content: { "application/json": { schema: ErrorSchema } },
      },
      403: { description: "Bad signature: nothing stored", content: { "application/json": { schema: ErrorSchema } } },
      404: { description: "No such channel", content: { "application/json": { schema: ErrorSchema } } },
    },
  });
}

/**
 * The path's provider and channel, checked by hand as the schema above would: zod's validator
 * middleware was a tenth of a webhook's cost in bench/ (an async parse and a wrapper per request).
 * Anything that does not pass goes through the schema, for the same 422 as every other route.
 */
function pathOf(c: Context<AppEnv>): z.infer<typeof Params> {
  const path = { provider: c.req.param("provider") ?? "", channelId: c.req.param("channelId") ?? "" };
  if ((PROVIDERS as readonly string[]).includes(path.provider) && path.channelId.length <= MAX_CHANNEL_ID) {
    return path as z.infer<typeof Params>;
  }
  const parsed = Params.safeParse(path);
  if (!parsed.success) throw validationErrorFrom(parsed.error, "path");
  return parsed.data;
}

/** Providers sign the URL they called, which is the public one behind a proxy. */
function signedUrlOf(url: string, publicUrl: string | undefined): string {
  if (!publicUrl) return url;
  const u = new URL(url);
  return `${publicUrl.replace(/\/$/, "")}${u.pathname}${u.search}`;
}

async function verified(c: Context<AppEnv>, provider: string, channelId: string) {
  const deps = c.get("deps");
  const channel = await channelForWebhook(deps.db, deps.clock, provider, channelId);
  if (!channel) throw new NotFoundError("channel", channelId);
  const impl = await deps.providers.forChannel(channel);

  // Headers are read one by name, as the provider asks (copying them all into an object cost
  // about 2 µs of a 60 µs webhook in bench/); the URL is parsed only behind a public URL. (Not a
  // getter: an object literal with an accessor left every request's objects to the old
  // generation, six times the full collections.)
  const req: WebhookRequest = {
    url: signedUrlOf(c.req.url, deps.config.publicUrl),
    headers: c.req.raw.headers,
    body: await c.req.text(),
  };
  if (!(await impl.verifyRequest(req))) throw new ForbiddenError("The webhook signature does not match");
  return { deps, channel, impl, req };
}

/**
 * The error a webhook's parser threw, to throw on: a body that cannot be read is kept first
 * (rejected.ts) and answered 400. (Parsing stays synchronous on the path of every webhook.)
 */
async function unreadable(
  deps: Deps,
  channel: ChannelRow,
  kind: "status" | "inbound",
  req: WebhookRequest,
  e: unknown,
): Promise<unknown> {
  if (e instanceof MalformedWebhookError) await keepRejectedWebhook(deps, channel, kind, req, e.message);
  return e;
}

/** The answer each provider expects (Twilio TwiML, Aliyun and Tencent their own JSON). */
function ok(c: Context<AppEnv>, impl: SmsProvider) {
  const a = impl.webhookAnswer;
  return a ? c.body(a.body, 200, { "content-type": a.type }) : c.json({ ok: true }, 200);
}

export const webhookRoutes = createRouter();
webhookRoutes.openAPIRegistry.registerPath(route("status"));
webhookRoutes.openAPIRegistry.registerPath(route("inbound"));
webhookRoutes
  .post("/webhooks/:provider/:channelId/status", limitBody(MAX_BYTES), async (c) => {
    const { provider, channelId } = pathOf(c);
    const { deps, channel, impl, req } = await verified(c, provider, channelId);
    let updates: StatusUpdate[];
    try {
      updates = impl.parseStatus(req);
    } catch (e) {
      throw await unreadable(deps, channel, "status", req, e);
    }
    await applyStatusUpdates(deps, channel, updates);
    return ok(c, impl);
  })
  .post("/webhooks/:provider/:channelId/inbound", limitBody(MAX_BYTES), async (c) => {
    const { provider, channelId } = pathOf(c);
    const { deps, channel, impl, req } = await verified(c, provider, channelId);
    // Stored first (one insert; a retried webhook carries the same provider id and is ignored),
    // then handled by the pipeline, which the runtime kicks at once.
    let sms: InboundSms[];
    try {
      sms = impl.parseInbound(req);
    } catch (e) {
      throw await unreadable(deps, channel, "inbound", req, e);
    }
    const raw = () => req.body;
    const stored = await (deps.storeInbound
      ? deps.storeInbound(channel, sms, raw)
      : storeInbound(deps, channel, sms, raw));
    if (stored > 0) deps.onInboundReceived?.();
    return ok(c, impl);
  });
