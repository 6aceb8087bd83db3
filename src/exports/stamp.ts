// An instant as a person in the workspace reads it: local date and time with the zone's offset
// (2026-11-24T09:00:00+08:00). Offsets change at most on the quarter hour: kept per quarter,
// an export of a million rows asks Intl a few thousand times, not four million.
import { localParts } from "../lib/time";

const QUARTER = 15 * 60_000;

export class ZoneStamp {
  private readonly offsets = new Map<number, number>();

  constructor(readonly zone: string) {}

  /** The offset from UTC in minutes at this instant. */
  private offset(ms: number): number {
    const quarter = Math.floor(ms / QUARTER);
    let minutes = this.offsets.get(quarter);
    if (minutes === undefined) {
      const at = quarter * QUARTER;
      const p = localParts(new Date(at), this.zone);
      minutes = Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - at) / 60_000);
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(quarter, minutes);
    }
    return minutes;
  }

  /** An ISO instant (or epoch ms) as local time with offset; null stays null. */
  format(instant: string | number | null | undefined): string | null {
    if (instant === null || instant === undefined || instant === "") return null;
    const ms = typeof instant === "number" ? instant : Date.parse(instant);
    if (!Number.isFinite(ms)) return null;
    const minutes = this.offset(ms);
    const local = new Date(Math.floor(ms / 1000) * 1000 + minutes * 60_000).toISOString().slice(0, 19);
    const sign = minutes < 0 ? "-" : "+";
    const abs = Math.abs(minutes);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  }
}
