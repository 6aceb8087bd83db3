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

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

export function isCountry(code: string): code is CountryCode {
  return isSupportedCountry(code);
}

const LENGTH_REASONS: Record<string, string> = {
  TOO_SHORT: "is too short",
  TOO_LONG: "is too long",
  INVALID_LENGTH: "has an invalid length",
  INVALID_COUNTRY: "has no recognisable country code (use +<country code> or a national number)",
  NOT_A_NUMBER: "is not a phone number",
};

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
  if (text === "") return { ok: false, reason: "is empty" };
  try {
    const mobile = parseMobile(text, { defaultCountry, extract: false });
    if (mobile.isValid()) return { ok: true, e164: mobile.number };
    return { ok: false, reason: explain(text, defaultCountry) };
  } catch (e) {
    if (e instanceof ParseError) {
      return { ok: false, reason: LENGTH_REASONS[e.message] ?? "is not a phone number" };
    }
    throw e;
  }
}

function explain(text: string, defaultCountry: CountryCode): string {
  const full = parseFull(text, { defaultCountry, extract: false });
  const where = full.country ?? (text.startsWith("+") ? `country code +${full.countryCallingCode}` : defaultCountry);
  if (full.isValid()) {
    const type = full.getType();
    return `is ${type ? (TYPE_NAMES[type] ?? "not a mobile number") : "not a mobile number"} in ${where}; SMS needs a mobile number`;
  }
  const lengthIssue = validatePhoneNumberLength(text, defaultCountry);
  if (lengthIssue) return LENGTH_REASONS[lengthIssue] ?? "is invalid";
  return `is not a valid number for ${where}`;
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
