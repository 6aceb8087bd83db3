import { and, eq } from "drizzle-orm";
import { PRIORITY, PRIORITY_NAME } from "../campaigns/service";
import { tooLongFor } from "../channels/limits";
import { channelFor } from "../channels/service";
import { prepareComposer } from "../compose/compose";
import { resolveCompose } from "../compose/settings";
import type { Ctx } from "../context";
import { customerByRef } from "../customers/service";
import { type CustomerRow, campaigns, type MessageRow, messages, timingDecisions } from "../db/schema";
import { sha256Hex } from "../lib/crypto";
import { ConflictError, NotFoundError, ValidationError } from "../lib/errors";
import { decodeCursor, pageOf } from "../lib/pagination";
import { iso } from "../lib/time";
import { enqueueOne } from "../outbox/enqueue";
import { readHistory } from "../outbox/history";
import type { TemplateLibrary } from "../templates/library";
import { checkTemplateKey, localeChain } from "../templates/service";
import { getTenantRow } from "../tenants/store";
import type { MessageCreate } from "./schemas";
import { type ListedMessage, messagePage } from "./store";

export type MessageEnv = Ctx & { library: TemplateLibrary; onDue?: () => void };

export function messageView(m: ListedMessage) {
  return {
    id: m.id,
    customer_id: m.customerId,
    channel_id: m.channelId,
    campaign_id: m.campaignId,
    arm: m.arm,
    kind: m.kind,
    template: m.templateKey,
    template_version: m.templateVersion,
    variables: m.variables,
    priority: PRIORITY_NAME[m.priority] ?? "normal",
    status: m.status,
    reason: m.reason,
    reason_text: m.reasonText,
    to: m.toPhone,
    text: m.text,
    encoding: m.encoding,
    segments: m.segments,
    price: m.price === null ? null : m.price / 1_000_000,
    currency: m.currency,
    is_reply: m.isReply,
    expects: m.expects ?? null,
    attempts: m.attempts,
    send_at: iso(m.sendAt),
    valid_until: iso(m.validUntil),
    next_attempt_at: m.status === "planned" || m.status === "queued" ? iso(m.dueAt) : null,
    provider_ref: m.providerRef,
    created_at: iso(m.createdAt),
    sent_at: iso(m.sentAt),
    delivered_at: iso(m.deliveredAt),
  };
}

/**
 * The customer the message is for; null for a number never seen, which becomes a prospect (so
 * its messages and replies have a home) once the request has passed every check.
 */
async function recipient(ctx: Ctx, input: MessageCreate): Promise<CustomerRow | null> {
  try {
    return await customerByRef(ctx, input, { prospect: false });
  } catch (e) {
    if (e instanceof NotFoundError && input.phone !== undefined) return null;
    throw e;
  }
}

/** Stable JSON (sorted keys) of the request, so the same body hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

async function byIdempotencyKey(ctx: Ctx, key: string) {
  return ctx.db.orm
    .select()
    .from(messages)
    .where(and(eq(messages.tenantId, ctx.tenantId), eq(messages.idempotencyKey, key)))
    .get();
}

function replay(existing: MessageRow, hash: string) {
  if (existing.requestHash !== hash) {
    throw new ConflictError("This Idempotency-Key was used with a different request body", {
      message_id: existing.id,
    });
  }
  return { message: messageView(existing), replayed: true };
}

/**
 * Writes the message to the outbox. Nothing is rendered or checked for consent here: that
 * happens at send time, when the facts are current.
 */
export async function createMessage(env: MessageEnv, input: MessageCreate, idempotencyKey?: string) {
  const hash = await sha256Hex(canonical(input));
  if (idempotencyKey) {
    const existing = await byIdempotencyKey(env, idempotencyKey);
    if (existing) return replay(existing, hash);
  }
  if ((input.template === undefined) === (input.text === undefined)) {
    throw ValidationError.field(input.template ? "text" : "template", "give exactly one of template or text");
  }
  const found = await recipient(env, input);
  const tenant = await getTenantRow(env.db, env.tenantId);
  let kind = input.kind;
  const chain = localeChain(found?.locale ?? null, tenant.locale);
  if (input.template !== undefined) {
    const t = await checkTemplateKey(env, env.library, input.template, chain, "template");
    kind ??= t.kind;
  }
  if (!kind) throw ValidationError.field("kind", "is required with a literal text: notification or marketing");
  const thanks = input.expects?.thanks?.template;
  if (thanks) await checkTemplateKey(env, env.library, thanks, chain, "expects.thanks.template");
  const channel = await channelFor(env, input.channel_id ?? null);
  if (input.text !== undefined && channel) {
    // A literal text is known now: one its channel cannot take is refused now, not at the provider.
    const composed = prepareComposer({
      settings: resolveCompose(tenant.compose),
      signature: tenant.brandSignature,
      kind,
      locale: found?.locale ?? tenant.locale,
      templateSource: input.text,
      counting: channel.counting,
    })(input.text);
    const tooLong = tooLongFor(channel.provider, composed);
    if (tooLong) throw ValidationError.field("text", `is too long as sent (${tooLong})`);
  }
  const now = env.clock.now().getTime();
  const sendAt = input.send_at ? Date.parse(input.send_at) : now;
  const validUntil = input.valid_until ? Date.parse(input.valid_until) : null;
  if (validUntil !== null && validUntil <= Math.max(now, sendAt)) {
    throw ValidationError.field("valid_until", "must be after now and after send_at");
  }
  // Every check passed: only now may a new number become a customer.
  const customer = found ?? (await customerByRef(env, input, { prospect: true }));
  const status = sendAt > now ? "planned" : "queued";
  const id = env.ids.next("msg");
  try {
    await env.db.batch(
      enqueueOne(
        {
          id,
          tenantId: env.tenantId,
          customerId: customer.id,
          channelId: input.channel_id ?? null,
          kind,
          templateKey: input.template ?? null,
          body: input.text ?? null,
          variables: JSON.stringify(input.variables ?? {}),
          isReply: false,
          quietHours: input.quiet_hours ?? kind === "marketing",
          priority: PRIORITY[input.priority ?? "normal"],
          expects: input.expects ?? null,
          status,
          sendAt,
          validUntil,
          dueAt: sendAt,
          idempotencyKey: idempotencyKey ?? null,
          requestHash: idempotencyKey ? hash : null,
          createdAt: now,
          updatedAt: now,
        },
        { detail: null },
      ),
    );
  } catch (e) {
    // Two requests with one key at once: the unique index let one in; answer as it did.
    if (e instanceof ConflictError && idempotencyKey) {
      const existing = await byIdempotencyKey(env, idempotencyKey);
      if (existing) return replay(existing, hash);
    }
    throw e;
  }
  if (status === "queued") env.onDue?.();
  return { message: messageView(await messageRow(env, id)), replayed: false };
}

async function messageRow(ctx: Ctx, id: string): Promise<MessageRow> {
  const m = await ctx.db.orm
    .select()
    .from(messages)
    .where(and(eq(messages.tenantId, ctx.tenantId), eq(messages.id, id)))
    .get();
  if (!m) throw new NotFoundError("message", id);
  return m;
}

export async function getMessage(ctx: Ctx, id: string) {
  const m = await messageRow(ctx, id);
  const entries = readHistory(m.history).map((e) => ({
    at: iso(e.at),
    status: e.status,
    reason: e.reason,
    detail: e.detail,
    applied: e.applied,
  }));
  const timing = await ctx.db.orm
    .select()
    .from(timingDecisions)
    .where(and(eq(timingDecisions.tenantId, ctx.tenantId), eq(timingDecisions.messageId, id)))
    .get();
  return {
    ...messageView(m),
    ...(timing && {
      timing: {
        shipment_id: timing.shipmentId,
        step: timing.step,
        level: timing.level,
        courier: timing.courier,
        region: timing.region,
        quantile: timing.quantile,
        lead_days: timing.leadDays,
        samples: timing.samples,
        send_date: timing.sendDate,
        late: timing.late,
      },
    }),
    history: [...(await plannedEntry(ctx, m)), ...entries],
  };
}

/**
 * Broadcast and recurring planning writes a million rows without a history row each; the first
 * entry is read off the message itself (planned for later, or queued to go at once).
 */
async function plannedEntry(ctx: Ctx, m: MessageRow) {
  if (!m.campaignId) return [];
  const c = await ctx.db.orm
    .select({ name: campaigns.name, kind: campaigns.kind })
    .from(campaigns)
    .where(and(eq(campaigns.tenantId, ctx.tenantId), eq(campaigns.id, m.campaignId)))
    .get();
  if (!c || (c.kind !== "broadcast" && c.kind !== "recurring")) return [];
  return [
    {
      at: iso(m.createdAt),
      status: m.sendAt > m.createdAt ? "planned" : "queued",
      reason: null,
      detail: `Planned by campaign ${c.name}`,
      applied: true,
    },
  ];
}

export async function listMessages(
  ctx: Ctx,
  q: {
    customer_id?: string;
    campaign_id?: string;
    status?: MessageRow["status"];
    from?: string;
    to?: string;
    limit: number;
    cursor?: string;
  },
) {
  const rows = await messagePage(
    ctx.db,
    ctx.tenantId,
    {
      ...(q.customer_id ? { customerId: q.customer_id } : {}),
      ...(q.campaign_id ? { campaignId: q.campaign_id } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.from ? { from: Date.parse(q.from) } : {}),
      ...(q.to ? { to: Date.parse(q.to) } : {}),
      // Newest first; ids are time-ordered, so the cursor is the last id seen.
      ...(q.cursor ? { before: decodeCursor(q.cursor) } : {}),
    },
    q.limit + 1,
  );
  return pageOf(rows, q.limit, messageView);
}
