// Field validators shared by the feature schemas, so a bad value gets the same reason everywhere.
import { z } from "@hono/zod-openapi";
import { canonicalLocale } from "./locale";
import { isCountry } from "./phone";
import { HHMM, isValidTimeZone } from "./time";

export const timeZoneField = z
  .string()
  .refine(isValidTimeZone, { message: "must be an IANA time zone such as Asia/Shanghai" })
  .openapi({ example: "Asia/Shanghai" });

export const countryField = z
  .string()
  .transform((s) => s.toUpperCase())
  .refine(isCountry, { message: "must be an ISO 3166 alpha-2 country code such as CN or US" })
  .openapi({ example: "CN" });

export const localeField = z
  .string()
  .max(35)
  .refine((s) => canonicalLocale(s) !== null, {
    message: "must be a BCP 47 locale such as zh-CN or en",
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

export const hhmmField = z.string().regex(HHMM, "must be a 24-hour time HH:MM").openapi({ example: "21:00" });

export const slugField = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be lowercase letters, digits, '-' or '_' (max 63)");

// Free-form values (template variables, a channel's config) are JSON of the caller's making:
// bounded in depth, so no code that walks them (hashing, templates, storage) can run out of
// stack, and in size, so a render over them stays cheap. Templates read a few levels at most.
export const FREEFORM_DEPTH = 16;
export const FREEFORM_BYTES = 32 * 1024;

/** What is wrong with a free-form value, walked without recursion; null when it is fine. */
export function freeformProblem(value: unknown): { path: (string | number)[]; message: string } | null {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop() as { v: unknown; path: (string | number)[] };
    if (v === null || typeof v !== "object") continue;
    if (path.length >= FREEFORM_DEPTH) return { path, message: `nesting is limited to ${FREEFORM_DEPTH} levels` };
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((item, i) => [i, item]) : Object.entries(v);
    for (const [k, item] of entries) stack.push({ v: item, path: [...path, k] });
  }
  // undefined (a field left out) has no JSON at all.
  if ((JSON.stringify(value) ?? "").length > FREEFORM_BYTES)
    return { path: [], message: `must be at most ${FREEFORM_BYTES / 1024} KB as JSON` };
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
