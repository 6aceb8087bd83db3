// Turning input (from JSON or a CSV row) into a customer row: one set of rules for the API,
// upserts and imports, so a value accepted by one is accepted by all.
import type { CountryCode } from "libphonenumber-js";
import type { AttributeType, CustomerRow } from "../db/schema";
import { type PhoneResult, phoneDetail } from "../lib/phone";
import { daysInMonth, formatCivil, isLeapYear, isValidTimeZone, localDate, parseCivilDate } from "../lib/time";
import { type ConsentSource, type ConsentState, optedOutBySms } from "./consent";

export type { ConsentSource, ConsentState };
export type AttributeValue = string | number | boolean;

export type BirthdayInput = { year?: number | null; month: number; day: number; lunar?: boolean };

/** Input after syntax checks, before the tenant's rules. Absent fields mean "leave as is". */
export type CustomerInput = {
  name?: string | null;
  phone?: string;
  external_id?: string | null;
  locale?: string;
  time_zone?: string;
  birthday?: BirthdayInput | null;
  tier?: string | null;
  tags?: string[];
  attributes?: Record<string, AttributeValue | null>;
  owner_id?: string | null;
  consent?: { state: ConsentState; evidence?: string | null };
};

export type FieldError = { path: string; message: string; reason?: string; [key: string]: unknown };

export type PrepareEnv = {
  tenantId: string;
  defaultCountry: CountryCode;
  defaultTimeZone: string;
  defaultLocale: string;
  tiers: readonly string[];
  /** Known attribute types; new keys are added here as they are inferred. */
  attributeTypes: Map<string, AttributeType>;
  ownerExists: (id: string) => boolean;
  /** Normalises a phone with the workspace's country (an import memoises what it already parsed). */
  phone: (raw: string) => PhoneResult;
  /** The opt-out on record for a phone (the ledger outlives deleted profiles), if any. */
  priorOptOut: (phone: string) => { source: ConsentSource; at: number } | undefined;
  now: Date;
  consentSource: ConsentSource;
  /** Values come from text (CSV), so "12" may be a number. */
  textInput: boolean;
};

/** The workspace's rules for preparing customers, as plain data (an import's parse thread gets a copy). */
export type PrepareRules = {
  tenantId: string;
  defaultCountry: CountryCode;
  defaultTimeZone: string;
  defaultLocale: string;
  tiers: readonly string[];
  attributeTypes: [string, AttributeType][];
  staffIds: string[];
};

/** An environment from the rules; phones are normalised with `phone`, opt-outs are looked up later. */
export function envFromRules(
  rules: PrepareRules,
  o: { consentSource: ConsentSource; now: Date; phone: (raw: string) => PhoneResult },
): PrepareEnv {
  const owners = new Set(rules.staffIds);
  return {
    tenantId: rules.tenantId,
    defaultCountry: rules.defaultCountry,
    defaultTimeZone: rules.defaultTimeZone,
    defaultLocale: rules.defaultLocale,
    tiers: rules.tiers,
    attributeTypes: new Map(rules.attributeTypes),
    ownerExists: (id) => owners.has(id),
    phone: o.phone,
    priorOptOut: () => undefined,
    now: o.now,
    consentSource: o.consentSource,
    textInput: false,
  };
}

export type Prepared = {
  row: CustomerRow;
  /** The attributes before (the stored row's; empty for a new one). */
  previousAttributes: CustomerRow["attributes"];
  changed: string[];
  consent: { state: ConsentState; evidence: string | null } | null;
  /** The consent state before (the stored row's; null for a new one). */
  previousConsent: ConsentState | null;
  newAttributes: { key: string; type: AttributeType }[];
};

export const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * The type of a first-seen attribute. From JSON the value's own type decides; from CSV text,
 * where everything is a string, plain numerals and true/false are read as what they look like
 * (numerals with a leading zero, such as card numbers, stay strings).
 */
export function inferAttributeType(value: AttributeValue, fromText: boolean): AttributeType {
  if (typeof value === "boolean") return "boolean";
  if (typeof value === "number") return "number";
  if (parseCivilDate(value) || isoInstant(value)) return "date";
  if (fromText) {
    if (/^-?(0|[1-9]\d{0,14})(\.\d+)?$/.test(value)) return "number";
    if (/^(true|false)$/i.test(value)) return "boolean";
  }
  return "string";
}

function isoInstant(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/.test(text)) return null;
  const d = new Date(text.replace(" ", "T"));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** Coerces a value to an attribute's type; dates become "YYYY-MM-DD" in the customer's zone. */
export function coerceAttribute(
  value: AttributeValue,
  type: AttributeType,
  timeZone: string,
): { ok: true; value: AttributeValue } | { ok: false; message: string } {
  switch (type) {
    case "boolean":
      if (typeof value === "boolean") return { ok: true, value };
      if (typeof value === "string") {
        const v = value.trim().toLowerCase();
        if (["true", "yes", "y", "1"].includes(v)) return { ok: true, value: true };
        if (["false", "no", "n", "0"].includes(v)) return { ok: true, value: false };
      }
      return { ok: false, message: "must be a boolean (true/false)" };
    case "number": {
      if (typeof value === "number" && Number.isFinite(value)) return { ok: true, value };
      if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) {
        return { ok: true, value: Number(value.trim()) };
      }
      return { ok: false, message: "must be a number" };
    }
    case "date": {
      if (typeof value === "string") {
        const civil = parseCivilDate(value.trim());
        if (civil) return { ok: true, value: formatCivil(civil) };
        const instant = isoInstant(value.trim());
        if (instant) return { ok: true, value: formatCivil(localDate(instant, timeZone)) };
      }
      return { ok: false, message: "must be a date YYYY-MM-DD (or an ISO 8601 date-time)" };
    }
    case "string":
      if (typeof value === "string")
        return value.length <= 500 ? { ok: true, value } : { ok: false, message: "must be at most 500 characters" };
      return { ok: true, value: String(value) };
  }
}

export function validBirthday(b: BirthdayInput): string | null {
  if (!Number.isInteger(b.month) || b.month < 1 || b.month > 12) return "month must be 1-12";
  if (b.lunar) {
    if (!Number.isInteger(b.day) || b.day < 1 || b.day > 30) return "a lunar day must be 1-30";
  } else {
    const max = b.year ? daysInMonth(b.year, b.month) : b.month === 2 ? 29 : daysInMonth(2001, b.month);
    if (!Number.isInteger(b.day) || b.day < 1 || b.day > max) return `day must be 1-${max} for that month`;
    if (b.year && b.month === 2 && b.day === 29 && !isLeapYear(b.year)) return "29 February needs a leap year";
  }
  if (b.year != null && (!Number.isInteger(b.year) || b.year < 1900 || b.year > 2100)) return "year must be 1900-2100";
  return null;
}

/** "1990-03-14", "03-14" or "--03-14". */
export function parseBirthdayText(text: string, lunar = false): BirthdayInput | null {
  const t = text.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  if (m) return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), lunar };
  m = /^(?:--)?(\d{1,2})-(\d{1,2})$/.exec(t);
  if (m) return { year: null, month: Number(m[1]), day: Number(m[2]), lunar };
  return null;
}

/** A customer row with nothing known yet but where it lives and where it came from. */
export function blankCustomer(b: {
  id: string;
  tenantId: string;
  locale: string;
  timeZone: string;
  source: string;
  now: number;
}): CustomerRow {
  return {
    id: b.id,
    tenantId: b.tenantId,
    externalId: null,
    name: null,
    phone: null,
    locale: b.locale,
    timeZone: b.timeZone,
    birthdayYear: null,
    birthdayMonth: null,
    birthdayDay: null,
    birthdayLunar: false,
    tier: null,
    tags: [],
    attributes: {},
    ownerId: null,
    consentState: "never_asked",
    consentSource: null,
    consentAt: null,
    source: b.source,
    createdAt: b.now,
    updatedAt: b.now,
    deletedAt: null,
  };
}

export function emptyRow(id: string, env: PrepareEnv, source: string): CustomerRow {
  return blankCustomer({
    id,
    tenantId: env.tenantId,
    locale: env.defaultLocale,
    timeZone: env.defaultTimeZone,
    source,
    now: env.now.getTime(),
  });
}

/** Sets a field when its value differs, noting the change once under its API name. */
function assign<K extends keyof CustomerRow>(
  row: CustomerRow,
  changed: string[],
  field: string,
  key: K,
  value: CustomerRow[K],
) {
  if (row[key] !== value) {
    row[key] = value;
    if (!changed.includes(field)) changed.push(field);
  }
}

/** Tags trimmed, without empties or repeats, sorted. (Written out: an import runs it per row.) */
function tagSet(input: readonly string[]): string[] {
  const tags: string[] = [];
  const seen = input.length > 8 ? new Set<string>() : null;
  for (const raw of input) {
    const t = raw.trim();
    if (t === "" || (seen ? seen.has(t) : tags.includes(t))) continue;
    seen?.add(t);
    tags.push(t);
  }
  if (tags.length === 2) {
    if ((tags[0] as string) > (tags[1] as string)) tags.reverse();
  } else if (tags.length > 2) tags.sort();
  return tags;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const NO_ATTRIBUTES: CustomerRow["attributes"] = Object.freeze({});

/**
 * Applies input to a row (a new empty one, filled in place, or the stored one, copied) under
 * the tenant's rules. Returns errors rather than throwing, so an import can report every bad
 * row and go on.
 */
export function prepareCustomer(
  input: CustomerInput,
  base: CustomerRow,
  isNew: boolean,
  env: PrepareEnv,
): { ok: true; value: Prepared } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  // A new row was made for this call and is filled in place; a stored one is left as it is.
  const row: CustomerRow = isNew ? base : { ...base, tags: base.tags, attributes: { ...base.attributes } };
  const changed: string[] = [];

  if (input.phone !== undefined) {
    const parsed = env.phone(input.phone);
    if (parsed.ok) {
      assign(row, changed, "phone", "phone", parsed.e164);
      const prior = isNew ? env.priorOptOut(parsed.e164) : undefined;
      if (prior) {
        row.consentState = "unsubscribed";
        row.consentSource = prior.source;
        row.consentAt = prior.at;
      }
    } else errors.push(phoneDetail("phone", input.phone, parsed));
  } else if (isNew) {
    errors.push({ path: "phone", message: "is required", reason: "required" });
  }
  if (input.name !== undefined)
    assign(row, changed, "name", "name", input.name === null ? null : input.name.trim() || null);
  if (input.external_id !== undefined)
    assign(
      row,
      changed,
      "external_id",
      "externalId",
      input.external_id === null ? null : input.external_id.trim() || null,
    );
  if (input.locale !== undefined) assign(row, changed, "locale", "locale", input.locale);
  if (input.time_zone !== undefined) {
    if (isValidTimeZone(input.time_zone)) assign(row, changed, "time_zone", "timeZone", input.time_zone);
    else errors.push({ path: "time_zone", message: `'${input.time_zone}' is not an IANA time zone` });
  }
  if (input.birthday !== undefined) {
    const b = input.birthday;
    const problem = b ? validBirthday(b) : null;
    if (problem) errors.push({ path: "birthday", message: problem, reason: "not_real_date" });
    else {
      assign(row, changed, "birthday", "birthdayYear", b?.year ?? null);
      assign(row, changed, "birthday", "birthdayMonth", b?.month ?? null);
      assign(row, changed, "birthday", "birthdayDay", b?.day ?? null);
      assign(row, changed, "birthday", "birthdayLunar", b?.lunar ?? false);
    }
  }
  if (input.tier !== undefined) {
    if (input.tier !== null && !env.tiers.includes(input.tier)) {
      errors.push({
        path: "tier",
        message: `'${input.tier}' is not one of this workspace's tiers (${env.tiers.join(", ")})`,
        reason: "one_of",
        values: env.tiers,
      });
    } else assign(row, changed, "tier", "tier", input.tier);
  }
  if (input.tags !== undefined) {
    const tags = tagSet(input.tags);
    const bad = tags.find((t) => t.length > 50 || /["\\]/.test(t));
    if (bad)
      errors.push({ path: "tags", message: "each tag must be at most 50 characters, without quotes or backslashes" });
    else if (tags.length > 50) errors.push({ path: "tags", message: "at most 50 tags" });
    else if (!sameList(tags, row.tags)) {
      row.tags = tags;
      changed.push("tags");
    }
  }
  const newAttributes: Prepared["newAttributes"] = [];
  if (input.attributes !== undefined) {
    for (const [key, value] of Object.entries(input.attributes)) {
      if (!ATTRIBUTE_KEY.test(key)) {
        errors.push({
          path: `attributes.${key}`,
          message: "keys are lowercase letters, digits and _ (max 40), starting with a letter",
        });
        continue;
      }
      if (value === null) {
        if (key in row.attributes) {
          delete row.attributes[key];
          changed.push(`attributes.${key}`);
        }
        continue;
      }
      let type = env.attributeTypes.get(key);
      if (!type) {
        type = inferAttributeType(value, env.textInput);
        newAttributes.push({ key, type });
      }
      const coerced = coerceAttribute(value, type, row.timeZone);
      if (!coerced.ok) {
        errors.push({
          path: `attributes.${key}`,
          message: `${coerced.message} (the attribute is of type ${type})`,
          reason: "attribute_type",
          type,
        });
      } else if (row.attributes[key] !== coerced.value) {
        row.attributes[key] = coerced.value;
        changed.push(`attributes.${key}`);
      }
    }
    if (Object.keys(row.attributes).length > 100)
      errors.push({ path: "attributes", message: "at most 100 attributes" });
  }
  if (input.owner_id !== undefined) {
    if (input.owner_id !== null && !env.ownerExists(input.owner_id)) {
      errors.push({ path: "owner_id", message: `no staff member ${input.owner_id} in this workspace` });
    } else assign(row, changed, "owner_id", "ownerId", input.owner_id);
  }
  let consent: Prepared["consent"] = null;
  if (input.consent !== undefined && input.consent.state !== row.consentState) {
    // An SMS opt-out can only be undone by the customer's own opt-in word, never by an import
    // or an API call.
    if (
      optedOutBySms(row.consentState, row.consentSource) &&
      input.consent.state === "subscribed" &&
      env.consentSource !== "keyword"
    ) {
      errors.push({
        path: "consent.state",
        message: "the customer opted out by SMS; only their own opt-in reply can re-subscribe them",
        reason: "opted_out_by_sms",
      });
    } else {
      consent = { state: input.consent.state, evidence: input.consent.evidence ?? null };
      row.consentState = input.consent.state;
      row.consentSource = env.consentSource;
      row.consentAt = env.now.getTime();
      changed.push("consent");
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  // A type is known from the first row that is taken, never from a refused one.
  for (const a of newAttributes) env.attributeTypes.set(a.key, a.type);
  if (changed.length > 0 && !isNew) row.updatedAt = env.now.getTime();
  const previousAttributes = isNew ? NO_ATTRIBUTES : base.attributes;
  const previousConsent = isNew ? null : base.consentState;
  return { ok: true, value: { row, previousAttributes, changed, consent, previousConsent, newAttributes } };
}
