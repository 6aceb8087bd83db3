// Customer events. One POST records the event and, in the same atomic write: its timeline
// entry, the attributes it moves (a visit moves last_visit), a planned message for every event
// campaign it triggers, and the cancellation of pending messages it cancels (pin.set before the
// PIN guide went out).

import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import { nudgeDateCampaigns } from "../campaigns/nudge";
import { audienceSql, liveCampaigns } from "../campaigns/service";
import { offsetMs } from "../campaigns/slots";
import type { Ctx } from "../context";
import { prepareCustomer } from "../customers/model";
import { customerByRef } from "../customers/service";
import { attributeStatements, loadPrepareEnv, writeStatements } from "../customers/store";
import { timelineEntry } from "../customers/timeline";
import type { Statement } from "../db/client";
import { prepared } from "../db/prepared";
import { type CampaignRow, type CampaignTrigger, type CustomerRow, events, messages } from "../db/schema";
import { ValidationError } from "../lib/errors";
import { decodeCursor, pageOf } from "../lib/pagination";
import { formatCivil, iso, localDate } from "../lib/time";
import { enqueueSelect, fromCampaign } from "../outbox/enqueue";
import { skipPending } from "../outbox/moves";
import { REASONS } from "../outbox/status";
import { conversionStatements } from "../shipments/service";
import { eventStatement } from "../webhooks-out/events";
import type { EventCreate } from "./schemas";
import { campaignPlannedOne, campaignsConvertedBy, countCancelledByEvent, insertEvent, laterEventOf } from "./store";

/** Event types that keep a date attribute up to date (the customer's local date of the latest). */
export const ATTRIBUTE_OF_EVENT: Record<string, string> = {
  visit: "last_visit",
  purchase: "last_purchase",
  "card.activated": "card_activated_on",
};

/** An event may be reported late, but not from the future (a little clock skew is allowed). */
const FUTURE_SKEW_MS = 5 * 60_000;

function view(e: typeof events.$inferSelect) {
  return {
    id: e.id,
    customer_id: e.customerId,
    type: e.type,
    properties: e.properties,
    occurred_at: iso(e.occurredAt),
    received_at: iso(e.receivedAt),
    event_id: e.externalId,
  };
}

async function subject(ctx: Ctx, input: EventCreate): Promise<CustomerRow> {
  return customerByRef(ctx, input, { prospect: false });
}

export async function recordEvent(ctx: Ctx, input: EventCreate) {
  const customer = await subject(ctx, input);
  const now = ctx.clock.now().getTime();
  if (input.event_id) {
    const seen = await prepared(ctx.db, "eventByExternalId", (orm) =>
      orm
        .select()
        .from(events)
        .where(and(eq(events.tenantId, sql.placeholder("tenantId")), eq(events.externalId, sql.placeholder("id"))))
        .prepare(),
    ).get({ tenantId: ctx.tenantId, id: input.event_id });
    if (seen) return { ...view(seen), duplicate: true };
  }
  const occurredAt = input.occurred_at ? Date.parse(input.occurred_at) : now;
  if (occurredAt > now + FUTURE_SKEW_MS) throw ValidationError.field("occurred_at", "is in the future");
  const id = ctx.ids.next("evt");
  const { statements, moved, triggered, cancelling } = await eventPlan(ctx, customer, {
    id,
    type: input.type,
    properties: input.properties,
    occurredAt,
    eventId: input.event_id ?? null,
  });
  await ctx.db.batch(statements);
  // What actually went in (another request with the same event_id may have won the race).
  const row = await prepared(ctx.db, "eventById", (orm) =>
    orm
      .select()
      .from(events)
      .where(and(eq(events.tenantId, sql.placeholder("tenantId")), eq(events.id, sql.placeholder("id"))))
      .prepare(),
  ).get({ tenantId: ctx.tenantId, id });
  if (!row) return { ...(await duplicateOf(ctx, input.event_id)), duplicate: true };
  const cancelled = await countCancelled(ctx, cancelling, customer.id, now);
  // Only the campaigns whose audience took the customer wrote a message; report what is there.
  const written = triggered.length
    ? await ctx.db.orm
        .select({ id: messages.id, status: messages.status })
        .from(messages)
        .where(
          and(
            eq(messages.tenantId, ctx.tenantId),
            inArray(
              messages.id,
              triggered.map((x) => x.message_id),
            ),
          ),
        )
        .all()
    : [];
  const statusOf = new Map(written.map((m) => [m.id, m.status]));
  return {
    ...view(row),
    triggered: triggered
      .filter((x) => statusOf.has(x.message_id))
      .map((x) => ({ ...x, status: statusOf.get(x.message_id) as string })),
    cancelled,
    attributes: moved,
  };
}

export type EventFacts = {
  id: string;
  type: string;
  properties: Record<string, unknown>;
  occurredAt: number;
  /** The sender's id for it: a repeat is stored once. */
  eventId: string | null;
};

/**
 * Everything recording an event writes, as statements for one batch: the event, its timeline
 * entry, the attributes it moves, the shipment it converts, the messages of the event
 * campaigns it triggers and the cancellation of those it cancels. (The click job records a
 * person's first click through here, in the batch that counts it.)
 */
export async function eventPlan(ctx: Ctx, customer: CustomerRow, e: EventFacts) {
  const now = ctx.clock.now().getTime();
  const { id, occurredAt } = e;
  const input = { type: e.type, properties: e.properties, event_id: e.eventId ?? undefined };
  const eventKey = e.eventId ?? id;
  const statements: Statement[] = [
    insertEvent({
      id,
      tenantId: ctx.tenantId,
      customerId: customer.id,
      type: input.type,
      properties: input.properties,
      occurredAt,
      receivedAt: now,
      externalId: input.event_id ?? null,
    }),
    timelineEntry(ctx.ids, ctx.tenantId, customer.id, occurredAt, "event", {
      event_id: id,
      type: input.type,
      properties: input.properties,
    }),
  ];

  // Attributes the event moves, only forward (a late report of an older visit changes nothing).
  const moved: Record<string, string> = {};
  const attribute = ATTRIBUTE_OF_EVENT[input.type];
  if (attribute) {
    const date = formatCivil(localDate(new Date(occurredAt), customer.timeZone));
    const current = customer.attributes[attribute];
    if (typeof current !== "string" || current < date) {
      const env = await loadPrepareEnv(ctx, "api");
      const prepared = prepareCustomer({ attributes: { [attribute]: date } }, customer, false, env);
      if (prepared.ok) {
        moved[attribute] = date;
        statements.push(
          ...attributeStatements(ctx, prepared.value.newAttributes),
          ...writeStatements(ctx, prepared.value, false),
          nudgeDateCampaigns(ctx.tenantId, now),
        );
      }
    }
  }

  // A conversion event (card.activated) closes its shipment: lead-time proxy, prompts skipped.
  const converts = await conversionStatements(ctx, customer, input.type, input.properties, occurredAt);
  statements.push(...converts);

  const live = await liveCampaigns(ctx, "event");
  const triggered: { campaign_id: string; message_id: string; status: string; send_at: string }[] = [];
  for (const c of live) {
    const t = c.trigger as Extract<CampaignTrigger, { type: "event" }>;
    if (t.event !== input.type || c.status === "paused") continue;
    // The event's properties reach the template as {{event.<name>}}.
    const plan = await triggerStatements(ctx, c, t, customer, eventKey, occurredAt, input.properties);
    statements.push(...plan.statements);
    triggered.push({ campaign_id: c.id, message_id: plan.messageId, status: plan.status, send_at: iso(plan.at) });
  }
  const cancelling = live.filter((c) => (c.trigger as { cancel_on?: string[] }).cancel_on?.includes(input.type));
  if (cancelling.length > 0) statements.push(...cancelStatements(ctx, cancelling, customer.id, input.type));
  // A goal first reached after a campaign's message went out, or a shipment the event converts:
  // told to integrators as a conversion (a later visit after a win-back is not another).
  const reached =
    cancelling.length > 0
      ? await campaignsConvertedBy(
          ctx.db,
          ctx.tenantId,
          customer.id,
          cancelling.map((c) => c.id),
          e.type,
          occurredAt,
        )
      : [];
  if (converts.length > 0 || reached.length > 0) {
    statements.push(
      eventStatement(
        ctx,
        "conversion.recorded",
        {
          customer_id: customer.id,
          event: { id, type: e.type, event_id: e.eventId, occurred_at: iso(occurredAt), properties: e.properties },
          campaign_ids: reached.map((r) => r.campaign_id),
          shipment_converted: converts.length > 0,
        },
        now,
      ),
    );
  }
  return { statements, moved, triggered, cancelling };
}

async function duplicateOf(ctx: Ctx, eventId: string | undefined) {
  const seen = eventId
    ? await ctx.db.orm
        .select()
        .from(events)
        .where(and(eq(events.tenantId, ctx.tenantId), eq(events.externalId, eventId)))
        .get()
    : undefined;
  if (!seen) throw new Error("event vanished");
  return view(seen);
}

/**
 * The triggered message, planned at occurred_at + delay for this customer if the campaign's
 * audience takes them. If an event that cancels it already came in after the trigger (events
 * can arrive out of order), it is written as skipped, with the reason.
 */
async function triggerStatements(
  ctx: Ctx,
  c: CampaignRow,
  t: Extract<CampaignTrigger, { type: "event" }>,
  customer: CustomerRow,
  eventKey: string,
  occurredAt: number,
  properties: Record<string, unknown>,
): Promise<{ statements: Statement[]; messageId: string; status: string; at: number }> {
  const now = ctx.clock.now().getTime();
  const at = occurredAt + offsetMs(t.delay);
  const status = at > now ? "planned" : "queued";
  const validUntil = c.validForMs === null ? null : at + c.validForMs;
  const messageId = ctx.ids.next("msg");
  const cond = await audienceSql(ctx, c.audience);
  const cancelledBy = laterEventOf(t.cancel_on, occurredAt);
  const statements: Statement[] = [
    enqueueSelect(
      {
        id: messageId,
        ...fromCampaign(c, { ...c.variables, event: properties }),
        status: sql`case when ${cancelledBy} then 'skipped' else ${status} end`,
        reason: sql`case when ${cancelledBy} then 'cancelled_by_event' end`,
        reasonText: sql`case when ${cancelledBy} then ${REASONS.cancelled_by_event} end`,
        sendAt: at,
        validUntil,
        dueAt: Math.max(at, now),
        idempotencyKey: `cmp:${c.id}:E${eventKey}:${customer.id}`,
        createdAt: now,
        updatedAt: now,
        first: { at: now, detail: `Triggered by ${c.name} on event ${t.event}` },
      },
      sql`from customers c where c.tenant_id = ${ctx.tenantId} and c.id = ${customer.id} and c.deleted_at is null and ${cond}`,
      { once: true },
    ),
    campaignPlannedOne(ctx.tenantId, c.id, messageId, now),
  ];
  return { statements, messageId, status, at };
}

/** The customer's pending messages from campaigns this event type cancels become skipped. */
function cancelStatements(ctx: Ctx, cs: CampaignRow[], customerId: string, type: string): Statement[] {
  return skipPending(
    ctx,
    `tenant_id = ? and customer_id = ? and campaign_id in (${cs.map(() => "?").join(",")})`,
    [ctx.tenantId, customerId, ...cs.map((c) => c.id)],
    "cancelled_by_event",
    `${REASONS.cancelled_by_event} (${type})`,
  );
}

async function countCancelled(ctx: Ctx, cs: CampaignRow[], customerId: string, now: number): Promise<number> {
  if (cs.length === 0) return 0;
  const rows = await countCancelledByEvent(
    ctx.db,
    ctx.tenantId,
    customerId,
    cs.map((c) => c.id),
    now,
  );
  return rows[0]?.n ?? 0;
}

export async function listEvents(
  ctx: Ctx,
  q: { customer_id?: string | undefined; type?: string | undefined; limit: number; cursor?: string | undefined },
) {
  const where = [eq(events.tenantId, ctx.tenantId)];
  if (q.customer_id) where.push(eq(events.customerId, q.customer_id));
  if (q.type) where.push(eq(events.type, q.type));
  if (q.cursor) where.push(lt(events.id, decodeCursor(q.cursor)));
  const rows = await ctx.db.orm
    .select()
    .from(events)
    .where(and(...where))
    .orderBy(desc(events.id))
    .limit(q.limit + 1)
    .all();
  return pageOf(rows, q.limit, view);
}
