import { planCampaigns } from "../../src/campaigns/planner";
import { createCampaign, moveCampaign } from "../../src/campaigns/service";
import type { ManualClock } from "../../src/lib/clock";
import { loadDefaultTemplates } from "../../src/node/templates";
import { libraryOf } from "../../src/templates/library";
import type { Result } from ".";
import { segmentWorkspace } from "./segment-count";

const CUSTOMERS = 1_000_000;
const TICKS = 50;

/**
 * A `plan` tick over a 1,000,000-customer workspace with 20 live date-relative campaigns and
 * nothing due: it must find that out from the campaigns' next-slot index, not by looking at
 * customers. Also reports a tick that does plan one birthday slot.
 */
export async function planIdleTick1m(): Promise<Result> {
  const { db, ctx } = await segmentWorkspace(CUSTOMERS);
  const clock = ctx.clock as ManualClock;
  // The date-attribute index the customer write path keeps (the fixture inserts raw rows).
  db.sqlite.exec(`insert into customer_dates (tenant_id, customer_id, key, month_day, value)
    select c.tenant_id, c.id, j.key, substr(j.value, 6), j.value from customers c, json_each(c.attributes) j
    where j.type = 'text' and j.value glob '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'`);
  db.sqlite.exec("analyze");
  const env = { ...ctx, library: libraryOf({ defaultTemplates: loadDefaultTemplates() }) };
  clock.set("2026-11-23T02:00:00Z"); // 10:00 in Shanghai
  for (let i = 0; i < 20; i++) {
    const birthday = i < 12;
    const c = await createCampaign(env, {
      name: `Date campaign ${i}`,
      kind: "date_relative",
      template: birthday ? "birthday_greeting" : "win_back",
      variables: birthday ? { offer: "a smoothie" } : { daysAway: 30, offer: "a free class" },
      anchor: birthday ? "birthday" : "attributes.last_visit",
      offset: birthday ? { value: -(i % 3), unit: "days" } : { value: 30 + i, unit: "days" },
      delivery_time: `${String(12 + (i % 8)).padStart(2, "0")}:${i % 2 ? "30" : "00"}`,
    });
    await moveCampaign(ctx, c.id, "schedule");
  }
  const first = await planCampaigns(ctx);
  if (first.campaigns !== 20) throw new Error(`first pass saw ${first.campaigns} campaigns`);
  const times: number[] = [];
  for (let i = 0; i < TICKS; i++) {
    clock.advance(1000);
    const t0 = performance.now();
    const tick = await planCampaigns(ctx);
    times.push(performance.now() - t0);
    if (tick.campaigns !== 0) throw new Error("something was due in an idle tick");
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  const worst = times[times.length - 1] as number;

  // A due tick: 12:00 in Shanghai plans today's birthdays there for the first campaign.
  clock.set("2026-11-23T03:56:00Z");
  const t1 = performance.now();
  const due = await planCampaigns(ctx);
  const dueMs = performance.now() - t1;
  return {
    value: Number(median.toFixed(2)),
    unit: "ms",
    target: 50,
    better: "lower",
    worst_tick_ms: Number(worst.toFixed(2)),
    due_tick_ms: Math.round(dueMs),
    due_tick_campaigns: due.campaigns,
    due_tick_planned: due.planned,
  };
}
