import { describe, expect, it } from "vitest";
import { seedDemo } from "../src/demo/seed";
import { client, setup } from "./helpers";

describe("demo workspace", () => {
  it("has ~50 members across tiers, time zones and both locales, and two groups", async () => {
    const env = setup();
    const demo = await seedDemo(env.deps);
    const c = client(env, demo.apiKey);
    const { data } = (await c.get("/v1/customers?limit=500")).body;
    expect(data).toHaveLength(50);
    const distinct = (f: (x: any) => unknown) => new Set(data.map(f));
    expect(distinct((x) => x.tier)).toEqual(new Set(["ordinary", "silver", "gold", "diamond"]));
    expect(distinct((x) => x.locale)).toEqual(new Set(["zh-CN", "en"]));
    expect(distinct((x) => x.time_zone).size).toBeGreaterThanOrEqual(5);
    expect(distinct((x) => x.consent.state)).toEqual(new Set(["subscribed", "unsubscribed", "never_asked"]));
    expect(data.some((x: any) => x.birthday?.lunar)).toBe(true);

    const groups = (await c.get("/v1/groups")).body.data;
    const statics = groups.filter((g: any) => g.kind === "static");
    expect(statics.map((g: any) => [g.code, g.name])).toEqual([
      ["01", "Morning Yoga"],
      ["02", "Personal Training"],
    ]);
    for (const g of statics) expect(g.member_count).toBeGreaterThan(5);
    const segment = groups.find((g: any) => g.kind === "segment");
    const preview = await c.get(`/v1/groups/${segment.id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.body.count).toBeGreaterThan(0);
    const birthdays = await c.post("/v1/segments/preview", {
      filter: { field: "birthday", op: "within_next", value: 7 },
    });
    expect(birthdays.body.count).toBeGreaterThan(0);
    expect((await c.get("/v1/tenant")).body).toMatchObject({ name: "Demo Gym", brand_signature: "【Demo Gym】" });
    const [yoga] = (await c.get("/v1/keywords")).body.data;
    expect(yoga).toMatchObject({
      words: ["yoga", "瑜伽"],
      actions: [{ type: "add_to_group", group: statics[0].id }, { type: "reply" }],
    });
  });

  it("has membership kits with lead times per courier and region, and an activation mix that moved to SMS", async () => {
    const env = setup();
    const demo = await seedDemo(env.deps);
    const c = client(env, demo.apiKey);
    const model = (await c.get("/v1/reports/delivery?item_kind=membership_kit")).body;
    expect(model.workspace.samples).toBeGreaterThanOrEqual(45);
    expect(model.workspace.recommended_send_day).toBeGreaterThan(0);
    const couriers = Object.fromEntries(model.couriers.map((x: any) => [x.courier, x.quantiles.p50.days]));
    expect(couriers["ZTO"]).toBeGreaterThan(couriers["SF Express"]);
    expect(new Set(model.cells.map((x: any) => x.region))).toEqual(new Set(["Shanghai", "Hangzhou", "Chengdu"]));
    const at = new Date(env.clock.now().getTime() - 42 * 86_400_000).toISOString();
    const mix = (await c.get(`/v1/reports/activation-channels?item_kind=membership_kit&compare_at=${at}`)).body;
    expect(mix.comparison.after.shares.sms).toBeGreaterThan(mix.comparison.before.shares.sms);
    expect(mix.comparison.after.shares.front_desk).toBeLessThan(mix.comparison.before.shares.front_desk);
  });
});
