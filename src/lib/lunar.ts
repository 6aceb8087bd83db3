// The Chinese lunar calendar, through lunar-typescript (a maintained port of lunar-java).
import { Lunar, LunarMonth, Solar } from "lunar-typescript";
import { type CivilDate, formatCivil } from "./time";

const cache = new Map<string, number[]>();

/**
 * Lunar month*100+day values whose birthday is celebrated on this solar date. Birthdays are
 * kept in the regular month, not in a repeated (leap) month; day 30 falls on day 29 in a short
 * month.
 */
export function lunarMonthDays(d: CivilDate): number[] {
  const key = formatCivil(d);
  let out = cache.get(key);
  if (!out) {
    out = [];
    const l = Solar.fromYmd(d.year, d.month, d.day).getLunar();
    const month = l.getMonth();
    if (month > 0) {
      out.push(month * 100 + l.getDay());
      if (l.getDay() === 29 && LunarMonth.fromYm(l.getYear(), month)?.getDayCount() === 29) out.push(month * 100 + 30);
    }
    if (cache.size > 5000) cache.clear();
    cache.set(key, out);
  }
  return out;
}

/** The lunar year a solar date falls in (a lunar birthday happens once per lunar year). */
export function lunarYearOf(d: CivilDate): number {
  return Solar.fromYmd(d.year, d.month, d.day).getLunar().getYear();
}

/** The solar date of a lunar month and day in a lunar year (regular month). */
export function lunarToSolar(lunarYear: number, month: number, day: number): CivilDate {
  const s = Lunar.fromYmd(lunarYear, month, day).getSolar();
  return { year: s.getYear(), month: s.getMonth(), day: s.getDay() };
}
