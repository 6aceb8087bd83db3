// Every time the console shows a person is in a named zone (rule 7): the workspace's, unless a
// page says whose. "7 Dec 2026, 09:00 GMT+8"; dates alone are that zone's calendar date.

import type { Lang } from "./i18n";

/** An instant as a date and time in `zone`, with the zone named. */
export function whenIn(instant: string | number, zone: string, lang: Lang): string {
  return new Date(instant).toLocaleString(lang, {
    timeZone: zone,
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  });
}

/** The calendar date (YYYY-MM-DD) an instant falls on in `zone`. */
export function dayIn(instant: string | number, zone: string): string {
  // en-CA formats a date as YYYY-MM-DD.
  return new Date(instant).toLocaleDateString("en-CA", { timeZone: zone });
}
