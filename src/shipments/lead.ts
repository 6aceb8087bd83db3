// Lead times and their quantiles. A lead time is counted in the customer's local calendar days
// (shipped Monday evening, delivered Wednesday morning: day 2), which is what "80% have the card
// by day 2" means to a card centre, and in whole hours for the finer view.

import { daysBetween, localDate } from "../lib/time";

/** Histograms stop here: everything later lands in the last bucket. */
export const MAX_LEAD_DAYS = 30;
export const MAX_LEAD_HOURS = MAX_LEAD_DAYS * 24;

export const QUANTILES = [0.5, 0.8, 0.9, 0.95] as const;

export function leadOf(shippedAt: number, arrivedAt: number, zone: string): { days: number; hours: number } {
  const days = daysBetween(localDate(new Date(shippedAt), zone), localDate(new Date(arrivedAt), zone));
  return { days: Math.max(0, days), hours: Math.max(0, Math.floor((arrivedAt - shippedAt) / 3_600_000)) };
}

/**
 * The smallest value v such that at least a share p of the samples are <= v (the day by which
 * p of the items had arrived). Null for an empty histogram.
 */
export function quantileOf(histogram: readonly number[], p: number): number | null {
  const n = histogram.reduce((s, x) => s + x, 0);
  if (n === 0) return null;
  const need = p * n;
  let seen = 0;
  for (let v = 0; v < histogram.length; v++) {
    seen += histogram[v] ?? 0;
    // A tolerance so 0.8 * 10 = 8.000000000000002 still counts 8 samples as enough.
    if (seen >= need - 1e-9) return v;
  }
  return histogram.length - 1;
}

export function addInto(into: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
}

export function emptyHistogram(size: number): number[] {
  return new Array<number>(size).fill(0);
}
