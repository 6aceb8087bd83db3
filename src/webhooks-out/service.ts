// Outgoing webhooks: the endpoints a workspace subscribes (the one writer of webhook_endpoints),
// the events it is sent (rows of webhook_deliveries, one per endpoint, written with the change
// they tell of), and their delivery log.
import { and, desc, eq, isNull, lt, or, type SQL } from "drizzle-orm";
import type { Ctx } from "../context";
import { type WebhookDeliveryRow, type WebhookEndpointRow, webhookDeliveries, webhookEndpoints } from "../db/schema";
import { ConflictError, NotFoundError, ValidationError } from "../lib/errors";
import { decodeCursor, pageOf } from "../lib/pagination";
import { type SecretKey, seal } from "../lib/secretbox";
import { iso } from "../lib/time";
import { refusedAddress } from "./address";
import { newWebhookSecret } from "./sign";
import { endpointCount, fanOut, PARKED, parkDeliveries, unparkDeliveries } from "./store";

export type EndpointEnv = Ctx & { secretKey: SecretKey; allowPrivate: boolean };

export type EndpointInput = { url: string; events: string[]; active?: boolean };

function view(r: WebhookEndpointRow) {
  return {
    id: r.id,
    url: r.url,
    events: r.events,
    active: r.active,
    disabled_reason: r.disabledReason,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

function deliveryView(r: WebhookDeliveryRow) {
  return {
    id: r.id,
    event_id: r.eventId,
    event_type: r.eventType,
    status: r.status,
    attempts: r.attempts,
    // A delivery waiting for its endpoint to be turned on has no time.
    next_attempt_at: r.status === "pending" && r.nextAttemptAt < PARKED ? iso(r.nextAttemptAt) : null,
    response_status: r.lastStatus,
    latency_ms: r.lastLatencyMs,
    response: r.lastResponse,
    created_at: iso(r.createdAt),
    delivered_at: r.deliveredAt === null ? null : iso(r.deliveredAt),
  };
}

function checkUrl(env: EndpointEnv, url: string) {
  const why = refusedAddress(url, env.allowPrivate);
  if (why) throw ValidationError.field("url", why, "url_refused");
}

async function row(ctx: Ctx, id: string) {
  const r = await ctx.db.orm
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, ctx.tenantId), eq(webhookEndpoints.id, id)))
    .get();
  if (!r) throw new NotFoundError("webhook", id);
  return r;
}

/** A new endpoint; its secret is in this answer and never again. */
export async function createEndpoint(env: EndpointEnv, input: EndpointInput) {
  checkUrl(env, input.url);
  if ((await endpointCount(env.db, env.tenantId)) >= 20)
    throw new ConflictError("A workspace has at most 20 webhooks", { reason: "too_many" });
  const secret = newWebhookSecret();
  const now = env.clock.now().getTime();
  const id = env.ids.next("whk");
  await env.db.batch([
    env.db.orm.insert(webhookEndpoints).values({
      id,
      tenantId: env.tenantId,
      url: input.url,
      events: [...new Set(input.events)],
      active: input.active ?? true,
      secret: await seal(env.secretKey, secret),
      createdAt: now,
      updatedAt: now,
    }),
  ]);
  return { ...view(await row(env, id)), secret };
}

export async function listEndpoints(ctx: Ctx) {
  const rows = await ctx.db.orm
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.tenantId, ctx.tenantId))
    .orderBy(webhookEndpoints.id)
    .all();
  return { data: rows.map(view) };
}

export async function getEndpoint(ctx: Ctx, id: string) {
  return view(await row(ctx, id));
}

export async function updateEndpoint(env: EndpointEnv, id: string, patch: Partial<EndpointInput>) {
  await row(env, id);
  if (patch.url !== undefined) checkUrl(env, patch.url);
  await env.db.batch([
    env.db.orm
      .update(webhookEndpoints)
      .set({
        ...(patch.url !== undefined && { url: patch.url }),
        ...(patch.events !== undefined && { events: [...new Set(patch.events)] }),
        // Turned on again by a person: Tidings' reason for turning it off no longer holds.
        ...(patch.active !== undefined && { active: patch.active, disabledReason: null }),
        updatedAt: env.clock.now().getTime(),
      })
      .where(and(eq(webhookEndpoints.tenantId, env.tenantId), eq(webhookEndpoints.id, id))),
    ...(patch.active === false ? [parkDeliveries(env.tenantId, id)] : []),
    ...(patch.active === true ? [unparkDeliveries(env.tenantId, id, env.clock.now().getTime())] : []),
  ]);
  return getEndpoint(env, id);
}

export async function deleteEndpoint(ctx: Ctx, id: string) {
  await row(ctx, id);
  await ctx.db.batch([
    ctx.db.orm
      .delete(webhookDeliveries)
      .where(and(eq(webhookDeliveries.tenantId, ctx.tenantId), eq(webhookDeliveries.endpointId, id))),
    ctx.db.orm
      .delete(webhookEndpoints)
      .where(and(eq(webhookEndpoints.tenantId, ctx.tenantId), eq(webhookEndpoints.id, id))),
  ]);
}

/** A test event for one endpoint (even one turned off), to see it arrive and verify its signature. */
export async function sendTestEvent(ctx: Ctx, id: string) {
  const endpoint = await row(ctx, id);
  const now = ctx.clock.now().getTime();
  const eventId = ctx.ids.next("evt");
  const data = { webhook_id: endpoint.id, message: "A test from Tidings" };
  const payload = JSON.stringify({ type: "webhook.test", timestamp: iso(now), data });
  await ctx.db.batch([fanOut(ctx.tenantId, eventId, "webhook.test", payload, now, id)]);
  return { event_id: eventId, delivery_id: `${eventId}.${id}` };
}

/** A delivery's id is its event's and its endpoint's: evt_….whk_…. */
const DELIVERY_ID = /^evt_[0-9A-Z]{26}\.whk_[0-9A-Z]{26}$/;

export async function listDeliveries(ctx: Ctx, id: string, q: { limit: number; cursor?: string | undefined }) {
  await row(ctx, id);
  const where: (SQL | undefined)[] = [
    eq(webhookDeliveries.tenantId, ctx.tenantId),
    eq(webhookDeliveries.endpointId, id),
  ];
  if (q.cursor) where.push(lt(webhookDeliveries.id, decodeCursor(q.cursor, DELIVERY_ID)));
  const rows = await ctx.db.orm
    .select()
    .from(webhookDeliveries)
    .where(and(...where))
    .orderBy(desc(webhookDeliveries.id))
    .limit(q.limit + 1)
    .all();
  return pageOf(rows, q.limit, deliveryView);
}

/** Sends a delivery again, now (a failed one too, once its endpoint works). */
export async function redeliver(ctx: Ctx, id: string, deliveryId: string) {
  await row(ctx, id);
  const where = and(
    eq(webhookDeliveries.tenantId, ctx.tenantId),
    eq(webhookDeliveries.endpointId, id),
    eq(webhookDeliveries.id, deliveryId),
  );
  const d = await ctx.db.orm.select().from(webhookDeliveries).where(where).get();
  if (!d) throw new NotFoundError("delivery", deliveryId);
  await ctx.db.batch([
    ctx.db.orm
      .update(webhookDeliveries)
      // A fresh run of attempts; one being sent now (its lease live) is left to finish.
      .set({ status: "pending", nextAttemptAt: ctx.clock.now().getTime(), attempts: 0 })
      .where(
        and(
          where,
          or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, ctx.clock.now().getTime())),
        ),
      ),
  ]);
  return deliveryView({ ...d, status: "pending", attempts: 0, nextAttemptAt: ctx.clock.now().getTime() });
}
