// The console's words in its two languages. A page takes the dictionary for the signed-in
// user's choice (cookie), else the browser's Accept-Language. Each language's table is a file
// of its own under ./i18n/; this module picks between them.
import { REASONS } from "../outbox/status";
import { en, type Words } from "./i18n/en";
import { REASONS_ZH, zh } from "./i18n/zh";
import { humanize } from "./names";

export type Lang = "en" | "zh-CN";

export type { Words };

export function words(lang: Lang): Words {
  return lang === "zh-CN" ? zh : en;
}

/** The language from the console's cookie, else the first one the browser prefers that we have. */
export function pickLang(cookie: string | undefined, acceptLanguage: string | undefined): Lang {
  if (cookie === "en" || cookie === "zh-CN") return cookie;
  for (const part of (acceptLanguage ?? "").split(",")) {
    const tag = part.split(";")[0]?.trim().toLowerCase() ?? "";
    if (tag.startsWith("zh")) return "zh-CN";
    if (tag.startsWith("en")) return "en";
  }
  return "en";
}

/** A phrase with its {placeholders} filled in. */
export function fill(phrase: string, values: Record<string, string | number>): string {
  return phrase.replace(/\{(\w+)\}/g, (m, k: string) => (k in values ? String(values[k]) : m));
}

/** A skip or failure reason as a person reads it, in the page's language. */
export function reasonText(lang: Lang, code: string): string {
  return (lang === "zh-CN" ? REASONS_ZH[code] : REASONS[code]) ?? code;
}

/** The word for a code the API uses (ck_broadcast, st_running, ch_sms…), else the code as words. */
export function term(w: Words, prefix: string, code: string): string {
  return (w as Record<string, string>)[`${prefix}${code}`] ?? humanize(code);
}
