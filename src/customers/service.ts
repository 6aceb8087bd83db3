import { and, asc, count, desc, eq, gt, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type { CountryCode } from "libphonenumber-js";
import { nudgeDateCampaigns } from "../campaigns/nudge";
import type { Ctx } from "../context";
import type { Statement } from "../db/client";
import { wholeRows } from "../db/rows";
import {
  type CustomerRow,
  consentEvents,
  customers,
  groupMembers,
  messages,
  shipments,
  timelineEntries,
} from "../db/schema";
import { inList } from "../db/sql";
import { hasTag } from "../groups/segment";
import { customerFilterSql, customerMatchSql } from "../groups/service";
import { ConflictError, type ErrorDetail, NotFoundError, ValidationError } from "../lib/errors";
import { decodeCursor, decodeKeyCursor, encodeKeyCursor, pageOf } from "../lib/pagination";
import { normalizePhone, phoneDetail } from "../lib/phone";
import { readHistory } from "../outbox/history";
import { getTenantRow } from "../tenants/store";
import { type ConsentSource, type CustomerInput, emptyRow, type PrepareEnv, prepareCustomer } from "./model";
import {
  attributeStatements,
  findExisting,
  liveCustomerById,
  liveCustomersWhereIn,
  loadPrepareEnv,
  optedOutPhones,
  storedDatesDeleted,
  writeStatements,
} from "./store";
import { forgetTimeline } from "./timeline";
import { toView } from "./view";

export async function getCustomerRow(ctx: Ctx, id: string): Promise<CustomerRow> {
  const row = await liveCustomerById(ctx.db, ctx.tenantId, id);
  if (!row) throw new NotFoundError("customer", id);
  return row;
}

export async function getCustomer(ctx: Ctx, id: string) {
  return toView(await getCustomerRow(ctx, id));
}

function fail(errors: ErrorDetail[]): never {
  throw new ValidationError(`Invalid customer: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, errors);
}

/** The rules for preparing customers, knowing past opt-outs of these E.164 phones (a deleted profile's too). */
export async function prepareEnvFor(ctx: Ctx, consentSource: ConsentSource, phones: string[]): Promise<PrepareEnv> {
  const env = await loadPrepareEnv(ctx, consentSource);
  if (phones.length > 0) {
    const prior = await optedOutPhones(ctx, phones);
    env.priorOptOut = (p) => prior.get(p);
  }
  return env;
}

async function envWithOptOuts(ctx: Ctx, phone: string | undefined, source: ConsentSource): Promise<PrepareEnv> {
  const env = await loadPrepareEnv(ctx, source);
  const parsed = phone === undefined ? null : env.phone(phone);
  return parsed?.ok ? prepareEnvFor(ctx, source, [parsed.e164]) : env;
}

/** Throws 409 when another live customer already has this phone or external id. */
function assertUnique(row: CustomerRow, others: CustomerRow[]) {
  for (const o of others) {
    if (o.id === row.id) continue;
    if (row.phone && o.phone === row.phone) {
      throw new ConflictError(`Another customer already has phone ${row.phone}`, {
        field: "phone",
        customer_id: o.id,
        reason: "taken_customer",
        value: row.phone,
      });
    }
    if (row.externalId && o.externalId === row.externalId) {
      throw new ConflictError(`Another customer already has external id ${row.externalId}`, {
        field: "external_id",
        customer_id: o.id,
        reason: "taken_customer",
        value: row.externalId,
      });
    }
  }
}

/**
 * The statements that store a customer's change (or creation), for callers that write them with
 * statements of their own in one batch (the inbound pipeline). Fails like save() does.
 */
export async function customerChange(
  ctx: Ctx,
  env: PrepareEnv,
  input: CustomerInput,
  base: CustomerRow,
  isNew: boolean,
): Promise<{ row: CustomerRow; changed: string[]; statements: Statement[] }> {
  const prepared = prepareCustomer(input, base, isNew, env);
  if (!prepared.ok) fail(prepared.errors);
  const { row, changed } = prepared.value;
  if (!isNew && changed.length === 0) return { row, changed: [], statements: [] };
  if (isNew || changed.includes("phone") || changed.includes("external_id"))
    assertUnique(row, await findExisting(ctx, row.externalId ? [row.externalId] : [], row.phone ? [row.phone] : []));
  return {
    row,
    changed: prepared.value.changed,
    statements: [
      ...attributeStatements(ctx, prepared.value.newAttributes),
      ...writeStatements(ctx, prepared.value, isNew),
      nudgeDateCampaigns(ctx.tenantId, ctx.clock.now().getTime()),
    ],
  };
}

async function save(ctx: Ctx, env: PrepareEnv, input: CustomerInput, base: CustomerRow, isNew: boolean) {
  const change = await customerChange(ctx, env, input, base, isNew);
  if (change.statements.length > 0) await ctx.db.batch(change.statements);
  return change;
}

export type CustomerRef = {
  customer_id?: string | undefined;
  external_id?: string | undefined;
  phone?: string | undefined;
};

const REF_KEYS = ["customer_id", "external_id", "phone"] as const;

/**
 * The live customer a request names by exactly one of id, external id or phone, each given as
 * non-empty text. An unknown phone is a 404, or, with `prospect`, a new prospect customer.
 */
export async function customerByRef(ctx: Ctx, ref: CustomerRef, opts: { prospect: boolean }): Promise<CustomerRow> {
  const given = REF_KEYS.filter((k) => ref[k] !== undefined);
  if (given.length !== 1) {
    throw new ValidationError("Name the customer once: customer_id, external_id or phone", [
      { path: given[1] ?? "customer_id", message: "give exactly one of customer_id, external_id, phone" },
    ]);
  }
  const key = given[0] as (typeof REF_KEYS)[number];
  const value = ref[key] as string;
  if (value.trim() === "") throw ValidationError.field(key, "must not be empty");
  if (key === "customer_id") return getCustomerRow(ctx, value);
  if (key === "external_id") {
    const [row] = await liveCustomersWhereIn(ctx, customers.externalId, [value]);
    if (!row) throw new NotFoundError("customer with external_id", value);
    return row;
  }
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const phone = normalizePhone(value, tenant.defaultCountry as CountryCode);
  if (!phone.ok) throw new ValidationError(`phone: ${phone.reason}`, [phoneDetail("phone", value, phone)]);
  const [existing] = await findExisting(ctx, [], [phone.e164]);
  if (existing) return existing;
  if (!opts.prospect) throw new NotFoundError("customer with phone", phone.e164);
  const created = await createCustomer(ctx, { phone: phone.e164 });
  return getCustomerRow(ctx, created.id);
}

/** `source` is who the ledger says changed consent: the API, or a person in the console. */
export async function createCustomer(ctx: Ctx, input: CustomerInput, source: ConsentSource = "api") {
  const env = await envWithOptOuts(ctx, input.phone, source);
  const { row } = await save(ctx, env, input, emptyRow(ctx.ids.next("cus"), env, "api"), true);
  return toView(row);
}

/** Create or update by external id, else phone. Sending the same body twice changes nothing. */
export async function upsertCustomer(ctx: Ctx, input: CustomerInput, source: ConsentSource = "api") {
  const env = await envWithOptOuts(ctx, input.phone, source);
  const phone = input.phone === undefined ? null : env.phone(input.phone);
  if (!input.external_id && !phone?.ok) {
    if (phone && !phone.ok) fail([phoneDetail("phone", input.phone ?? "", phone)]);
    fail([{ path: "external_id", message: "an upsert needs external_id or phone to match on" }]);
  }
  const candidates = await findExisting(
    ctx,
    input.external_id ? [input.external_id] : [],
    phone?.ok ? [phone.e164] : [],
  );
  const byExternal = input.external_id ? candidates.find((c) => c.externalId === input.external_id) : undefined;
  const match = byExternal ?? (phone?.ok ? candidates.find((c) => c.phone === phone.e164) : undefined);
  if (!match) {
    const { row } = await save(ctx, env, input, emptyRow(ctx.ids.next("cus"), env, "api"), true);
    return { result: "created" as const, matched_by: null, customer: toView(row) };
  }
  const saved = await save(ctx, env, input, match, false);
  return {
    result: saved.changed.length > 0 ? ("updated" as const) : ("unchanged" as const),
    matched_by: byExternal ? ("external_id" as const) : ("phone" as const),
    customer: toView(saved.row),
  };
}

export async function updateCustomer(ctx: Ctx, id: string, patch: CustomerInput, source: ConsentSource = "api") {
  const base = await getCustomerRow(ctx, id);
  const env = await loadPrepareEnv(ctx, source);
  const { row } = await save(ctx, env, patch, base, false);
  return toView(row);
}

/**
 * Deletes the profile: personal data is cleared and group links, tags and timeline go, but the
 * consent ledger stays (proof of opt-out must outlive the profile).
 */
export async function deleteCustomer(ctx: Ctx, id: string): Promise<void> {
  const row = await getCustomerRow(ctx, id);
  const now = ctx.clock.now().getTime();
  const t = ctx.tenantId;
  await ctx.db.batch([
    ctx.db.orm
      .update(customers)
      .set({
        externalId: null,
        name: null,
        phone: null,
        birthdayYear: null,
        birthdayMonth: null,
        birthdayDay: null,
        birthdayLunar: false,
        tier: null,
        tags: [],
        attributes: {},
        ownerId: null,
        updatedAt: now,
        deletedAt: now,
      })
      .where(and(eq(customers.tenantId, t), eq(customers.id, row.id))),
    ctx.db.orm.delete(groupMembers).where(and(eq(groupMembers.tenantId, t), eq(groupMembers.customerId, row.id))),
    storedDatesDeleted(t, row.id, row.attributes),
    forgetTimeline(t, row.id),
  ]);
}

export type ListQuery = {
  limit: number;
  cursor?: string;
  sort?: "joined" | "newest" | "name";
  total?: boolean;
  filter?: unknown;
  tier?: string[];
  tag?: string;
  group?: string;
  consent?: "subscribed" | "unsubscribed" | "never_asked";
  q?: string;
};

function likeEscape(s: string) {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}

export async function listCustomers(ctx: Ctx, query: ListQuery) {
  const where: (SQL | undefined)[] = [eq(customers.tenantId, ctx.tenantId), isNull(customers.deletedAt)];
  if (query.tier?.length) where.push(inList(customers.tier, query.tier));
  if (query.consent) where.push(eq(customers.consentState, query.consent));
  if (query.tag) {
    where.push(hasTag(customers.tags, query.tag));
  }
  if (query.group) where.push(await customerFilterSql(ctx, query.group));
  if (query.filter !== undefined) where.push(await customerMatchSql(ctx, query.filter));
  if (query.q) {
    const text = `%${likeEscape(query.q.trim())}%`;
    const digits = query.q.replace(/\D/g, "");
    where.push(
      or(
        sql`${customers.name} like ${text} escape '\\'`,
        eq(customers.externalId, query.q.trim()),
        digits.length >= 3 ? sql`${customers.phone} like ${`%${digits}%`}` : undefined,
      ),
    );
  }
  const total =
    query.total === true
      ? ((
          await ctx.db.orm
            .select({ n: count() })
            .from(customers)
            .where(and(...where))
            .get()
        )?.n ?? 0)
      : undefined;
  const sort = query.sort ?? "joined";
  if (query.cursor) where.push(afterCursor(sort, query.cursor));
  const order =
    sort === "name"
      ? [sql`${customers.name} is null`, asc(customers.name), asc(customers.id)]
      : sort === "newest"
        ? [desc(customers.id)]
        : [asc(customers.id)];
  const rows = await wholeRows(
    ctx.db,
    customers,
    ctx.db.orm
      .select()
      .from(customers)
      .where(and(...where))
      .orderBy(...order)
      .limit(query.limit + 1),
  );
  const page = pageOf(rows, query.limit, toView);
  const last = rows.length > query.limit ? rows[query.limit - 1] : undefined;
  const next = sort === "name" && last ? encodeKeyCursor(last.name, last.id) : page.next_cursor;
  return { ...page, next_cursor: next, ...(total !== undefined && { total }) };
}

/** Where the next page starts, in the list's own order (named before unnamed, then by id). */
function afterCursor(sort: "joined" | "newest" | "name", cursor: string): SQL | undefined {
  if (sort === "joined") return gt(customers.id, decodeCursor(cursor));
  if (sort === "newest") return lt(customers.id, decodeCursor(cursor));
  const at = decodeKeyCursor(cursor);
  if (at.key === null) return and(isNull(customers.name), gt(customers.id, at.id));
  return or(
    isNull(customers.name),
    gt(customers.name, at.key),
    and(eq(customers.name, at.key), gt(customers.id, at.id)),
  );
}

/** Adds and removes tags on many customers at once, each through the one writer of a profile. */
export async function tagCustomers(ctx: Ctx, input: { customer_ids: string[]; add: string[]; remove: string[] }) {
  // Every id must be the workspace's before anything changes: a foreign or unknown one is a 404.
  const rows = [];
  for (const id of new Set(input.customer_ids)) rows.push(await getCustomerRow(ctx, id));
  const env = await loadPrepareEnv(ctx, "api");
  let updated = 0;
  for (const row of rows) {
    const tags = [...new Set([...row.tags, ...input.add])].filter((t) => !input.remove.includes(t));
    if (tags.length === row.tags.length && tags.every((t, i) => t === row.tags[i])) continue;
    await save(ctx, env, { tags }, row, false);
    updated++;
  }
  return { updated };
}

/** Everything about a customer in time order: creation, consent changes, group and profile changes. */
/** A customer's shipments as timeline entries: shipped, delivered, activated (and how), returned. */
async function shipmentEntries(ctx: Ctx, customerId: string) {
  const rows = await ctx.db.orm
    .select()
    .from(shipments)
    .where(and(eq(shipments.tenantId, ctx.tenantId), eq(shipments.customerId, customerId)))
    .all();
  return rows.flatMap((s) => {
    const data = {
      shipment_id: s.id,
      item_kind: s.itemKind,
      reference: s.reference,
      courier: s.courier,
      region: s.region,
    };
    const at = (type: string, when: number | null, extra: Record<string, unknown> = {}) =>
      when === null ? [] : [{ at: when, seq: s.id, type, data: { ...data, ...extra } as Record<string, unknown> }];
    return [
      ...at("shipment.shipped", s.shippedAt),
      ...at("shipment.delivered", s.deliveredAt),
      ...at("shipment.converted", s.convertedAt, { channel: s.conversionChannel }),
      ...at("shipment.returned", s.returnedAt),
    ];
  });
}

export async function timeline(ctx: Ctx, id: string) {
  const row = await getCustomerRow(ctx, id);
  const consent = await ctx.db.orm
    .select()
    .from(consentEvents)
    .where(and(eq(consentEvents.tenantId, ctx.tenantId), eq(consentEvents.customerId, id)))
    .all();
  const entries = await ctx.db.orm
    .select()
    .from(timelineEntries)
    .where(and(eq(timelineEntries.tenantId, ctx.tenantId), eq(timelineEntries.customerId, id)))
    .all();
  // Messages out: each status change that took effect (queued, sent, delivered, skipped...).
  const rows = await ctx.db.orm
    .select({
      messageId: messages.id,
      kind: messages.kind,
      template: messages.templateKey,
      text: messages.text,
      current: messages.status,
      dueAt: messages.dueAt,
      history: messages.history,
    })
    .from(messages)
    .where(and(eq(messages.tenantId, ctx.tenantId), eq(messages.customerId, id)))
    .all();
  const sent = rows.flatMap((m) =>
    readHistory(m.history).flatMap((e, i) => {
      if (!e.applied) return [];
      // A message still held says until when: its latest hold is the one in force.
      const holding = m.current === "queued" && e.status === "queued" && e.reason !== null;
      return [{ ...e, i, m, holding }];
    }),
  );
  const lastHold = new Map<string, number>();
  for (const e of sent) if (e.holding) lastHold.set(e.m.messageId, e.i);
  const items = [
    { at: row.createdAt, seq: "", type: "customer.created", data: { source: row.source } as Record<string, unknown> },
    ...sent.map((e) => ({
      at: e.at,
      // Entries of one message in the same millisecond keep their order, after any other entry
      // of that millisecond (a message's change follows what caused it: an opt-out, an event).
      seq: `msg_~${e.m.messageId}:${String(e.i).padStart(4, "0")}`,
      type: `message.${e.status}`,
      data: {
        message_id: e.m.messageId,
        kind: e.m.kind,
        template: e.m.template,
        ...(e.status === "sent" ? { text: e.m.text } : {}),
        ...(e.reason ? { reason: e.reason } : {}),
        ...(lastHold.get(e.m.messageId) === e.i ? { until: new Date(e.m.dueAt).toISOString() } : {}),
      } as Record<string, unknown>,
    })),
    ...consent.map((e) => ({
      at: e.at,
      seq: e.id,
      type: "consent.changed",
      data: { state: e.state, source: e.source, evidence: e.evidence },
    })),
    ...entries.map((e) => ({ at: e.at, seq: e.id, type: e.type, data: e.data ?? {} })),
    ...(await shipmentEntries(ctx, id)),
  ];
  // Ids are time-ordered, so they break ties between entries written in the same millisecond.
  const seq = (s: string) => s.slice(4);
  items.sort((a, b) => a.at - b.at || (seq(a.seq) < seq(b.seq) ? -1 : seq(a.seq) > seq(b.seq) ? 1 : 0));
  return { data: items.map((i) => ({ at: new Date(i.at).toISOString(), type: i.type, data: i.data })) };
}
