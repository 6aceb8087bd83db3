// How CSV columns map to customer fields: header aliases (English and Chinese), and one row's
// cells to input. Pure: the parse stage runs it on its own thread on Node.

import { type ErrorDetail, ValidationError } from "../lib/errors";
import { canonicalLocale } from "../lib/locale";
import { ATTRIBUTE_KEY, type AttributeValue, type ConsentState, type CustomerInput, parseBirthdayText } from "./model";

export type Field =
  | "name"
  | "phone"
  | "external_id"
  | "locale"
  | "time_zone"
  | "birthday"
  | "birthday_lunar"
  | "tier"
  | "tags"
  | "owner_id"
  | "consent"
  | "consent_evidence";

// Header names as spreadsheets tend to have them, English and Chinese.
const ALIASES: Record<string, Field> = {
  name: "name",
  full_name: "name",
  姓名: "name",
  phone: "phone",
  mobile: "phone",
  phone_number: "phone",
  手机: "phone",
  手机号: "phone",
  电话: "phone",
  external_id: "external_id",
  member_id: "external_id",
  card_number: "external_id",
  customer_number: "external_id",
  会员号: "external_id",
  会员卡号: "external_id",
  locale: "locale",
  language: "locale",
  time_zone: "time_zone",
  timezone: "time_zone",
  birthday: "birthday",
  生日: "birthday",
  birthday_lunar: "birthday_lunar",
  lunar_birthday: "birthday_lunar",
  tier: "tier",
  level: "tier",
  等级: "tier",
  tags: "tags",
  标签: "tags",
  owner_id: "owner_id",
  consent: "consent",
  consent_evidence: "consent_evidence",
};

export type Column = { header: string; field?: Field; attribute?: string };

function headerKey(h: string): string {
  return h
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

/** Maps header cells to fields and attributes; a bad header rejects the whole file. */
export function mapHeader(cells: string[]): Column[] {
  const errors: ErrorDetail[] = [];
  const seen = new Map<string, string>();
  const columns = cells.map((header, i): Column => {
    const key = headerKey(header);
    const attr = key.startsWith("attributes.") ? key.slice("attributes.".length) : null;
    const field = attr === null ? ALIASES[key] : undefined;
    const target = field ?? `attributes.${attr ?? key}`;
    if (seen.has(target))
      errors.push({ path: `header[${i}]`, message: `'${header}' repeats column '${seen.get(target)}'` });
    seen.set(target, header);
    if (field) return { header, field };
    const name = attr ?? key;
    if (!ATTRIBUTE_KEY.test(name)) {
      errors.push({
        path: `header[${i}]`,
        message: `'${header}' is not a known column and is not usable as an attribute name (lowercase letters, digits, _)`,
      });
    }
    return { header, attribute: name };
  });
  if (!columns.some((c) => c.field === "phone") && !columns.some((c) => c.field === "external_id")) {
    errors.push({ path: "header", message: "needs a phone column (or external_id to update existing customers)" });
  }
  if (errors.length > 0)
    throw new ValidationError(`Invalid CSV header: ${errors.map((e) => e.message).join("; ")}`, errors);
  return columns;
}

const CONSENT_WORDS: Record<string, ConsentState> = {
  subscribed: "subscribed",
  yes: "subscribed",
  y: "subscribed",
  true: "subscribed",
  "1": "subscribed",
  unsubscribed: "unsubscribed",
  no: "unsubscribed",
  n: "unsubscribed",
  false: "unsubscribed",
  "0": "unsubscribed",
  never_asked: "never_asked",
};

/**
 * Why a row was refused: `reason` is the API's English sentence; `code` (when set) a stable word
 * for it with its figures beside it (as in an error's details), for a page in another language.
 */
export type ImportProblem = { column: string; reason: string; code?: string; [key: string]: unknown };

/** One CSV row to input; cell-level problems are returned by column header. */
export function rowInput(columns: Column[], cells: string[]): { input: CustomerInput; errors: ImportProblem[] } {
  const input: CustomerInput = {};
  const errors: ImportProblem[] = [];
  let lunar = false;
  let birthdayText: { text: string; header: string } | null = null;
  let consentEvidence: string | null = null;
  const attributes: Record<string, AttributeValue> = {};
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i] as Column;
    const value = (cells[i] ?? "").trim();
    if (value === "") continue; // an empty cell leaves the stored value as it is
    if (col.attribute) {
      attributes[col.attribute] = value;
      continue;
    }
    switch (col.field) {
      case "name":
      case "phone":
      case "external_id":
      case "time_zone":
      case "owner_id":
        input[col.field] = value;
        break;
      case "tier":
        input.tier = value.toLowerCase();
        break;
      case "locale": {
        const l = canonicalLocale(value);
        if (l) input.locale = l;
        else
          errors.push({
            column: col.header,
            reason: `'${value}' is not a locale such as zh-CN or en`,
            code: "not_a_locale",
            value,
          });
        break;
      }
      case "birthday":
        birthdayText = { text: value, header: col.header };
        break;
      case "birthday_lunar":
        lunar = ["true", "yes", "y", "1", "lunar", "农历"].includes(value.toLowerCase());
        break;
      case "tags":
        input.tags = value.split(/[;|]/);
        break;
      case "consent": {
        const state = CONSENT_WORDS[value.toLowerCase()];
        if (state) input.consent = { state };
        else
          errors.push({
            column: col.header,
            reason: `'${value}' is not subscribed, unsubscribed or never_asked`,
            code: "not_consent",
            value,
          });
        break;
      }
      case "consent_evidence":
        consentEvidence = value;
        break;
    }
  }
  if (birthdayText) {
    const { text, header } = birthdayText as { text: string; header: string };
    const b = parseBirthdayText(text, lunar);
    if (b) input.birthday = b;
    else
      errors.push({ column: header, reason: `'${text}' is not YYYY-MM-DD or MM-DD`, code: "not_a_date", value: text });
  }
  if (input.consent && consentEvidence) input.consent.evidence = consentEvidence;
  if (Object.keys(attributes).length > 0) input.attributes = attributes;
  return { input, errors };
}

/** The header to name in an error about a field path ("phone", "attributes.points"). */
export function columnNamer(columns: Column[]): (path: string) => string {
  const byPath = new Map<string, string>();
  for (const c of columns) byPath.set(c.field ? c.field : `attributes.${c.attribute}`, c.header);
  return (path) => byPath.get(path) ?? byPath.get(path.split(".")[0] ?? "") ?? path;
}
