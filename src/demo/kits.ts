// The demo gym's membership kits (card and key fob, sent by courier) over the last 80 days, and
// when and how each member activated theirs, so the activation-timing page has a model to show:
// lead times that differ by courier and region, and a channel mix that moves from the front
// desk to SMS about six weeks ago (when the gym started prompting on the day the kit arrives).

import type { Ctx } from "../context";
import { recordEvent } from "../events/service";
import { seededRandom } from "../lib/random";
import { createShipments } from "../shipments/service";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const COURIERS = [
  { name: "SF Express", days: [1, 1, 2, 2, 2, 3] },
  { name: "ZTO", days: [2, 3, 3, 4, 4, 5, 6] },
];
// Farther regions add days.
const REGIONS = [
  { name: "Shanghai", extra: 0 },
  { name: "Hangzhou", extra: 0 },
  { name: "Chengdu", extra: 2 },
];
const SWITCH_DAYS_AGO = 42;

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)] as T;
}

export async function seedKits(ctx: Ctx, customerIds: readonly string[]) {
  const rand = seededRandom(20261124);
  const now = ctx.clock.now().getTime();
  const planned = customerIds.map((customer_id, i) => {
    const courier = pick(rand, COURIERS);
    const region = pick(rand, REGIONS);
    // Shipped in office hours, spread over days 80..5 ago.
    const shipped = now - (5 + Math.floor((75 * i) / customerIds.length)) * DAY - Math.floor(rand() * 8) * HOUR;
    const lead = pick(rand, courier.days) + region.extra;
    const delivered = shipped + lead * DAY + Math.floor(rand() * 6) * HOUR;
    return { customer_id, courier: courier.name, region: region.name, shipped, delivered };
  });
  await createShipments(
    ctx,
    planned.map((p, i) => ({
      customer_id: p.customer_id,
      item_kind: "membership_kit" as const,
      reference: String(4000 + i),
      shipped_at: new Date(p.shipped).toISOString(),
      courier: p.courier,
      region: p.region,
      ...(p.delivered < now && { delivered_at: new Date(p.delivered).toISOString() }),
    })),
  );
  for (const p of planned) {
    if (rand() < 0.15) continue; // not activated (yet)
    const at = p.delivered + Math.floor(rand() * 4 * DAY);
    if (at >= now) continue;
    const after = now - at < SWITCH_DAYS_AGO * DAY;
    const r = rand();
    const channel = after
      ? r < 0.55
        ? "sms"
        : r < 0.85
          ? "app"
          : "front_desk"
      : r < 0.5
        ? "front_desk"
        : r < 0.8
          ? "app"
          : "sms";
    await recordEvent(ctx, {
      customer_id: p.customer_id,
      type: "membership.activated",
      properties: { channel },
      occurred_at: new Date(at).toISOString(),
    });
  }
}
