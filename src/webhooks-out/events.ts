// Events for outgoing webhooks, written as rows beside the change they tell of: the one place a
// writer (consent, inbound, messages) turns a change into deliveries.
import type { Ctx } from "../context";
import type { RawStatement } from "../db/client";
import { iso } from "../lib/time";
import { type EventGuard, fanOut } from "./store";

/**
 * The statement that sends an event to the workspace's endpoints that take it, written in the
 * same batch as the change it tells of (outbox first); it writes nothing when nobody listens.
 * The body is fixed here: every attempt sends it as it is.
 */
export function eventStatement(
  ctx: Pick<Ctx, "ids" | "tenantId">,
  type: string,
  data: Record<string, unknown>,
  at: number,
  /** Only while this row still has this status: a change written twice tells of itself once. */
  only?: EventGuard,
): RawStatement {
  const eventId = ctx.ids.next("evt");
  const payload = JSON.stringify({ type, timestamp: iso(at), data });
  return fanOut(ctx.tenantId, eventId, type, payload, at, undefined, only);
}

/** Statuses integrators are told of (waiting again, `queued`, is not news). */
const TOLD = new Set(["sent", "delivered", "undelivered", "failed", "skipped", "expired", "unknown"]);

/**
 * A message's new status, for integrators: only while the message still has the status the
 * change moves it from (the dispatcher's `sending`, a receipt's last status).
 */
export function messageStatusEvent(
  ctx: Pick<Ctx, "ids" | "tenantId">,
  m: { id: string; customerId: string; campaignId: string | null; kind: string },
  from: string,
  to: { status: string; reason?: string | null; providerRef?: string | null; segments?: number | null },
  at: number,
): RawStatement | null {
  if (!TOLD.has(to.status)) return null;
  return eventStatement(
    ctx,
    "message.status",
    {
      message_id: m.id,
      customer_id: m.customerId,
      campaign_id: m.campaignId,
      kind: m.kind,
      status: to.status,
      previous: from,
      reason: to.reason ?? null,
      provider_ref: to.providerRef ?? null,
      segments: to.segments ?? null,
      at: iso(at),
    },
    at,
    { table: "messages", id: m.id, status: from },
  );
}

/**
 * A campaign's start (scheduled: it is live) or completion, for integrators: only while the
 * campaign still has the status the change moves it from.
 */
export function campaignEvent(
  ctx: Pick<Ctx, "ids" | "tenantId">,
  type: "campaign.started" | "campaign.completed",
  c: { id: string; name: string; kind: string; planned: number },
  from: string,
  at: number,
  extra: Record<string, unknown> = {},
  /** What else the change requires of the campaign (completing: nothing left to send). */
  also?: string,
): RawStatement {
  return eventStatement(
    ctx,
    type,
    { campaign_id: c.id, name: c.name, kind: c.kind, planned: c.planned, ...extra, at: iso(at) },
    at,
    { table: "campaigns", id: c.id, status: from, ...(also ? { also } : {}) },
  );
}
