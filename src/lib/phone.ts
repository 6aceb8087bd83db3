// The ES2015 builds (`/es6`): the same code as the default builds, without their Babel helpers
// for object spread, which made a third of the time of a parse (bench/: import_csv_100k).
import {
  type CountryCode,
  isSupportedCountry,
  ParseError,
  parsePhoneNumberWithError as parseFull,
  validatePhoneNumberLength,
} from "libphonenumber-js/max/es6";
import { parsePhoneNumberWithError as parseMobile } from "libphonenumber-js/mobile/es6";

/** Why a number was refused, as a stable word a page can put in its own language. */
export type PhoneProblem =
  | "empty"
  | "too_short"
  | "too_long"
  | "length"
  | "no_country"
  | "not_a_number"
  | "not_mobile"
  | "invalid";

export type PhoneResult =
  | { ok: true; e164: string }
  | { ok: false; reason: string; problem: PhoneProblem; country?: string };

/** A refused number as a field error: the API's sentence, and the problem for other languages. */
export function phoneDetail(
  path: string,
  input: string,
  r: { reason: string; problem: PhoneProblem; country?: string },
) {
  return {
    path,
    message: `'${input}' ${r.reason}`,
    reason: `phone_${r.problem}`,
    value: input,
    ...(r.country && { country: r.country }),
  };
}

export function isCountry(code: string): code is CountryCode {
  return isSupportedCountry(code);
}

const LENGTH_REASONS: Record<string, [string, PhoneProblem]> = {
  TOO_SHORT: ["is too short", "too_short"],
  TOO_LONG: ["is too long", "too_long"],
  INVALID_LENGTH: ["has an invalid length", "length"],
  INVALID_COUNTRY: ["has no recognisable country code (use +<country code> or a national number)", "no_country"],
  NOT_A_NUMBER: ["is not a phone number", "not_a_number"],
};

function lengthProblem(code: string) {
  const [reason, problem] = LENGTH_REASONS[code] ?? ["is not a phone number", "not_a_number"];
  return { ok: false as const, reason, problem };
}

const TYPE_NAMES: Record<string, string> = {
  FIXED_LINE: "a fixed-line number",
  TOLL_FREE: "a toll-free number",
  PREMIUM_RATE: "a premium-rate number",
  SHARED_COST: "a shared-cost number",
  VOIP: "a VoIP number",
  PAGER: "a pager number",
  UAN: "a company number",
  VOICEMAIL: "a voicemail number",
};

/**
 * Parses a national or international number into E.164, or says why it cannot. SMS needs a
 * number that can receive texts, so validity is judged with libphonenumber's mobile metadata
 * (which also accepts numbers a country does not split into mobile and fixed, as in the US);
 * the full metadata is consulted only to explain a rejection.
 */
export function normalizePhone(input: string, defaultCountry: CountryCode): PhoneResult {
  const text = input.trim();
  if (text === "") return { ok: false, reason: "is empty", problem: "empty" };
  try {
    const mobile = parseMobile(text, { defaultCountry, extract: false });
    if (mobile.isValid()) return { ok: true, e164: mobile.number };
    return explain(text, defaultCountry);
  } catch (e) {
    if (e instanceof ParseError) return lengthProblem(e.message);
    throw e;
  }
}

function explain(text: string, defaultCountry: CountryCode): PhoneResult {
  const full = parseFull(text, { defaultCountry, extract: false });
  const country = full.country ?? (text.startsWith("+") ? undefined : defaultCountry);
  const where = country ?? `country code +${full.countryCallingCode}`;
  const at = country ? { country } : {};
  if (full.isValid()) {
    const type = full.getType();
    const what = type ? (TYPE_NAMES[type] ?? "not a mobile number") : "not a mobile number";
    return { ok: false, reason: `is ${what} in ${where}; SMS needs a mobile number`, problem: "not_mobile", ...at };
  }
  const lengthIssue = validatePhoneNumberLength(text, defaultCountry);
  if (lengthIssue) return lengthProblem(lengthIssue);
  return { ok: false, reason: `is not a valid number for ${where}`, problem: "invalid", ...at };
}

/**
 * A stored number as a person writes it: national (138 0013 8000) for the workspace's own
 * country, international (+1 415 555 0100) for others; the number as stored if it will not parse.
 */
export function displayPhone(e164: string, homeCountry: string): string {
  try {
    const p = parseFull(e164, { extract: false });
    return p.country === homeCountry ? p.formatNational() : p.formatInternational();
  } catch {
    return e164;
  }
}
