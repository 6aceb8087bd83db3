// What a template can read about a customer. Message variables (e.g. card.last4 from a shipment)
// are laid over these, so a send can add or override anything.

import type { CustomerRow } from "../db/schema";
import { firstNameOf } from "./helpers";

/** Variables every customer has (attributes.<key> too); anything else must come with the send. */
export const PROFILE_VARIABLES = [
  "name",
  "firstName",
  "tier",
  "phone",
  "locale",
  "timeZone",
  "externalId",
  "birthday",
  "tags",
  "brand",
];

export function customerVariables(row: CustomerRow, brand: string): Record<string, unknown> {
  return {
    name: row.name ?? "",
    firstName: firstNameOf(row.name ?? ""),
    tier: row.tier,
    phone: row.phone,
    locale: row.locale,
    timeZone: row.timeZone,
    externalId: row.externalId,
    birthday:
      row.birthdayMonth !== null && row.birthdayDay !== null
        ? { month: row.birthdayMonth, day: row.birthdayDay, year: row.birthdayYear, lunar: row.birthdayLunar }
        : null,
    tags: row.tags,
    attributes: row.attributes,
    brand,
  };
}

/** The brand name templates print as {{brand}}: the signature without its 【】 brackets, else the name. */
export function brandName(tenant: { name: string; brandSignature: string }): string {
  const bare = tenant.brandSignature.replace(/^[【[]|[】\]]$/g, "").trim();
  return bare || tenant.name;
}

/** Deep-merges message variables over profile variables (objects merge, anything else replaces). */
export function mergeVariables(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  // Built key by key from {}, not spread from `base` and then added to: that made a slow
  // (dictionary-mode) object of each send's variables (bench/: dispatch_simulator_100k).
  const out: Record<string, unknown> = {};
  for (const k in base) out[k] = base[k];
  for (const k in over) {
    // Own names only; assigning "__proto__" would change out's prototype, not add a variable.
    if (k === "__proto__" || !Object.hasOwn(over, k)) continue;
    const v = over[k];
    const b = out[k];
    out[k] =
      isPlainObject(b) && isPlainObject(v)
        ? mergeVariables(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function isPlainObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const SAMPLE_NAMES: Record<string, string> = { zh: "王芳", en: "Emma Li" };

/**
 * A made-up member in a language, with every profile variable set, for a preview without a
 * customer: a draft shows its text before anyone is chosen.
 */
export function sampleCustomerVariables(locale: string, timeZone: string, brand: string): Record<string, unknown> {
  const name = SAMPLE_NAMES[locale.split("-")[0] ?? ""] ?? (SAMPLE_NAMES.en as string);
  return {
    name,
    firstName: firstNameOf(name),
    tier: "gold",
    phone: "+8613800138000",
    locale,
    timeZone,
    externalId: "M0001",
    birthday: { month: 3, day: 14, year: 1990, lunar: false },
    tags: ["vip"],
    attributes: {},
    brand,
  };
}
