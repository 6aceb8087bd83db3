// Civil-time helpers on Intl, which both runtimes ship. A "civil date" is a calendar day
// with no time zone; instants are converted to one with the recipient's IANA zone.

export type CivilDate = { year: number; month: number; day: number };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hourCycle: "h23",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.length > 64) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Local wall-clock parts of an instant in a time zone. */
export function localParts(
  instant: Date,
  timeZone: string,
): CivilDate & { hour: number; minute: number; second: number } {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return {
    year: get("year"),
    month: get("month"),
    day: get("day"),
    hour: get("hour"),
    minute: get("minute"),
    second: get("second"),
  };
}

export function localDate(instant: Date, timeZone: string): CivilDate {
  const { year, month, day } = localParts(instant, timeZone);
  return { year, month, day };
}

export function addDays(d: CivilDate, days: number): CivilDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

export function formatCivil(d: CivilDate): string {
  return `${String(d.year).padStart(4, "0")}-${pad2(d.month)}-${pad2(d.day)}`;
}

export function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] ?? 0);
}

/** "YYYY-MM" of the month after the given local date. */
export function nextMonth(d: CivilDate): string {
  return d.month === 12 ? `${d.year + 1}-01` : `${d.year}-${pad2(d.month + 1)}`;
}

export function monthOf(d: CivilDate): string {
  return `${d.year}-${pad2(d.month)}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses "YYYY-MM-DD" strictly (real calendar day), or returns null. */
export function parseCivilDate(text: string): CivilDate | null {
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > daysInMonth(d.year, d.month)) return null;
  return d;
}

/** "HH:MM" 24-hour clock. */
export const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * The instant at which a zone's wall clock shows this date and time. In a DST gap the time
 * does not exist and the result is the first instant after it; in an overlap, the earlier one.
 */
export function zonedInstant(d: CivilDate, hour: number, minute: number, timeZone: string): Date {
  const wanted = Date.UTC(d.year, d.month - 1, d.day, hour, minute);
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const p = localParts(new Date(guess), timeZone);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
    if (shown === wanted) break;
    guess += wanted - shown;
  }
  return new Date(guess);
}

/**
 * Whether an instant falls in a daily window given in local "HH:MM" (which may cross midnight,
 * e.g. 21:00-08:00), and if so when the window ends.
 */
export function inDailyWindow(
  instant: Date,
  window: { start: string; end: string },
  timeZone: string,
): { inside: false } | { inside: true; endsAt: Date } {
  const p = localParts(instant, timeZone);
  const minutes = p.hour * 60 + p.minute;
  const [sh, sm] = window.start.split(":").map(Number) as [number, number];
  const [eh, em] = window.end.split(":").map(Number) as [number, number];
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  const crosses = start > end;
  const inside = crosses ? minutes >= start || minutes < end : minutes >= start && minutes < end;
  if (!inside) return { inside: false };
  // The end is today, unless the window crosses midnight and we are in its evening part.
  const today: CivilDate = { year: p.year, month: p.month, day: p.day };
  const endDay = crosses && minutes >= start ? addDays(today, 1) : today;
  return { inside: true, endsAt: zonedInstant(endDay, eh, em, timeZone) };
}

/** The first instant of a calendar month in a zone ("YYYY-MM"). */
export function monthStart(month: string, timeZone: string): Date {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return zonedInstant({ year: y, month: m, day: 1 }, 0, 0, timeZone);
}

/** Whole calendar days from one civil date to another (negative if `to` is earlier). */
export function daysBetween(from: CivilDate, to: CivilDate): number {
  return Math.round(
    (Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000,
  );
}

/** An instant as the API shows it: ISO 8601 in UTC. Null (not yet, never) stays null. */
export function iso(ms: number): string;
export function iso(ms: number | null): string | null;
export function iso(ms: number | null): string | null {
  if (ms === null) return null;
  if (!(ms >= 0 && ms < YEAR_10000) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  // A page of 50 messages shows 250 instants; toISOString took 0.47 µs each, this 0.11.
  // Instants of one list mostly share their day, whose text is kept.
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    isoDay = day;
    isoDayText = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  const milli = rest - sec * 1000;
  return `${isoDayText}${two(h)}:${two(m)}:${two(sec)}.${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}Z`;
}

const DAY_MS = 86_400_000;
const YEAR_10000 = 253_402_300_800_000;
let isoDay = -1;
let isoDayText = "";
const two = (n: number) => (n < 10 ? `0${n}` : String(n));
