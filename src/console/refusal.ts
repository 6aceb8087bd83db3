// An API refusal in the page's language. The API says each problem in English and, for the
// common ones, names it with a stable reason and its figures (lib/errors.ts ErrorDetail); those
// are worded here from the page's dictionary. A problem without a known reason keeps the API's
// sentence, after the field's name in the page's language.
import type { Refusal } from "./api";
import { fill, type Lang, term, type Words } from "./i18n";
import { humanize } from "./names";

/** One problem: a reason word and its figures (value, min, status…), as the API sends them. */
export type Why = { reason?: string; message?: string; [key: string]: unknown };

const ROLE_OF_SCOPE: Record<string, string> = { admin: "admin", write: "operator", read: "viewer" };

function dict(w: Words): Record<string, string> {
  return w as unknown as Record<string, string>;
}

/**
 * A field's name on the console's forms: `body.phone` and `phone` are both "Phone"; a name for
 * the last two parts comes first (`trigger.event.type` is the form's "Event", not "Type").
 */
export function fieldName(w: Words, path: string): string {
  const parts = path.split(".").filter((s) => !/^\d+$/.test(s) && s !== "body" && s !== "query");
  const last = parts.at(-1) ?? path;
  const words = dict(w);
  return words[`fld_${parts.slice(-2).join("_")}`] ?? words[`fld_${last}`] ?? humanize(last);
}

function country(lang: Lang, code: unknown): string {
  if (typeof code !== "string") return "";
  try {
    return new Intl.DisplayNames([lang], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

function quoted(value: unknown): string {
  const text = String(value ?? "").slice(0, 80);
  return `“${text}”`;
}

/** The problem in the page's words, or null when its reason is not one the console knows. */
export function whyText(w: Words, lang: Lang, field: string, why: Why): string | null {
  const reason = why.reason;
  if (typeof reason !== "string") return null;
  const words = dict(w);
  const key = reason === "format" && why.format === "email" ? "rf_format_email" : `rf_${reason}`;
  const phrase = words[key];
  if (phrase === undefined) return null;
  const list = Array.isArray(why.values) ? why.values.map(String) : [];
  return fill(phrase, {
    field,
    value: quoted(why.value),
    min: String(why.min ?? ""),
    max: String(why.max ?? ""),
    values: list.map((v) => words[v] ?? v).join(lang === "zh-CN" ? "、" : ", "),
    first_line: String(why.first_line ?? ""),
    status: term(w, "st_", String(why.status ?? "")),
    needs: term(w, "role_", ROLE_OF_SCOPE[String(why.needs)] ?? String(why.needs ?? "")),
    type: words[`at_${String(why.type)}`] ?? String(why.type ?? ""),
    word: quoted(why.word),
    other: quoted(why.other),
    keyword: String(why.keyword ?? ""),
    country: country(lang, why.country),
  });
}

type ErrorBody = { code?: string; message?: string; details?: unknown };

/**
 * The refusal as one line in the page's language: each field's problem worded, or the whole
 * refusal by its code; the API's own message when neither is known.
 */
export function refusalWords(w: Words, lang: Lang, error: ErrorBody | undefined, fallback: string): string {
  const details = error?.details;
  if (Array.isArray(details) && details.length > 0) {
    return details
      .slice(0, 5)
      .map((d: Why & { path?: string }) => {
        const field = fieldName(w, String(d.path ?? ""));
        return whyText(w, lang, field, d) ?? `${field}: ${d.message ?? ""}`;
      })
      .join(" ");
  }
  if (details && typeof details === "object") {
    const why = details as Why & { field?: string };
    const text = whyText(w, lang, fieldName(w, String(why.field ?? "")), why);
    if (text) return text;
  }
  const byCode = error?.code ? dict(w)[`rf_${error.code}`] : undefined;
  return byCode ?? fallback;
}

/**
 * A refusal as one line for the page, in its language where the API named the problem; else
 * its message, and its first detail when that adds something.
 */
export function refusalText(r: Refusal, w: Words, lang: Lang): string {
  const english = r.detail && !r.message.includes(r.detail) ? `${r.message} (${r.detail})` : r.message;
  return refusalWords(w, lang, r.error, english);
}
