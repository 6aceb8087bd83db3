// A customer row as the values of one insert or update statement: shared by the store and by an
// import's parse stage, which prepares each row as a new customer on its own thread (Node), so
// that the writing thread only fills in the id, the times and what the import's rows share.

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
 * Completes shipped values (in place): what the rows share, the id, the times, and the time of
 * the consent the row was imported with (if any).
 */
export function completeNewValues(values: unknown[], shared: SharedValues, id: string, now: number): unknown[] {
  values[ID] = id;
  values[TENANT_ID] = shared.tenantId;
  values[SOURCE] = shared.source;
  values[LOCALE] ??= shared.locale;
  values[TIME_ZONE] ??= shared.timeZone;
  values[CONSENT_STATE] ??= NEVER_ASKED;
  values[CREATED_AT] = now;
  values[UPDATED_AT] = now;
  if (values[CONSENT_SOURCE] !== null) values[CONSENT_AT] = now;
  return values;
}
