// Cron expressions evaluated in a time zone, for recurring campaigns. node-cron's own parser
// lives in a module that imports Node built-ins, so shared code has this small evaluator for the
// same syntax: five fields (minute hour day-of-month month day-of-week), `*`, lists, ranges,
// steps, month and day names, and `n#k` for "the k-th weekday n of the month" (1#1 = first
// Monday). As in cron, when both day fields are restricted a day matching either one counts.

import { addDays, type CivilDate, daysInMonth, zonedInstant } from "./time";

export type Cron = {
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** `dow#k` entries: weekday and which one in the month (1-5). */
  nth: { weekday: number; k: number }[];
  dayRestricted: boolean;
  weekdayRestricted: boolean;
};

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

export class CronError extends Error {}

function field(text: string, min: number, max: number, names: string[] = [], nameBase = 0): Set<number> {
  const out = new Set<number>();
  const value = (t: string) => {
    const i = names.indexOf(t.toUpperCase());
    const n = i >= 0 ? i + nameBase : Number(t);
    if (!Number.isInteger(n) || n < min || n > max) throw new CronError(`'${t}' is not in ${min}-${max}`);
    return n;
  };
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`bad step in '${part}'`);
    let lo: number;
    let hi: number;
    if (range === "*") {
      lo = min;
      hi = max;
    } else if (range?.includes("-")) {
      const [a, b] = range.split("-");
      lo = value(a ?? "");
      hi = value(b ?? "");
      if (lo > hi) throw new CronError(`'${range}' runs backwards`);
    } else {
      lo = value(range ?? "");
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expression: string): Cron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new CronError("needs five fields: minute hour day-of-month month day-of-week");
  const [mi, h, dom, mon, dow] = parts as [string, string, string, string, string];
  const nth: Cron["nth"] = [];
  const plainDow = dow
    .split(",")
    .filter((p) => {
      const m = /^(\w+)#([1-5])$/.exec(p);
      if (!m) return true;
      const weekday = [...field(m[1] as string, 0, 7, DAYS)][0] as number;
      nth.push({ weekday: weekday % 7, k: Number(m[2]) });
      return false;
    })
    .join(",");
  const weekdays = plainDow ? new Set([...field(plainDow, 0, 7, DAYS)].map((d) => d % 7)) : new Set<number>();
  return {
    minutes: field(mi, 0, 59),
    hours: field(h, 0, 23),
    days: field(dom, 1, 31),
    months: field(mon, 1, 12, MONTHS, 1),
    weekdays,
    nth,
    dayRestricted: dom !== "*",
    weekdayRestricted: dow !== "*",
  };
}

function dayMatches(c: Cron, d: CivilDate): boolean {
  if (!c.months.has(d.month)) return false;
  const weekday = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
  const byWeekday = c.weekdays.has(weekday) || c.nth.some((n) => n.weekday === weekday && Math.ceil(d.day / 7) === n.k);
  const byDay = c.days.has(d.day) && d.day <= daysInMonth(d.year, d.month);
  if (c.dayRestricted && c.weekdayRestricted) return byDay || byWeekday;
  if (c.weekdayRestricted) return byWeekday;
  return byDay;
}

/**
 * The first instant after `after` at which the expression matches the zone's wall clock.
 * Looks up to two years ahead; null if nothing matches (e.g. 30 February).
 */
export function nextRun(c: Cron, after: Date, timeZone: string): Date | null {
  const startParts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(after)
    .split("-")
    .map(Number) as [number, number, number];
  let day: CivilDate = { year: startParts[0], month: startParts[1], day: startParts[2] };
  const hours = [...c.hours].sort((a, b) => a - b);
  const minutes = [...c.minutes].sort((a, b) => a - b);
  for (let i = 0; i < 800; i++, day = addDays(day, 1)) {
    if (!dayMatches(c, day)) continue;
    for (const h of hours) {
      for (const m of minutes) {
        const at = zonedInstant(day, h, m, timeZone);
        if (at.getTime() > after.getTime()) return at;
      }
    }
  }
  return null;
}
