// What the console calls things a person did not name in words: a template by its title in the
// reader's language, a custom attribute by its label, and any other code as plain words.
import type { ConsoleApi } from "./api";

/** A code as words, for one the console has no phrase for: "front_desk" → "front desk". */
export function humanize(code: string): string {
  const words = code.replace(/[_.]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

type TemplateRow = { key: string; locale: string; title: string; kind: string };

export type TemplateNames = {
  /** The title in the reader's language, else in any, else the key as words. */
  title: (key: string) => string;
  /** Every key the workspace can send (its own and the shipped ones), by title. */
  options: { value: string; label: string }[];
  rows: { own: TemplateRow[]; shipped: TemplateRow[] };
};

/** `lang`: the reader's language (en, zh-CN), whose titles come first. */
export async function templateNames(api: ConsoleApi, lang: string): Promise<TemplateNames> {
  const own = (await api.get<{ data: TemplateRow[] }>("/v1/templates")).data;
  const shipped = (await api.get<{ data: TemplateRow[] }>("/v1/templates/defaults")).data;
  const best = new Map<string, { title: string; rank: number }>();
  // The workspace's own words before the shipped ones; the reader's language before others.
  for (const [rows, base] of [
    [own, 0],
    [shipped, 2],
  ] as const) {
    for (const t of rows) {
      if (!t.title) continue;
      const rank = base + (t.locale === lang ? 0 : 1);
      const had = best.get(t.key);
      if (!had || rank < had.rank) best.set(t.key, { title: t.title, rank });
    }
  }
  const title = (key: string) => best.get(key)?.title ?? humanize(key);
  const keys = [...new Set([...own, ...shipped].map((t) => t.key))];
  const options = keys.map((k) => ({ value: k, label: title(k) })).sort((a, b) => a.label.localeCompare(b.label, lang));
  return { title, options, rows: { own, shipped } };
}

export type Attribute = { key: string; type: string; label: string | null };

/** A custom attribute's name: its label, else its key as words. */
export function attributeName(defs: readonly Attribute[], key: string): string {
  return defs.find((d) => d.key === key)?.label || humanize(key);
}
