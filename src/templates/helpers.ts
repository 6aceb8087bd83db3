// Template helpers. Each is a plain function in Handlebars' helper shape (params..., options),
// so the engine and, in tests, Handlebars.compile run the very same code. Dates and numbers are
// formatted in the recipient's locale and time zone, passed in as @locale and @timeZone.
// A helper given nothing to work with throws: a message must never go out with a hole in it.

import { Solar } from "lunar-typescript";
import { parseCivilDate } from "../lib/time";
import type { Helper, HelperOptions } from "./engine";

type Opts = HelperOptions;

function optionsOf(args: unknown[]): Opts {
  return args[args.length - 1] as Opts;
}

function localeOf(o: Opts): string {
  const l = o.hash.locale ?? o.data.locale;
  return typeof l === "string" && l ? l : "en";
}

function zoneOf(o: Opts): string {
  const z = o.hash.timeZone ?? o.data.timeZone;
  return typeof z === "string" && z ? z : "UTC";
}

type Formatter = Intl.DateTimeFormat | Intl.NumberFormat | Intl.PluralRules;
const formatters = new Map<string, Formatter>();

// Building an Intl formatter takes 30-250 µs (a date format the most), a hundred times a cached
// one: a template that asks for a new locale at every turn of a loop pays for it in steps.
const NEW_FORMATTER_STEPS = 250;
// A lunar date is computed afresh each time (about 40 µs).
const LUNAR_STEPS = 50;

/**
 * Intl formatters are slow to build and safe to share: one per (kind, locale, options). A render
 * (or a piece of work of many renders) pays for each formatter the first time it uses it, built
 * now or before: what a template costs does not depend on what others left in the cache.
 */
function cached<T extends Formatter>(o: Opts, key: string, make: () => T): T {
  o.chargeOnce?.(key, NEW_FORMATTER_STEPS);
  let f = formatters.get(key) as T | undefined;
  if (!f) {
    if (formatters.size > 500) formatters.clear();
    f = make();
    formatters.set(key, f);
  }
  return f;
}

/** A calendar date ("2026-12-01") is shown as that date anywhere; an instant in the recipient's zone. */
function toInstant(value: unknown, helper: string): { at: Date; civil: boolean } {
  if (value === undefined || value === null || value === "") {
    throw new Error("needs a date, got nothing (is the variable set?)");
  }
  if (typeof value === "string") {
    const civil = parseCivilDate(value);
    if (civil) return { at: new Date(Date.UTC(civil.year, civil.month - 1, civil.day, 12)), civil: true };
    const at = new Date(value);
    if (!Number.isNaN(at.getTime()) && /^\d{4}-\d{2}-\d{2}T/.test(value)) return { at, civil: false };
  } else if (typeof value === "number" && Number.isFinite(value)) {
    return { at: new Date(value), civil: false };
  }
  const shown = typeof value === "object" ? (Array.isArray(value) ? "a list" : "an object") : `'${String(value)}'`;
  throw new Error(`${shown} is not a date (use YYYY-MM-DD or an ISO 8601 date-time) in ${helper}`);
}

const DATE_STYLES: Record<string, Intl.DateTimeFormatOptions> = {
  short: { dateStyle: "short" },
  medium: { dateStyle: "medium" },
  long: { dateStyle: "long" },
  full: { dateStyle: "full" },
  month_day: { month: "long", day: "numeric" },
  weekday: { weekday: "long", month: "long", day: "numeric" },
};

function formatInstant(value: unknown, o: Opts, helper: string, parts: Intl.DateTimeFormatOptions): string {
  const { at, civil } = toInstant(value, helper);
  const locale = localeOf(o);
  const timeZone = civil ? "UTC" : zoneOf(o);
  const key = `d|${locale}|${timeZone}|${JSON.stringify(parts)}`;
  return cached(o, key, () => new Intl.DateTimeFormat(locale, { ...parts, timeZone })).format(at);
}

function styleOf(o: Opts, fallback: string): Intl.DateTimeFormatOptions {
  const style = word(o.hash.style ?? fallback, "style");
  const parts = DATE_STYLES[style];
  if (!parts) throw new Error(`style must be one of ${Object.keys(DATE_STYLES).join(", ")}`);
  return parts;
}

const TIME: Intl.DateTimeFormatOptions = { hour: "numeric", minute: "2-digit" };

const CJK = /[\u3400-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af]/;

/**
 * The name to greet someone by. Latin names: the first word ("Emma Li" → "Emma"). Chinese,
 * Japanese and Korean names are kept whole: a business addresses 张伟 as 张伟, not 伟.
 */
export function firstNameOf(name: string): string {
  const trimmed = name.trim();
  if (CJK.test(trimmed)) return trimmed;
  return /^\S*/.exec(trimmed)?.[0] ?? "";
}

/**
 * An option's value (style=, format=, ellipsis=): a short word. A list or an object is refused,
 * never joined into text: that would be unbounded work the step budget does not see.
 */
function word(value: unknown, name: string): string {
  if (typeof value === "string" && value.length <= 40) return value;
  throw new Error(`${name} must be a word, such as ${name}="..."`);
}

function text(value: unknown): string {
  if (value === undefined || value === null) throw new Error("needs a value, got nothing (is the variable set?)");
  if (typeof value === "object") throw new Error(`needs text, got ${Array.isArray(value) ? "a list" : "an object"}`);
  return String(value);
}

function lunarText(day: unknown, o: Opts): string {
  const civil = typeof day === "string" ? parseCivilDate(day) : null;
  if (!civil) throw new Error("needs a date YYYY-MM-DD (or none, for today in the recipient's calendar)");
  o.charge?.(LUNAR_STEPS);
  const lunar = Solar.fromYmd(civil.year, civil.month, civil.day).getLunar();
  const format = word(o.hash.format ?? "month_day", "format");
  if (!localeOf(o).toLowerCase().startsWith("zh")) {
    const month = lunar.getMonth();
    const leap = month < 0 ? "leap " : "";
    return `${leap}lunar month ${Math.abs(month)}, day ${lunar.getDay()}`;
  }
  const monthDay = `${lunar.getMonthInChinese()}月${lunar.getDayInChinese()}`;
  if (format === "month_day") return monthDay;
  if (format === "full") return `${lunar.getYearInGanZhi()}${lunar.getYearShengXiao()}年${monthDay}`;
  if (format === "year") return `${lunar.getYearInGanZhi()}${lunar.getYearShengXiao()}年`;
  throw new Error("format must be month_day, full or year");
}

export const helpers: Readonly<Record<string, Helper>> = {
  /** {{formatDate expiry}} → "December 1, 2026" / "2026年12月1日"; style=short|medium|long|full|month_day|weekday */
  formatDate(...args) {
    const o = optionsOf(args);
    return formatInstant(args[0], o, "formatDate", styleOf(o, "long"));
  },
  /** {{formatTime appointment}} → "7:00 PM" / "19:00" in the recipient's zone */
  formatTime(...args) {
    const o = optionsOf(args);
    return formatInstant(args[0], o, "formatTime", TIME);
  },
  /** {{formatDateTime appointment}} → "December 1, 7:00 PM" / "12月1日 19:00" */
  formatDateTime(...args) {
    const o = optionsOf(args);
    return formatInstant(args[0], o, "formatDateTime", { ...styleOf(o, "month_day"), ...TIME });
  },
  /** {{currency 49}} → "¥49.00" (the workspace's currency), {{currency price "USD" decimals=0}} */
  currency(...args) {
    const o = optionsOf(args);
    const amount = typeof args[0] === "string" && args[0].trim() !== "" ? Number(args[0]) : args[0];
    if (typeof amount !== "number" || !Number.isFinite(amount)) throw new Error("needs an amount (a number)");
    const code = args.length > 2 ? args[1] : o.data.currency;
    if (typeof code !== "string" || !/^[A-Z]{3}$/.test(code)) throw new Error("needs a currency code such as CNY");
    const decimals = o.hash.decimals;
    const digits = typeof decimals === "number" && decimals >= 0 && decimals <= 4 ? decimals : undefined;
    const locale = localeOf(o);
    const key = `n|${locale}|${code}|${digits}`;
    return cached(
      o,
      key,
      () =>
        new Intl.NumberFormat(locale, {
          style: "currency",
          currency: code,
          minimumFractionDigits: digits,
          maximumFractionDigits: digits,
        }),
    ).format(amount);
  },
  /** {{firstNameOf name}} → "Emma" for "Emma Li"; Chinese names stay whole */
  firstNameOf(...args) {
    return firstNameOf(text(args[0]));
  },
  /** {{plural visits "visit" "visits"}} by the recipient's locale's plural rules */
  plural(...args) {
    const o = optionsOf(args);
    const [count, one, other] = args;
    if (typeof count !== "number" || args.length !== 4)
      throw new Error('needs a number and two words: plural n "visit" "visits"');
    const locale = localeOf(o);
    return cached(o, `p|${locale}`, () => new Intl.PluralRules(locale)).select(count) === "one" ? one : other;
  },
  /** {{truncate offer 20}} keeps at most 20 characters, ending in "…" (ellipsis="..." to change) */
  truncate(...args) {
    const o = optionsOf(args);
    const value = text(args[0]);
    const max = args[1];
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1)
      throw new Error("needs a length (a whole number)");
    const ellipsis = word(o.hash.ellipsis ?? "…", "ellipsis");
    // Characters, not UTF-16 units (an emoji is one); only as many as the answer needs are read.
    const chars: string[] = [];
    for (const ch of value) {
      if (chars.length === max) {
        const keep = Math.max(0, max - Array.from(ellipsis).length);
        return chars.slice(0, keep).join("") + ellipsis;
      }
      chars.push(ch);
    }
    return value;
  },
  /** {{lunarDate}} → today's lunar date, e.g. "正月初一"; {{lunarDate birthday format="full"}} → "丙午马年正月初一" */
  lunarDate(...args) {
    const o = optionsOf(args);
    // With no argument, today in the recipient's calendar; a named but missing date is an error.
    return lunarText(args.length > 1 ? args[0] : o.data.today, o);
  },
  upper(...args) {
    return text(args[0]).toUpperCase();
  },
  lower(...args) {
    return text(args[0]).toLowerCase();
  },
  /** {{default nickname "friend"}}: the value, or the fallback when it is missing or empty */
  default(...args) {
    if (args.length !== 3) throw new Error('needs a value and a fallback: default nickname "friend"');
    const [value, fallback] = args;
    return value === undefined || value === null || value === "" ? fallback : value;
  },
};

export const HELPER_NAMES = Object.keys(helpers).concat("if", "unless", "each", "with", "lookup").sort();
