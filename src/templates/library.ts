// The default templates that ship in templates/ as files: Handlebars source after a small
// metadata block. The runtime edge reads the files (Node from disk; the Worker bundles them) and
// hands the text here, so shared code never touches a file system.

import { reachesPrototype } from "../lib/prototype-names";

export type TemplateKind = "notification" | "marketing";

export type DefaultTemplate = {
  key: string;
  locale: string;
  kind: TemplateKind;
  /** The name a person sees, in the template's own language. */
  title: string;
  description: string;
  /** The variables the template expects, by dotted path, with sample values. */
  variables: Record<string, unknown>;
  /** The same samples as a nested object, ready to render. */
  sample: Record<string, unknown>;
  source: string;
  /** Changes when the text changes, so a sent message can name the exact text it used. */
  version: string;
};

export const KEY_PATTERN = /^[a-z][a-z0-9_]{1,63}$/;

/**
 * Parses one file:
 *
 *     ---
 *     key: birthday_greeting
 *     locale: en
 *     title: Birthday greeting
 *     kind: marketing
 *     description: Birthday greeting with a small gift
 *     variables: {"firstName": "Emma", "offer": "a free smoothie"}
 *     ---
 *     Happy birthday, {{firstName}}! ...
 */
export function parseTemplateFile(fileName: string, text: string): DefaultTemplate {
  const fail = (why: string): never => {
    throw new Error(`templates/${fileName}: ${why}`);
  };
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!match) return fail("must start with a --- metadata block --- before the template");
  const meta = new Map<string, string>();
  for (const line of (match[1] as string).split(/\r?\n/)) {
    if (!line.trim()) continue;
    const at = line.indexOf(":");
    if (at < 1) return fail(`metadata line '${line}' is not 'name: value'`);
    meta.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  const key = meta.get("key") ?? "";
  const locale = meta.get("locale") ?? "";
  const kind = meta.get("kind");
  if (!KEY_PATTERN.test(key)) fail("key must be lower_snake_case");
  if (!/^[a-z]{2}(-[A-Z]{2})?$/.test(locale)) fail("locale must look like en or zh-CN");
  if (kind !== "notification" && kind !== "marketing") return fail("kind must be notification or marketing");
  const title = meta.get("title") ?? "";
  if (!title) fail("title is required: the name people see in the console, in the file's language");
  if (fileName !== `${key}.${locale}.hbs`) fail(`the file must be named ${key}.${locale}.hbs`);
  let variables: Record<string, unknown>;
  try {
    variables = JSON.parse(meta.get("variables") ?? "{}");
  } catch {
    return fail("variables must be a JSON object of sample values");
  }
  // One final newline ends the file, not the message.
  const source = (match[2] as string).replace(/\r?\n$/, "");
  return {
    key,
    locale,
    kind,
    title,
    description: meta.get("description") ?? "",
    variables,
    sample: nest(variables),
    source,
    version: `default-${fnv1a(source)}`,
  };
}

/** {"card.last4": "1234"} → {card: {last4: "1234"}} */
export function nest(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(flat)) {
    const parts = path.split(".");
    // Skipped, never followed (the API refuses such names; stored data may predate that).
    if (reachesPrototype(path)) continue;
    let at = out;
    for (const p of parts.slice(0, -1)) {
      if (!Object.hasOwn(at, p) || typeof at[p] !== "object" || at[p] === null) at[p] = {};
      at = at[p] as Record<string, unknown>;
    }
    at[parts[parts.length - 1] as string] = value;
  }
  return out;
}

/** A short, stable fingerprint of a text (not for security). */
export function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The shipped templates, looked up by key and locale. */
export class TemplateLibrary {
  private readonly byKey = new Map<string, DefaultTemplate>();

  constructor(readonly all: readonly DefaultTemplate[]) {
    for (const t of all) this.byKey.set(`${t.key}.${t.locale}`, t);
  }

  get(key: string, locale: string): DefaultTemplate | undefined {
    return this.byKey.get(`${key}.${locale}`);
  }

  keys(): string[] {
    return [...new Set(this.all.map((t) => t.key))].sort();
  }
}

const libraries = new WeakMap<object, TemplateLibrary>();

/** The library for a runtime's shipped templates, built once. */
export function libraryOf(deps: { defaultTemplates?: readonly DefaultTemplate[] }): TemplateLibrary {
  const list = deps.defaultTemplates ?? [];
  let lib = libraries.get(list);
  if (!lib) {
    lib = new TemplateLibrary(list);
    libraries.set(list, lib);
  }
  return lib;
}
