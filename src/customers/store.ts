// Writing customers as plain statements: the API, upserts and the bulk import share these,
// and plain SQL with reused statement text keeps imports near SQLite's own speed.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Ctx } from "../context";
import type { RawStatement, Statement } from "../db/client";
import { prepared } from "../db/prepared";
import { type AttributeType, attributeDefinitions, type CustomerRow, customers, staff } from "../db/schema";
import { inList, tenantFilter } from "../db/sql";
import { isCountry, normalizePhone } from "../lib/phone";
import { getTenantRow } from "../tenants/service";
import type { ConsentSource, Prepared, PrepareEnv } from "./model";

const COLUMNS = [
  "id",
  "tenant_id",
  "external_id",
  "name",
  "phone",
  "locale",
  "time_zone",
  "birthday_year",
  "birthday_month",
  "birthday_day",
  "birthday_lunar",
  "tier",
  "tags",
  "attributes",
  "owner_id",
  "consent_state",
  "consent_source",
  "consent_at",
  "source",
  "created_at",
  "updated_at",
] as const;

const INSERT_SQL = `insert into customers (${COLUMNS.join(", ")}) values (${COLUMNS.map(() => "?").join(", ")})`;
const UPDATE_SQL = `update customers set ${COLUMNS.slice(2)
  .map((c) => `${c} = ?`)
  .join(", ")} where tenant_id = ? and id = ? and deleted_at is null`;

function values(r: CustomerRow): unknown[] {
  return [
    r.id,
    r.tenantId,
    r.externalId,
    r.name,
    r.phone,
    r.locale,
    r.timeZone,
    r.birthdayYear,
    r.birthdayMonth,
    r.birthdayDay,
    r.birthdayLunar ? 1 : 0,
    r.tier,
    JSON.stringify(r.tags),
    JSON.stringify(r.attributes),
    r.ownerId,
    r.consentState,
    r.consentSource,
    r.consentAt,
    r.source,
    r.createdAt,
    r.updatedAt,
  ];
}

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
  const zonesWritten = batch?.zonesWritten;
  const r = p.row;
  const out: RawStatement[] = [];
  if (isNew) out.push({ sql: INSERT_SQL, params: values(r) });
  else out.push({ sql: UPDATE_SQL, params: [...values(r).slice(2), r.tenantId, r.id] });
  if ((isNew || p.changed.includes("time_zone")) && !zonesWritten?.has(r.timeZone)) {
    zonesWritten?.add(r.timeZone);
    out.push({
      sql: "insert or ignore into tenant_time_zones (tenant_id, time_zone) values (?, ?)",
      params: [r.tenantId, r.timeZone],
    });
  }
  if (isNew) {
    if (!batch && Object.keys(r.attributes).length > 0) out.push(newCustomersDates(r.tenantId, [r.id]));
  } else out.push(...changedDates(r, p.changed));
  if (p.consent) {
    out.push({
      sql: "insert into consent_events (id, tenant_id, customer_id, phone, state, source, evidence, at) values (?, ?, ?, ?, ?, ?, ?, ?)",
      params: [
        ctx.ids.next("cns"),
        r.tenantId,
        r.id,
        r.phone,
        p.consent.state,
        r.consentSource,
        p.consent.evidence,
        r.consentAt,
      ],
    });
  }
  if (!isNew) {
    const fields = p.changed.filter((f) => f !== "consent");
    if (fields.length > 0) {
      out.push({
        sql: "insert into timeline_entries (id, tenant_id, customer_id, at, type, data) values (?, ?, ?, ?, ?, ?)",
        params: [ctx.ids.next("tle"), r.tenantId, r.id, r.updatedAt, "customer.updated", JSON.stringify({ fields })],
      });
    }
  }
  return out;
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

/** Replaces an edited customer's customer_dates rows for the attributes that changed. */
function changedDates(r: CustomerRow, changed: string[]): RawStatement[] {
  const keys = changed.filter((f) => f.startsWith("attributes.")).map((f) => f.slice("attributes.".length));
  if (keys.length === 0) return [];
  const list = JSON.stringify(keys);
  return [
    {
      sql: "delete from customer_dates where tenant_id = ? and customer_id = ? and key in (select value from json_each(?))",
      params: [r.tenantId, r.id, list],
    },
    {
      sql: `${DATES_FROM_STORED} and j.key in (select value from json_each(?))`,
      params: [JSON.stringify([r.id]), r.tenantId, list],
    },
  ];
}

export function attributeStatements(ctx: Ctx, defs: { key: string; type: AttributeType }[]): Statement[] {
  return defs.map((d) => ({
    sql: "insert or ignore into attribute_definitions (tenant_id, key, type, description, created_at) values (?, ?, ?, null, ?)",
    params: [ctx.tenantId, d.key, d.type, ctx.clock.now().getTime()],
  }));
}

/** The tenant's rules for preparing customers, loaded once per request or import. */
export async function loadPrepareEnv(ctx: Ctx, consentSource: ConsentSource): Promise<PrepareEnv> {
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
  const owners = new Set(staffIds.map((s) => s.id));
  const country = tenant.defaultCountry;
  if (!isCountry(country)) throw new Error(`tenant ${tenant.id} has an invalid country`);
  return {
    tenantId: ctx.tenantId,
    defaultCountry: country,
    defaultTimeZone: tenant.timeZone,
    defaultLocale: tenant.locale,
    tiers: tenant.tiers,
    attributeTypes: new Map(defs.map((d) => [d.key, d.type])),
    ownerExists: (id) => owners.has(id),
    phone: (raw) => normalizePhone(raw, country),
    priorOptOut: () => undefined,
    now: ctx.clock.now(),
    consentSource,
    textInput: false,
  };
}

/** Live customers whose id, external id or phone is in the list (an indexed lookup). */
export async function liveCustomersWhereIn(
  ctx: Ctx,
  column: typeof customers.id | typeof customers.externalId | typeof customers.phone,
  values: string[],
): Promise<CustomerRow[]> {
  if (values.length === 0) return [];
  // One value (a webhook's sender, an API call) is the hot case: a query built once.
  if (values.length === 1)
    return prepared(ctx.db, `liveCustomerBy:${column.name}`, (orm) =>
      orm
        .select()
        .from(customers)
        .where(
          and(
            eq(customers.tenantId, sql.placeholder("tenantId")),
            isNull(customers.deletedAt),
            eq(column, sql.placeholder("value")),
          ),
        )
        .prepare(),
    ).all({ tenantId: ctx.tenantId, value: values[0] });
  return ctx.db.orm
    .select()
    .from(customers)
    .where(
      and(
        column === customers.id ? tenantFilter(customers.tenantId, ctx.tenantId) : eq(customers.tenantId, ctx.tenantId),
        isNull(customers.deletedAt),
        inList(column, values),
      ),
    )
    .all();
}

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

/** A raw `select c.*` row as drizzle types it. */
export function customerFromRaw(r: Record<string, unknown>): CustomerRow {
  const json = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
  return {
    id: r.id,
    tenantId: r.tenant_id,
    externalId: r.external_id,
    name: r.name,
    phone: r.phone,
    locale: r.locale,
    timeZone: r.time_zone,
    birthdayYear: r.birthday_year,
    birthdayMonth: r.birthday_month,
    birthdayDay: r.birthday_day,
    birthdayLunar: Boolean(r.birthday_lunar),
    tier: r.tier,
    tags: json(r.tags),
    attributes: json(r.attributes),
    ownerId: r.owner_id,
    consentState: r.consent_state,
    consentSource: r.consent_source,
    consentAt: r.consent_at,
    source: r.source,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  } as CustomerRow;
}
