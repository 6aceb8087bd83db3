// The generated bank of the activation demo: couriers and cities with their lead times,
// cardholders who activate on their own (when, and through which channel), and how they answer
// a prompt. Seeded, so a run can be repeated.

import { seededRandom } from "../src/lib/random";
import type { DemoOptions } from "./activation-demo";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Lead days after mailing: a courier's own spread, later in far cities.
const COURIERS: Record<string, { dist: [number, number][]; weight: number }> = {
  SF: {
    dist: [
      [1, 0.35],
      [2, 0.5],
      [3, 0.1],
      [4, 0.05],
    ],
    weight: 0.4,
  },
  YTO: {
    dist: [
      [2, 0.2],
      [3, 0.35],
      [4, 0.3],
      [5, 0.1],
      [6, 0.05],
    ],
    weight: 0.35,
  },
  EMS: {
    dist: [
      [3, 0.15],
      [4, 0.25],
      [5, 0.3],
      [6, 0.2],
      [7, 0.1],
    ],
    weight: 0.25,
  },
};
const CITIES: Record<string, { shift: number; weight: number; zone: string }> = {
  Shanghai: { shift: 0, weight: 0.3, zone: "Asia/Shanghai" },
  Beijing: { shift: 0, weight: 0.25, zone: "Asia/Shanghai" },
  Guangzhou: { shift: 1, weight: 0.2, zone: "Asia/Shanghai" },
  Chengdu: { shift: 1, weight: 0.15, zone: "Asia/Shanghai" },
  Urumqi: { shift: 2, weight: 0.1, zone: "Asia/Urumqi" },
};
/** Almost nobody ships YTO to Urumqi: a cell too thin to learn, timed by YTO's own row. */
const THIN = { courier: "YTO", city: "Urumqi", share: 0.03 };

// Without a prompt: how long after the card arrives people activate, and how.
const DELAY_HOURS: [number, number, number][] = [
  [0.3, 2, 24],
  [0.3, 24, 96],
  [0.2, 96, 240],
  [0.2, -1, -1], // never, on their own
];
const CHANNELS: [string, number][] = [
  ["agent", 0.5],
  ["app", 0.22],
  ["web", 0.13],
  ["ivr", 0.1],
  ["branch", 0.05],
];
/** A prompt that finds the card at home and not yet active gets a reply this often. */
const REPLY_AFTER_CARD = 0.55;
/** A prompt that came before the card is remembered when it arrives this often. */
const REPLY_BEFORE_CARD = 0.12;

/**
 * When a cardholder answers a prompt of this step delivered at `sentAt` (null: they don't, or
 * they activate on their own first). The live run and the holdout's counterfactual both use it.
 */
export function replyAtOf(t: Truth, step: number, sentAt: number): number | null {
  const p = t.reply[step - 1] as Truth["reply"][number];
  const at =
    sentAt >= t.deliveredAt
      ? p.u < REPLY_AFTER_CARD
        ? sentAt + p.delayMs
        : null
      : p.u < REPLY_BEFORE_CARD
        ? t.deliveredAt + p.delayMs
        : null;
  return at === null || (t.own && t.own.at <= at) ? null : at;
}

export type Truth = {
  n: number;
  customer: string;
  phone: string;
  last4: string;
  courier: string;
  city: string;
  zone: string;
  shippedAt: number;
  deliveredAt: number;
  feed: boolean;
  /** When and how they activate without a prompt (null: they don't). */
  own: { at: number; channel: string } | null;
  /** Per prompt step: their propensity to answer it, and how long they take. */
  reply: { u: number; delayMs: number }[];
};

function pick<T>(r: () => number, items: [T, number][]): T {
  let x = r();
  for (const [v, w] of items) {
    x -= w;
    if (x < 0) return v;
  }
  return (items[items.length - 1] as [T, number])[0];
}

/** The bank: its cardholders, their cards' journeys and their habits. */
export function generate(o: DemoOptions, start: number): Truth[] {
  const r = seededRandom(o.seed);
  const out: Truth[] = [];
  const couriers = Object.entries(COURIERS).map(([k, v]) => [k, v.weight] as [string, number]);
  const cities = Object.entries(CITIES).map(([k, v]) => [k, v.weight] as [string, number]);
  for (let n = 0; n < o.shipments; n++) {
    let courier = pick(r, couriers);
    let city = pick(r, cities);
    if (courier === THIN.courier && city === THIN.city && r() > THIN.share) {
      courier = "SF";
      city = "Urumqi";
    }
    const c = CITIES[city] as (typeof CITIES)[string];
    const day = Math.floor((n / o.shipments) * o.days);
    // Mailed in the afternoon run, 14:00-17:00 Beijing time.
    const shippedAt = start + day * DAY + 14 * HOUR + Math.floor(r() * 3 * HOUR);
    const lead = pick(r, (COURIERS[courier] as (typeof COURIERS)[string]).dist) + c.shift;
    // Delivered 10:00-17:00 on the lead day (Beijing time; Urumqi's own zone is two hours behind).
    const deliveredAt = start + (day + lead) * DAY + 10 * HOUR + Math.floor(r() * 7 * HOUR);
    const [, lo, hi] = pick(
      r,
      DELAY_HOURS.map((d) => [d, d[0]] as [[number, number, number], number]),
    );
    const own =
      lo < 0 ? null : { at: deliveredAt + (lo + r() * (hi - lo)) * HOUR, channel: pick(r, CHANNELS) as string };
    out.push({
      n,
      customer: `C${String(n).padStart(6, "0")}`,
      phone: `+86139${String(n).padStart(8, "0")}`,
      last4: String(1000 + Math.floor(r() * 9000)),
      courier,
      city,
      zone: c.zone,
      shippedAt,
      deliveredAt,
      feed: r() < 0.7,
      own,
      reply: [0, 1, 2].map(() => ({ u: r(), delayMs: (0.3 + r() * 3) * HOUR })),
    });
  }
  return out;
}
