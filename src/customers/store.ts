// Writing customers as plain statements: the API, upserts and the bulk import share these,
// and plain SQL with reused statement text keeps imports near SQLite's own speed.
import { eq, sql } from "drizzle-orm";
import type { Ctx } from "../context";
import type { RawStatement, Statement } from "../db/client";
import { prepared } from "../db/prepared";
import { type AttributeType, attributeDefinitions, type CustomerRow, customers, staff } from "../db/schema";
import { isCountry, normalizePhone } from "../lib/phone";
import { getTenantRow } from "../tenants/store";
import { type ConsentChange, consentStatements } from "./consent";
import { type ConsentSource, envFromRules, type Prepared, type PrepareEnv, type PrepareRules } from "./model";
import {
  COLUMN_INDEX,
  COLUMNS,
  type Column,
  INSERT_SQL,
  rowValues,
  type SharedValues,
  sharedInsertSql,
  sharedValue,
  UPDATE_SQL,
} from "./row-values";
import { timelineEntry } from "./timeline";

/**
 * Statements that store a prepared customer, its zone, its dates and its consent change. An
 * import passes the zones it already wrote (each is written once, not once per row) and
 * writes new customers' dates itself, one statement per batch (see newCustomersDates).
 */
export function writeStatements(
  ctx: Ctx,
  p: Prepared,
  isNew: boolean,
  batch?: { zonesWritten: Set<string> },
): RawStatement[] {
  const r = p.row;
  if (isNew) {
    const out = insertStatements(ctx, rowValues(r), p.consent, batch?.zonesWritten);
    if (!batch && Object.keys(r.attributes).length > 0) out.push(newCustomersDates(r.tenantId, [r.id]));
    return out;
  }
  const out: RawStatement[] = [{ sql: UPDATE_SQL, params: [...rowValues(r).slice(2), r.tenantId, r.id] }];
  if (p.changed.includes("time_zone")) addZone(out, r.tenantId, r.timeZone, batch?.zonesWritten);
  out.push(...changedDates(r, p.previousAttributes, p.changed));
  if (p.consent) {
    const before = { ...r, consentState: p.previousConsent };
    out.push(
      ...consentStatements(ctx, before, changeOf(p.consent, r.consentSource, r.consentAt), { profile: "written" }),
    );
  }
  const fields = p.changed.filter((f) => f !== "consent");
  if (fields.length > 0) {
    out.push(timelineEntry(ctx.ids, r.tenantId, r.id, r.updatedAt, "customer.updated", { fields }));
  }
  return out;
}

/**
 * A new customer's insert from its values (row-values.ts), its zone and its consent. An
 * import's rows prepared on the parse thread come here as values completed by
 * completeNewValues, with what they share left null (`shared` says what it is).
 */
export function insertStatements(
  ctx: Ctx,
  values: unknown[],
  consent: Prepared["consent"],
  zonesWritten?: Set<string>,
  shared?: SharedValues,
): RawStatement[] {
  const v = (column: Column) => (shared ? sharedValue(values, shared, column) : values[COLUMN_INDEX[column]]);
  const tenantId = v("tenant_id") as string;
  const out: RawStatement[] = [{ sql: shared ? sharedInsertSql(shared) : INSERT_SQL, params: values }];
  addZone(out, tenantId, v("time_zone") as string, zonesWritten);
  if (consent) {
    const customer = { tenantId, id: v("id") as string, phone: v("phone") as string | null, consentState: null };
    const change = changeOf(consent, v("consent_source") as string | null, v("consent_at") as number | null);
    out.push(...consentStatements(ctx, customer, change, { profile: "written" }));
  }
  return out;
}

/** Records the zone for the workspace, unless this import already did. */
function addZone(out: RawStatement[], tenantId: string, timeZone: string, zonesWritten?: Set<string>) {
  if (zonesWritten?.has(timeZone)) return;
  zonesWritten?.add(timeZone);
  out.push({
    sql: "insert or ignore into tenant_time_zones (tenant_id, time_zone) values (?, ?)",
    params: [tenantId, timeZone],
  });
}

function changeOf(consent: NonNullable<Prepared["consent"]>, source: string | null, at: number | null): ConsentChange {
  return { state: consent.state, source, evidence: consent.evidence, at };
}

// customer_dates indexes the attribute values that are dates (what date campaigns search). The
// rows are read back from the stored attributes, so SQL alone decides what is a date, and a
// batch of new customers is one statement, not one bound insert per date. CROSS JOIN keeps the
// order as written: each id is a lookup by primary key (left to itself SQLite may walk the
// workspace's customers once per id).
const DATES_FROM_STORED = `insert into customer_dates (tenant_id, customer_id, key, month_day, value)
  select c.tenant_id, c.id, j.key, substr(j.value, 6), j.value
    from json_each(?) i cross join customers c on c.id = i.value cross join json_each(c.attributes) j
   where c.tenant_id = ? and j.type = 'text' and j.value glob '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'`;

/** The customer_dates rows of customers just inserted (after their insert, in the same batch). */
export function newCustomersDates(tenantId: string, ids: string[]): RawStatement {
  return { sql: DATES_FROM_STORED, params: [JSON.stringify(ids), tenantId] };
}

// Removes the customer_dates rows that the given stored attribute values (a JSON object) made:
// each a lookup by primary key, so the table needs no second index by customer.
const DATES_OF_VALUES = `delete from customer_dates
  where tenant_id = ? and customer_id = ?
    and (key, month_day, value) in (select key, substr(value, 6), value from json_each(?) where type = 'text')`;

/** Deletes the customer_dates rows of a customer's stored attributes (before they change or go). */
export function storedDatesDeleted(
  tenantId: string,
  customerId: string,
  attributes: Record<string, unknown>,
): RawStatement {
  return { sql: DATES_OF_VALUES, params: [tenantId, customerId, JSON.stringify(attributes)] };
}

/** Replaces an edited customer's customer_dates rows for the attributes that changed. */
function changedDates(r: CustomerRow, previous: CustomerRow["attributes"], changed: string[]): RawStatement[] {
  const keys = changed.filter((f) => f.startsWith("attributes.")).map((f) => f.slice("attributes.".length));
  if (keys.length === 0) return [];
  const before = Object.fromEntries(keys.filter((k) => k in previous).map((k) => [k, previous[k]]));
  return [
    ...(Object.keys(before).length > 0 ? [storedDatesDeleted(r.tenantId, r.id, before)] : []),
    {
      sql: `${DATES_FROM_STORED} and j.key in (select value from json_each(?))`,
      params: [JSON.stringify([r.id]), r.tenantId, JSON.stringify(keys)],
    },
  ];
}

export function attributeStatements(ctx: Ctx, defs: { key: string; type: AttributeType }[]): Statement[] {
  return defs.map((d) => ({
    sql: "insert or ignore into attribute_definitions (tenant_id, key, type, description, created_at) values (?, ?, ?, null, ?)",
    params: [ctx.tenantId, d.key, d.type, ctx.clock.now().getTime()],
  }));
}

/** The tenant's rules for preparing customers, as plain data. */
export async function loadPrepareRules(ctx: Ctx): Promise<PrepareRules> {
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const tenantId = { tenantId: ctx.tenantId };
  const defs = await prepared(ctx.db, "attributeTypes", (orm) =>
    orm
      .select({ key: attributeDefinitions.key, type: attributeDefinitions.type })
      .from(attributeDefinitions)
      .where(eq(attributeDefinitions.tenantId, sql.placeholder("tenantId")))
      .prepare(),
  ).all(tenantId);
  const staffIds = await prepared(ctx.db, "staffIds", (orm) =>
    orm
      .select({ id: staff.id })
      .from(staff)
      .where(eq(staff.tenantId, sql.placeholder("tenantId")))
      .prepare(),
  ).all(tenantId);
  const country = tenant.defaultCountry;
  if (!isCountry(country)) throw new Error(`tenant ${tenant.id} has an invalid country`);
  return {
    tenantId: ctx.tenantId,
    defaultCountry: country,
    defaultTimeZone: tenant.timeZone,
    defaultLocale: tenant.locale,
    tiers: tenant.tiers,
    attributeTypes: defs.map((d) => [d.key, d.type]),
    staffIds: staffIds.map((s) => s.id),
  };
}

/** The tenant's rules for preparing customers, loaded once per request or import. */
export async function loadPrepareEnv(ctx: Ctx, consentSource: ConsentSource): Promise<PrepareEnv> {
  const rules = await loadPrepareRules(ctx);
  const country = rules.defaultCountry;
  return envFromRules(rules, { consentSource, now: ctx.clock.now(), phone: (raw) => normalizePhone(raw, country) });
}

/** Live customers whose id, external id or phone is in the list (an indexed lookup). */
export async function liveCustomersWhereIn(
  ctx: Ctx,
  column: typeof customers.id | typeof customers.externalId | typeof customers.phone,
  values: string[],
): Promise<CustomerRow[]> {
  if (values.length === 0) return [];
  // Raw rows of named columns (a customer is a wide row; making it an object first cost as much
  // again as reading it). One value (a webhook's sender, an API call) is the hot case, compared
  // directly; a list is bound as one JSON value: one statement text per column, prepared once,
  // and no query building (an import looks up thousands of rows a second this way).
  const name = column.name as LookupColumn;
  const rows =
    values.length === 1
      ? await ctx.db.rawRows(LIVE_WHERE_EQ[name], [ctx.tenantId, values[0]])
      : await ctx.db.rawRows(LIVE_WHERE_IN[name], [ctx.tenantId, JSON.stringify(values)]);
  return rows.map(customerFromRow);
}

/** The columns of a customer, in the order `customerFromRow` reads them: the insert's, then deleted_at. */
const CUSTOMER_COLUMNS = [...COLUMNS, "deleted_at"] as const;

/** `select <this> from customers`: a customer's columns for rawRows, read back by customerFromRow. */
export const CUSTOMER_SELECT = CUSTOMER_COLUMNS.join(", ");

type LookupColumn = "id" | "external_id" | "phone";
// By id, `+tenant_id` keeps SQLite on the primary key rather than the tenant's other indexes.
const liveWhere = (column: LookupColumn, test: string) =>
  `select ${CUSTOMER_SELECT} from customers where ${column === "id" ? "+" : ""}tenant_id = ? and deleted_at is null and ${column} ${test}`;
const IN_LIST = "in (select value from json_each(?))";
const LIVE_WHERE_EQ: Record<LookupColumn, string> = {
  id: liveWhere("id", "= ?"),
  external_id: liveWhere("external_id", "= ?"),
  phone: liveWhere("phone", "= ?"),
};
const LIVE_WHERE_IN: Record<LookupColumn, string> = {
  id: liveWhere("id", IN_LIST),
  external_id: liveWhere("external_id", IN_LIST),
  phone: liveWhere("phone", IN_LIST),
};

/**
 * Live customers matching any of the given external ids or phones. Two indexed lookups: one
 * query with OR between the two lists makes SQLite scan the whole workspace.
 */
export async function findExisting(ctx: Ctx, externalIds: string[], phones: string[]): Promise<CustomerRow[]> {
  const rows = [
    ...(await liveCustomersWhereIn(ctx, customers.externalId, externalIds)),
    ...(await liveCustomersWhereIn(ctx, customers.phone, phones)),
  ];
  return [...new Map(rows.map((r) => [r.id, r])).values()];
}

/** Phones whose latest ledger entry is an opt-out: a new profile for them starts unsubscribed. */
export async function optedOutPhones(
  ctx: Ctx,
  phones: string[],
): Promise<Map<string, { source: ConsentSource; at: number }>> {
  if (phones.length === 0) return new Map();
  const rows = await ctx.db.rawAll<{ phone: string; source: ConsentSource; at: number }>(
    `select e.phone, e.source, e.at from consent_events e
      where e.tenant_id = ? and e.phone in (select value from json_each(?))
        and e.at = (select max(at) from consent_events x where x.tenant_id = e.tenant_id and x.phone = e.phone)
        and e.state = 'unsubscribed'`,
    [ctx.tenantId, JSON.stringify(phones)],
  );
  return new Map(rows.map((r) => [r.phone, { source: r.source, at: r.at }]));
}

export async function anyOptOut(ctx: Ctx): Promise<boolean> {
  const rows = await ctx.db.rawAll(
    "select 1 from consent_events where tenant_id = ? and state = 'unsubscribed' limit 1",
    [ctx.tenantId],
  );
  return rows.length > 0;
}

const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

/** A row of CUSTOMER_SELECT (rawRows) as drizzle types it. */
export function customerFromRow(v: unknown[]): CustomerRow {
  return {
    id: v[0],
    tenantId: v[1],
    externalId: v[2],
    name: v[3],
    phone: v[4],
    locale: v[5],
    timeZone: v[6],
    birthdayYear: v[7],
    birthdayMonth: v[8],
    birthdayDay: v[9],
    birthdayLunar: Boolean(v[10]),
    tier: v[11],
    tags: json(v[12]),
    attributes: json(v[13]),
    ownerId: v[14],
    consentState: v[15],
    consentSource: v[16],
    consentAt: v[17],
    source: v[18],
    createdAt: v[19],
    updatedAt: v[20],
    deletedAt: v[21],
  } as CustomerRow;
}

/** A raw `select c.*` row (rawAll) as drizzle types it. */
export function customerFromRaw(r: Record<string, unknown>): CustomerRow {
  return customerFromRow(CUSTOMER_COLUMNS.map((c) => r[c]));
}

/** The live customer with this id, or undefined. */
export async function liveCustomerById(db: Ctx["db"], tenantId: string, id: string): Promise<CustomerRow | undefined> {
  // Raw: on the hot paths (the inbound pipeline) drizzle's query building cost more than the query.
  const [row] = await db.rawAll<Record<string, unknown>>(
    "select * from customers where tenant_id = ? and id = ? and deleted_at is null",
    [tenantId, id],
  );
  return row ? customerFromRaw(row) : undefined;
}
