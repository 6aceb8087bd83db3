// Shipments in, outcomes on them: delivered and returned from a courier's feed, converted from
// the conversion event (card.activated) however it arrived (agent, app, an SMS keyword). Bulk
// writes go as one statement over a JSON array (json_each), which is one bind on D1 as well.

import { and, asc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import type { CountryCode } from "libphonenumber-js";
import { nudgeShipmentCampaigns } from "../campaigns/nudge";
import type { Ctx } from "../context";
import { liveCustomersWhereIn } from "../customers/store";
import type { Statement } from "../db/client";
import { prepared } from "../db/prepared";
import { type CustomerRow, customers, type ItemKind, type ShipmentRow, shipments } from "../db/schema";
import { type ErrorDetail, NotFoundError, ValidationError } from "../lib/errors";
import { decodeCursor, pageOf } from "../lib/pagination";
import { normalizePhone } from "../lib/phone";
import { iso } from "../lib/time";
import { skipPending } from "../outbox/moves";
import { getTenantRow } from "../tenants/store";
import { CONVERSION_EVENT } from "./conversion";
import { leadOf } from "./lead";
import { deliverySettings } from "./model";
import type { ShipmentInput, ShipmentUpdate } from "./schemas";
import {
  convertShipment,
  insertShipments,
  type PreparedShipment,
  promptsOfShipment,
  promptsOfShipments,
  type ShipmentOutcomeChange,
  shipmentPrompts,
  shipmentsByExternalId,
  updateShipmentOutcomes,
} from "./store";

const KIND_OF_EVENT = new Map(Object.entries(CONVERSION_EVENT).map(([k, e]) => [e, k as ItemKind]));

/** Timestamps may be a little ahead of our clock, not more. */
const FUTURE_SKEW_MS = 5 * 60_000;

export function shipmentView(s: ShipmentRow) {
  return {
    id: s.id,
    customer_id: s.customerId,
    item_kind: s.itemKind,
    reference: s.reference,
    external_id: s.externalId,
    courier: s.courier,
    region: s.region,
    shipped_at: iso(s.shippedAt),
    promised_days: s.promisedDays,
    delivered_at: iso(s.deliveredAt),
    returned_at: iso(s.returnedAt),
    converted_at: iso(s.convertedAt),
    conversion_channel: s.conversionChannel,
    lead:
      s.leadDays === null || s.leadHours === null || s.leadSource === null
        ? null
        : { days: s.leadDays, hours: s.leadHours, source: s.leadSource },
  };
}

/** A bulk request's row problems as one 422: how many, the first in the message, up to 100 in details. */
function rowErrors(errors: ErrorDetail[], where: string): ValidationError {
  const first = errors[0];
  return new ValidationError(
    `${errors.length} problem${errors.length === 1 ? "" : "s"} in ${where}. First: ${first?.path}: ${first?.message}`,
    errors.slice(0, 100),
  );
}

/**
 * Checks every row and resolves its customer. Returns the rows that are good and, for the
 * others, what is wrong with them (`path(i)` names the row: shipments[3], or a CSV line).
 */
export async function prepareShipments(
  ctx: Ctx,
  inputs: readonly ShipmentInput[],
  path: (i: number) => string,
): Promise<{ rows: (PreparedShipment | null)[]; errors: ErrorDetail[] }> {
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const now = ctx.clock.now().getTime();
  const errors: ErrorDetail[] = [];
  const fail = (i: number, field: string, message: string) => errors.push({ path: `${path(i)}.${field}`, message });
  const phones = inputs.map((s) =>
    s.phone === undefined ? null : normalizePhone(s.phone, tenant.defaultCountry as CountryCode),
  );
  const found = [
    ...(await liveCustomersWhereIn(
      ctx,
      customers.id,
      inputs.flatMap((s) => (s.customer_id ? [s.customer_id] : [])),
    )),
    ...(await liveCustomersWhereIn(
      ctx,
      customers.externalId,
      inputs.flatMap((s) => (s.customer_external_id ? [s.customer_external_id] : [])),
    )),
    ...(await liveCustomersWhereIn(
      ctx,
      customers.phone,
      phones.flatMap((p) => (p?.ok ? [p.e164] : [])),
    )),
  ];
  const byId = new Map(found.map((c) => [c.id, c]));
  const byExternal = new Map(found.filter((c) => c.externalId).map((c) => [c.externalId as string, c]));
  const byPhone = new Map(found.filter((c) => c.phone).map((c) => [c.phone as string, c]));
  const seenExternal = new Map<string, number>();
  const rows = inputs.map((s, i): PreparedShipment | null => {
    const before = errors.length;
    const refs = (["customer_id", "customer_external_id", "phone"] as const).filter((k) => s[k] !== undefined);
    let customer: CustomerRow | undefined;
    if (refs.length !== 1)
      fail(i, refs[1] ?? "customer_id", "give exactly one of customer_id, customer_external_id, phone");
    else if (s.customer_id !== undefined) {
      customer = byId.get(s.customer_id);
      if (!customer) fail(i, "customer_id", `no customer '${s.customer_id}'`);
    } else if (s.customer_external_id !== undefined) {
      customer = byExternal.get(s.customer_external_id);
      if (!customer) fail(i, "customer_external_id", `no customer with external_id '${s.customer_external_id}'`);
    } else {
      const p = phones[i];
      if (p && !p.ok) fail(i, "phone", `'${s.phone}' ${p.reason}`);
      else if (p?.ok) {
        customer = byPhone.get(p.e164);
        if (!customer) fail(i, "phone", `no customer with phone ${p.e164}`);
      }
    }
    const shippedAt = Date.parse(s.shipped_at);
    if (shippedAt > now + FUTURE_SKEW_MS) fail(i, "shipped_at", "is in the future");
    const deliveredAt = s.delivered_at === undefined ? null : Date.parse(s.delivered_at);
    if (deliveredAt !== null && deliveredAt < shippedAt) fail(i, "delivered_at", "is before shipped_at");
    if (deliveredAt !== null && deliveredAt > now + FUTURE_SKEW_MS) fail(i, "delivered_at", "is in the future");
    if (s.external_id !== undefined) {
      const first = seenExternal.get(s.external_id);
      if (first !== undefined) fail(i, "external_id", `'${s.external_id}' is also used by ${path(first)}`);
      else seenExternal.set(s.external_id, i);
    }
    if (errors.length > before || !customer) return null;
    const lead = deliveredAt === null ? null : leadOf(shippedAt, deliveredAt, customer.timeZone);
    return {
      id: ctx.ids.next("shp"),
      customer_id: customer.id,
      item_kind: s.item_kind,
      reference: s.reference ?? null,
      external_id: s.external_id ?? null,
      courier: s.courier,
      region: s.region,
      shipped_at: shippedAt,
      promised_days: s.promised_days ?? null,
      delivered_at: deliveredAt,
      lead_days: lead?.days ?? null,
      lead_hours: lead?.hours ?? null,
    };
  });
  return { rows, errors };
}

/**
 * Writes prepared shipments (one statement) and wakes the after-delivery campaigns. A shipment
 * whose external_id is already stored is left as it is and reported as a duplicate.
 */
export async function writeShipments(ctx: Ctx, rows: PreparedShipment[]) {
  if (rows.length === 0) return { created: 0, duplicates: 0, data: [] };
  const now = ctx.clock.now().getTime();
  await ctx.db.batch([insertShipments(ctx.tenantId, now, rows), nudgeShipmentCampaigns(ctx.tenantId, now)]);
  const externals = rows.flatMap((r) => (r.external_id ? [r.external_id] : []));
  const stored = new Map<string, string>();
  for (let i = 0; i < externals.length; i += 5000) {
    const got = await shipmentsByExternalId(ctx.db, ctx.tenantId, externals.slice(i, i + 5000));
    for (const g of got) stored.set(g.external_id, g.id);
  }
  const data = rows.map((r) => {
    const id = r.external_id ? (stored.get(r.external_id) ?? r.id) : r.id;
    return { id, external_id: r.external_id, duplicate: id !== r.id };
  });
  const duplicates = data.filter((d) => d.duplicate).length;
  return { created: rows.length - duplicates, duplicates, data };
}

/** POST /v1/shipments: all or nothing; a bad row is a 422 naming it and its field. */
export async function createShipments(ctx: Ctx, inputs: ShipmentInput[]) {
  const { rows, errors } = await prepareShipments(ctx, inputs, (i) => `shipments[${i}]`);
  if (errors.length > 0) {
    throw rowErrors(errors, "the shipments; nothing was stored");
  }
  return writeShipments(ctx, rows as PreparedShipment[]);
}

type Target = ShipmentRow & { zone: string };

async function shipmentsByRef(ctx: Ctx, updates: readonly ShipmentUpdate[]): Promise<(Target | undefined)[]> {
  const ids = updates.flatMap((u) => (u.shipment_id ? [u.shipment_id] : []));
  const externals = updates.flatMap((u) => (u.external_id ? [u.external_id] : []));
  const select = async (where: SQL) =>
    ctx.db.orm
      .select({ s: shipments, zone: customers.timeZone })
      .from(shipments)
      .innerJoin(customers, and(eq(customers.tenantId, shipments.tenantId), eq(customers.id, shipments.customerId)))
      .where(and(eq(shipments.tenantId, ctx.tenantId), where))
      .all();
  const found: Target[] = [];
  for (let i = 0; i < ids.length; i += 5000)
    found.push(...(await select(inArray(shipments.id, ids.slice(i, i + 5000)))).map((r) => ({ ...r.s, zone: r.zone })));
  for (let i = 0; i < externals.length; i += 5000)
    found.push(
      ...(await select(inArray(shipments.externalId, externals.slice(i, i + 5000)))).map((r) => ({
        ...r.s,
        zone: r.zone,
      })),
    );
  const byId = new Map(found.map((s) => [s.id, s]));
  const byExternal = new Map(found.filter((s) => s.externalId).map((s) => [s.externalId as string, s]));
  return updates.map((u) => (u.shipment_id ? byId.get(u.shipment_id) : byExternal.get(u.external_id ?? "")));
}

/** What is wrong with one update, as [field, reason], or null. */
function checkUpdate(u: ShipmentUpdate, s: Target | undefined, now: number): [string, string] | null {
  const refs = (["shipment_id", "external_id"] as const).filter((k) => u[k] !== undefined);
  if (refs.length !== 1) return [refs[1] ?? "shipment_id", "give exactly one of shipment_id, external_id"];
  if (!s) return [refs[0] as string, `no shipment '${u.shipment_id ?? u.external_id}'`];
  if (u.delivered_at === undefined && u.returned_at === undefined)
    return ["delivered_at", "give delivered_at or returned_at"];
  for (const field of ["delivered_at", "returned_at"] as const) {
    const text = u[field];
    if (text === undefined) continue;
    const t = Date.parse(text);
    if (t < s.shippedAt) return [field, "is before shipped_at"];
    if (t > now + FUTURE_SKEW_MS) return [field, "is in the future"];
  }
  return null;
}

/**
 * A courier's feed: delivered and returned dates. A delivery date replaces an activation proxy
 * as the lead time; a return skips the shipment's pending prompts. All or nothing.
 */
export async function updateShipments(ctx: Ctx, updates: ShipmentUpdate[]) {
  const now = ctx.clock.now().getTime();
  const targets = await shipmentsByRef(ctx, updates);
  const errors: ErrorDetail[] = [];
  const fail = (i: number, field: string, message: string) => {
    errors.push({ path: `updates[${i}].${field}`, message });
  };
  const changes: ShipmentOutcomeChange[] = [];
  for (const [i, u] of updates.entries()) {
    const problem = checkUpdate(u, targets[i], now);
    if (problem) {
      fail(i, problem[0], problem[1]);
      continue;
    }
    const s = targets[i] as Target;
    const d = u.delivered_at === undefined ? null : Date.parse(u.delivered_at);
    const r = u.returned_at === undefined ? null : Date.parse(u.returned_at);
    const lead = d === null ? null : leadOf(s.shippedAt, d, s.zone);
    changes.push({ id: s.id, d, r, days: lead?.days ?? null, hours: lead?.hours ?? null });
  }
  if (errors.length > 0) throw rowErrors(errors, "the updates; nothing was changed");
  const returned = changes.filter((c) => c.r !== null).map((c) => c.id);
  const statements: Statement[] = [updateShipmentOutcomes(ctx.tenantId, now, changes)];
  if (returned.length > 0) {
    const prompts = promptsOfShipments(ctx.tenantId, returned);
    statements.push(
      ...skipPending(ctx, prompts.where, prompts.params, "shipment_returned", "The shipment was returned to sender"),
    );
  }
  await ctx.db.batch(statements);
  return { updated: changes.length, returned: returned.length };
}

/**
 * The statements that mark a shipment converted when its conversion event comes in (first one
 * wins): which shipment is named by properties shipment_id, reference or last4, else the
 * customer's latest unconverted one of that kind. Without a delivery date, shipped-to-activation
 * becomes the lead time as a proxy, if it is within the workspace's bound. Its pending prompts
 * are skipped as already_converted (and checked again at send time).
 */
export async function conversionStatements(
  ctx: Ctx,
  customer: CustomerRow,
  type: string,
  properties: Record<string, unknown>,
  occurredAt: number,
): Promise<Statement[]> {
  const kind = KIND_OF_EVENT.get(type);
  if (!kind) return [];
  // Built once (db/prepared.ts): building it per event was a quarter of recording one.
  const mine = await prepared(ctx.db, "shipmentsOfCustomer", (orm) =>
    orm
      .select()
      .from(shipments)
      .where(
        and(
          eq(shipments.tenantId, sql.placeholder("tenantId")),
          eq(shipments.customerId, sql.placeholder("customerId")),
          eq(shipments.itemKind, sql.placeholder("kind")),
        ),
      )
      .orderBy(asc(shipments.shippedAt))
      .prepare(),
  ).all({ tenantId: ctx.tenantId, customerId: customer.id, kind });
  const named = [properties.shipment_id, properties.reference, properties.last4]
    .filter((x) => typeof x === "string" || typeof x === "number")
    .map(String);
  const open = mine.filter((s) => s.convertedAt === null && s.shippedAt <= occurredAt + FUTURE_SKEW_MS);
  // A named shipment that is already converted stays so; only an unnamed (or unknown) one
  // falls to the customer's latest open shipment.
  const isNamed = (s: ShipmentRow) => named.includes(s.id) || (s.reference !== null && named.includes(s.reference));
  const target = mine.some(isNamed) ? open.filter(isNamed).at(-1) : open.at(-1);
  if (!target) return [];
  const settings = await deliverySettings(ctx);
  const proxy =
    target.leadSource === null && occurredAt - target.shippedAt <= settings.proxy_max_days * 86_400_000
      ? leadOf(target.shippedAt, Math.max(occurredAt, target.shippedAt), customer.timeZone)
      : null;
  const channel = typeof properties.channel === "string" ? properties.channel.slice(0, 32) : "unknown";
  const convert = convertShipment(ctx.tenantId, target.id, occurredAt, channel, proxy, ctx.clock.now().getTime());
  const prompts = promptsOfShipment(ctx.tenantId, target.id);
  return [
    convert,
    ...skipPending(
      ctx,
      prompts.where,
      prompts.params,
      "already_converted",
      `Already converted (${type} by ${channel}) before it was sent`,
    ),
  ];
}

export async function getShipment(ctx: Ctx, id: string) {
  const s = await ctx.db.orm
    .select()
    .from(shipments)
    .where(and(eq(shipments.tenantId, ctx.tenantId), eq(shipments.id, id)))
    .get();
  if (!s) throw new NotFoundError("shipment", id);
  const prompts = await shipmentPrompts(ctx.db, ctx.tenantId, id);
  return { ...shipmentView(s), prompts: prompts.map((p) => ({ ...p, send_at: iso(p.send_at) })) };
}

export async function listShipments(
  ctx: Ctx,
  q: {
    customer_id?: string | undefined;
    courier?: string | undefined;
    region?: string | undefined;
    item_kind?: ItemKind | undefined;
    limit: number;
    cursor?: string | undefined;
  },
) {
  const where = [eq(shipments.tenantId, ctx.tenantId)];
  if (q.customer_id) where.push(eq(shipments.customerId, q.customer_id));
  if (q.courier) where.push(eq(shipments.courier, q.courier));
  if (q.region) where.push(eq(shipments.region, q.region));
  if (q.item_kind) where.push(eq(shipments.itemKind, q.item_kind));
  if (q.cursor) where.push(gt(shipments.id, decodeCursor(q.cursor)));
  const rows = await ctx.db.orm
    .select()
    .from(shipments)
    .where(and(...where))
    .orderBy(asc(shipments.id))
    .limit(q.limit + 1)
    .all();
  return pageOf(rows, q.limit, shipmentView);
}
