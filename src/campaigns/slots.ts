// When date-relative and holiday campaigns send. Each send happens at a wall-clock time in the
// customer's own zone, so a campaign's schedule is a set of slots: one per (time zone, anchor
// date), each at one UTC instant. All customers in a slot share its instant and validity, so a
// slot is planned with one indexed insert-select.

import type { CampaignTrigger, HolidayName, Offset } from "../db/schema";
import { lunarToSolar } from "../lib/lunar";
import { addDays, type CivilDate, formatCivil, localDate, parseCivilDate, zonedInstant } from "../lib/time";

export type DateTrigger = Extract<CampaignTrigger, { type: "date" | "holiday" }>;

export type Slot = {
  zone: string;
  /** The anchor date (birthday, expiry, holiday) this slot sends for. */
  anchor: CivilDate;
  /** The send instant, UTC ms. */
  at: number;
};

const DAY = 86_400_000;
const UNIT_MS = { minutes: 60_000, hours: 3_600_000, days: DAY, weeks: 7 * DAY } as const;

export function offsetMs(o: Offset): number {
  return o.value * UNIT_MS[o.unit];
}

/** Days and weeks move the calendar date (DST-safe); minutes and hours move the clock. */
function splitOffset(o: Offset): { days: number; ms: number } {
  if (o.unit === "days") return { days: o.value, ms: 0 };
  if (o.unit === "weeks") return { days: o.value * 7, ms: 0 };
  return { days: 0, ms: offsetMs(o) };
}

export const HOLIDAYS: Record<HolidayName, { en: string; lunar?: [number, number]; solar?: [number, number] }> = {
  new_year: { en: "New Year's Day", solar: [1, 1] },
  spring_festival: { en: "Spring Festival", lunar: [1, 1] },
  dragon_boat: { en: "Dragon Boat Festival", lunar: [5, 5] },
  mid_autumn: { en: "Mid-Autumn Festival", lunar: [8, 15] },
};

/** A custom holiday date: "MM-DD" every year, or "YYYY-MM-DD" once. */
export function parseHolidayDate(text: string): { yearly: boolean; month: number; day: number; year?: number } | null {
  const once = parseCivilDate(text);
  if (once) return { yearly: false, ...once };
  const m = /^(\d{2})-(\d{2})$/.exec(text);
  if (!m) return null;
  const month = Number(m[1]);
  const day = Number(m[2]);
  if (!parseCivilDate(`2024-${m[1]}-${m[2]}`)) return null;
  return { yearly: true, month, day };
}

/** The holiday's dates in a solar year (lunar ones fall in January or February, or later). */
export function holidayDates(h: Extract<DateTrigger, { type: "holiday" }>["holiday"], year: number): CivilDate[] {
  if (typeof h === "string") {
    const def = HOLIDAYS[h];
    if (def.solar) return [{ year, month: def.solar[0], day: def.solar[1] }];
    const [m, d] = def.lunar as [number, number];
    // The lunar year starting in solar year Y puts all four festivals in solar year Y.
    return [lunarToSolar(year, m, d)];
  }
  const p = parseHolidayDate(h.date);
  if (!p) return [];
  if (!p.yearly) return p.year === year ? [{ year, month: p.month, day: p.day }] : [];
  // 29 February is kept on 28 February in common years.
  const day = p.month === 2 && p.day === 29 && !parseCivilDate(`${year}-02-29`) ? 28 : p.day;
  return [{ year, month: p.month, day }];
}

function timeOf(t: DateTrigger): { hour: number; minute: number } {
  const [hour, minute] = t.delivery_time.split(":").map(Number) as [number, number];
  return { hour, minute };
}

/** The send instant of a slot for an anchor date in a zone. */
export function slotInstant(t: DateTrigger, anchor: CivilDate, zone: string): number {
  const { hour, minute } = timeOf(t);
  const shift = t.type === "date" ? splitOffset(t.offset) : { days: 0, ms: 0 };
  return zonedInstant(addDays(anchor, shift.days), hour, minute, zone).getTime() + shift.ms;
}

/** Every slot with from < at <= to, in time order. */
export function slotsBetween(t: DateTrigger, zones: readonly string[], from: number, to: number): Slot[] {
  const out: Slot[] = [];
  for (const zone of zones) {
    if (t.type === "holiday") {
      const first = localDate(new Date(from), zone).year - 1;
      const last = localDate(new Date(to), zone).year + 1;
      for (let y = first; y <= last; y++) {
        for (const anchor of holidayDates(t.holiday, y)) {
          const at = slotInstant(t, anchor, zone);
          if (at > from && at <= to) out.push({ zone, anchor, at });
        }
      }
      continue;
    }
    // Anchor dates whose send time can fall in the window: its local dates, moved back by the
    // offset, with a day's margin either side for the clock part and zone offsets.
    const { days, ms } = splitOffset(t.offset);
    const start = addDays(localDate(new Date(from - ms), zone), -days - 1);
    const end = addDays(localDate(new Date(to - ms), zone), -days + 1);
    for (let a = start; formatCivil(a) <= formatCivil(end); a = addDays(a, 1)) {
      const at = slotInstant(t, a, zone);
      if (at > from && at <= to) out.push({ zone, anchor: a, at });
    }
  }
  return out.sort((x, y) => x.at - y.at || (x.zone < y.zone ? -1 : 1));
}

/** The first slot after `after`, or null when there is none (a one-off holiday that passed). */
export function nextSlotAfter(t: DateTrigger, zones: readonly string[], after: number): number | null {
  // A date campaign has a slot in every zone every day; a holiday at least once a year.
  const span = t.type === "date" ? 3 * DAY : 800 * DAY;
  return slotsBetween(t, zones, after, after + span)[0]?.at ?? null;
}

/** The end of the local day a send falls on, in its zone: when a greeting stops making sense. */
export function endOfLocalDay(at: number, zone: string): number {
  return zonedInstant(addDays(localDate(new Date(at), zone), 1), 0, 0, zone).getTime();
}
