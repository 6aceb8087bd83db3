// A customer row as the values of one insert or update statement: shared by the store and by an
// import's parse stage, which prepares each row as a new customer on its own thread (Node), so
// that the writing thread only fills in the id and the times.

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
  consent_source: CONSENT_SOURCE,
  consent_at: CONSENT_AT,
  created_at: CREATED_AT,
  updated_at: UPDATED_AT,
} = COLUMN_INDEX;

/**
 * Completes the values of a row prepared as new without an id or a clock: its id, its times,
 * and the time of the consent it was imported with (if any).
 */
export function completeNewValues(values: unknown[], id: string, now: number): unknown[] {
  values[ID] = id;
  values[CREATED_AT] = now;
  values[UPDATED_AT] = now;
  if (values[CONSENT_SOURCE] !== null) values[CONSENT_AT] = now;
  return values;
}
