// A customer row as the values of one insert or update statement: shared by the store and by an
// import's parse stage, which prepares each row as a new customer on its own thread (Node), so
// that the writing thread only fills in the id and the times (what the import's rows share is
// in the text of the statement that inserts them).

import { sqlLiteral } from "../db/literal";
import type { CustomerRow } from "../db/schema";

export const COLUMNS = [
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

export const INSERT_SQL = `insert into customers (${COLUMNS.join(", ")}) values (${COLUMNS.map(() => "?").join(", ")})`;
export const UPDATE_SQL = `update customers set ${COLUMNS.slice(2)
  .map((c) => `${c} = ?`)
  .join(", ")} where tenant_id = ? and id = ? and deleted_at is null`;

/** A row's values in COLUMNS order (tags and attributes as JSON). */
export function rowValues(r: CustomerRow): unknown[] {
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

export type Column = (typeof COLUMNS)[number];
export const COLUMN_INDEX = Object.fromEntries(COLUMNS.map((c, i) => [c, i])) as Record<Column, number>;
const {
  id: ID,
  tenant_id: TENANT_ID,
  locale: LOCALE,
  time_zone: TIME_ZONE,
  consent_state: CONSENT_STATE,
  consent_source: CONSENT_SOURCE,
  consent_at: CONSENT_AT,
  source: SOURCE,
  created_at: CREATED_AT,
  updated_at: UPDATED_AT,
} = COLUMN_INDEX;

/** What every new row of one import shares, and which its shipped values leave out. */
export type SharedValues = { tenantId: string; locale: string; timeZone: string; source: string };

const NEVER_ASKED = "never_asked";

/**
 * A row prepared as new, for the parse stage to ship: what the import's rows share (the
 * workspace, its default locale and zone, "never asked", the source) is null, as are the id
 * and times it cannot know. Shorter to encode, post and parse: a fifth of the JSON was these.
 * (Those columns are never null in a row, so null can only mean "as shared".)
 */
export function shippedValues(row: CustomerRow, shared: SharedValues): unknown[] {
  const values = rowValues(row);
  values[ID] = null;
  values[TENANT_ID] = null;
  values[SOURCE] = null;
  values[CREATED_AT] = null;
  values[UPDATED_AT] = null;
  if (values[LOCALE] === shared.locale) values[LOCALE] = null;
  if (values[TIME_ZONE] === shared.timeZone) values[TIME_ZONE] = null;
  if (values[CONSENT_STATE] === NEVER_ASKED) values[CONSENT_STATE] = null;
  return values;
}

/**
 * Completes shipped values (in place) with the id, the times, and the time of the consent the
 * row was imported with (if any). What the rows share stays null: sharedInsertSql writes it.
 */
export function completeNewValues(values: unknown[], id: string, now: number): unknown[] {
  values[ID] = id;
  values[CREATED_AT] = now;
  values[UPDATED_AT] = now;
  if (values[CONSENT_SOURCE] !== null) values[CONSENT_AT] = now;
  return values;
}

const SHARED_COLUMNS: Partial<Record<Column, (s: SharedValues) => string>> = {
  tenant_id: (s) => s.tenantId,
  locale: (s) => s.locale,
  time_zone: (s) => s.timeZone,
  consent_state: () => NEVER_ASKED,
  source: (s) => s.source,
};

const sharedSql = new WeakMap<SharedValues, string>();

/**
 * The insert for an import's completed new values: where a shared column's value is null, the
 * statement's text has it. Bound for each row, those five strings were converted five times a
 * row, an eighth of the insert's time (bench/: import_csv_100k).
 */
export function sharedInsertSql(shared: SharedValues): string {
  let sql = sharedSql.get(shared);
  if (!sql) {
    const values = COLUMNS.map((c) => {
      const value = SHARED_COLUMNS[c];
      return value ? `coalesce(?, ${sqlLiteral(value(shared))})` : "?";
    });
    sql = `insert into customers (${COLUMNS.join(", ")}) values (${values.join(", ")})`;
    sharedSql.set(shared, sql);
  }
  return sql;
}

/** A column of completed new values, or what the import's rows share if it is null there. */
export function sharedValue(values: unknown[], shared: SharedValues, column: Column): unknown {
  return values[COLUMN_INDEX[column]] ?? SHARED_COLUMNS[column]?.(shared) ?? null;
}
