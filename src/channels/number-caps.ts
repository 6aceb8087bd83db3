// How many messages one number may get through a channel per minute, hour and day. The Chinese
// clouds refuse past their own figures (and count a refused send against nothing): kept below
// them here, a message waits until its number has room instead of being refused.
import type { ChannelRow, NumberCaps } from "../db/schema";

/** The providers' published per-number limits for notifications and promotions. */
export const PROVIDER_NUMBER_CAPS: Readonly<Record<string, NumberCaps>> = {
  // 50 in 24 hours to a number for one signature and template: held to 50 for the channel.
  aliyun: { per_day: 50 },
  // 10 in a calendar day to a number: 10 in any 24 hours keeps inside it.
  tencent: { per_day: 10 },
};

/** The caps a channel keeps: its own (`{}`: none), else its provider's; null when it keeps none. */
export function numberCapsOf(row: Pick<ChannelRow, "provider" | "numberCaps">): NumberCaps | null {
  const caps = row.numberCaps ?? PROVIDER_NUMBER_CAPS[row.provider] ?? null;
  return caps && Object.values(caps).some((v) => v !== undefined) ? caps : null;
}

const WINDOWS = [
  ["per_minute", 60_000, "minute"],
  ["per_hour", 3_600_000, "hour"],
  ["per_day", 86_400_000, "24 hours"],
] as const;

/** The longest window the caps look back over, in ms. */
export function capsReach(caps: NumberCaps): number {
  return Math.max(0, ...WINDOWS.filter(([k]) => caps[k] !== undefined).map(([, ms]) => ms));
}

/**
 * When a number with these sends (ms, any order) has room for one more under the caps, with
 * the window that holds it; null when it has room now.
 */
export function numberCapWait(
  caps: NumberCaps,
  sends: readonly number[],
  now: number,
): { until: number; cap: number; window: string } | null {
  let held: { until: number; cap: number; window: string } | null = null;
  for (const [key, ms, window] of WINDOWS) {
    const cap = caps[key];
    if (cap === undefined) continue;
    const inside = sends.filter((t) => t > now - ms).sort((a, b) => a - b);
    if (inside.length < cap) continue;
    // Room comes when enough of the oldest have aged out of the window.
    const until = (inside[inside.length - cap] as number) + ms;
    if (!held || until > held.until) held = { until, cap, window };
  }
  return held;
}
