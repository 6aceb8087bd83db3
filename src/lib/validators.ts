// Field validators shared by the feature schemas, so a bad value gets the same reason everywhere.
import { z } from "@hono/zod-openapi";
import { canonicalLocale } from "./locale";
import { isCountry } from "./phone";
import { reachesPrototype } from "./prototype-names";
import { HHMM, isValidTimeZone } from "./time";

export const timeZoneField = z
  .string()
  .refine(isValidTimeZone, {
    message: "must be an IANA time zone such as Asia/Shanghai",
    params: { reason: "time_zone" },
  })
  .openapi({ example: "Asia/Shanghai" });

export const countryField = z
  .string()
  .transform((s) => s.toUpperCase())
  .refine(isCountry, {
    message: "must be an ISO 3166 alpha-2 country code such as CN or US",
    params: { reason: "country" },
  })
  .openapi({ example: "CN" });

export const localeField = z
  .string()
  .max(35)
  .refine((s) => canonicalLocale(s) !== null, {
    message: "must be a BCP 47 locale such as zh-CN or en",
    params: { reason: "locale" },
  })
  .transform((s) => canonicalLocale(s) as string)
  .openapi({ example: "zh-CN" });

// SQLite reads a LIKE pattern up to its first NUL, so `%\0%` would match everything; nobody
// searches for a control character.
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Words to search for: plain text, at most 100 characters. */
export const searchField = z
  .string()
  .max(100)
  .refine((s) => !hasControl(s), { message: "must not contain control characters" });

export const hhmmField = z
  .string()
  .refine((s) => HHMM.test(s), { message: "must be a 24-hour time HH:MM", params: { reason: "time_of_day" } })
  .openapi({ example: "21:00", pattern: HHMM.source });

export const slugField = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be lowercase letters, digits, '-' or '_' (max 63)");

// Free-form values (template variables, a channel's config, a segment filter) are JSON of the
// caller's making: bounded in depth, so no code that walks them (hashing, templates, storage)
// can run out of stack, and in size, so a render over them stays cheap. Templates read a few
// levels at most. Names that reach an object's prototype are no names (they would let a dotted
// key like "__proto__.x" change every object in the process).
export const FREEFORM_DEPTH = 16;
export const FREEFORM_BYTES = 32 * 1024;

type Walked = { v: unknown; depth: number; key: string | number; up: Walked | null };

function pathOf(n: Walked | null): (string | number)[] {
  const out: (string | number)[] = [];
  for (let at = n; at?.up; at = at.up) out.unshift(at.key);
  return out;
}

/**
 * What is wrong with a free-form value; null when it is fine. Walked without recursion, and
 * sized as it goes: a megabyte of JSON is refused after its first 32 KB, not read to the end.
 */
export function freeformProblem(value: unknown): { path: (string | number)[]; message: string } | null {
  const tooLarge = { path: [], message: `must be at most ${FREEFORM_BYTES / 1024} KB as JSON` };
  let size = 0;
  const stack: Walked[] = [{ v: value, depth: 0, key: "", up: null }];
  while (stack.length > 0) {
    const n = stack.pop() as Walked;
    const v = n.v;
    // About the JSON text's length: a string with its quotes, anything else at least a character
    // and its comma.
    size += typeof v === "string" ? v.length + 3 : 2;
    if (size > FREEFORM_BYTES) return tooLarge;
    if (v === null || typeof v !== "object") continue;
    if (n.depth >= FREEFORM_DEPTH) {
      return { path: pathOf(n), message: `nesting is limited to ${FREEFORM_DEPTH} levels` };
    }
    if (Array.isArray(v)) {
      if (size + v.length * 2 > FREEFORM_BYTES) return tooLarge;
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], depth: n.depth + 1, key: i, up: n });
      continue;
    }
    for (const k in v) {
      if (!Object.hasOwn(v, k)) continue;
      const child: Walked = { v: (v as Record<string, unknown>)[k], depth: n.depth + 1, key: k, up: n };
      if (reachesPrototype(k)) {
        return { path: pathOf(child), message: "is not a name a value can have" };
      }
      size += k.length + 3;
      if (size > FREEFORM_BYTES) return tooLarge;
      stack.push(child);
    }
  }
  // The walk's count is close; the text itself decides (undefined, a field left out, has none).
  if ((JSON.stringify(value) ?? "").length > FREEFORM_BYTES) return tooLarge;
  return null;
}

function bounded(value: unknown, ctx: z.RefinementCtx) {
  const problem = freeformProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem.message, path: problem.path });
}

/** Named free-form values: `{"offer": "20% off", "card": {"last4": "1234"}}`. */
export const freeformRecord = z.record(z.string().max(100), z.unknown()).superRefine(bounded);

/** Any free-form JSON value (a segment filter, checked in full by its own compiler). */
export const freeformValue = z.unknown().superRefine(bounded);
