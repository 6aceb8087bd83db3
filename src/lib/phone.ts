import {
  type CountryCode,
  isSupportedCountry,
  ParseError,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from "libphonenumber-js/max";

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

/** Parses a national or international number into E.164, or says why it cannot. */
export function normalizePhone(input: string, defaultCountry: CountryCode): PhoneResult {
  const text = input.trim();
  if (text === "") return { ok: false, reason: "is empty" };
  try {
    const parsed = parsePhoneNumberWithError(text, { defaultCountry, extract: false });
    if (parsed.isValid()) return { ok: true, e164: parsed.number };
    const lengthIssue = validatePhoneNumberLength(text, defaultCountry);
    if (lengthIssue) {
      return { ok: false, reason: `${LENGTH_REASONS[lengthIssue] ?? "is invalid"}` };
    }
    const where =
      parsed.country ?? (text.startsWith("+") ? `country code +${parsed.countryCallingCode}` : defaultCountry);
    return { ok: false, reason: `is not a valid number for ${where}` };
  } catch (e) {
    if (e instanceof ParseError) {
      return { ok: false, reason: LENGTH_REASONS[e.message] ?? "is not a phone number" };
    }
    throw e;
  }
}
