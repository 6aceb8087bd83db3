import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { createTenant } from "../src/tenants/service";
import { tenant } from "./harness";

const PACKAGE = {
  type: "package",
  currency: "CNY",
  monthly_fee: 99,
  allowance_segments: 1300,
  overage_price_per_segment: 0.1,
};

describe("workspace settings", () => {
  it("shows the workspace with its defaults", async () => {
    const env = await setup();
    const t = await tenant(env, { slug: "gym-one" });
    const res = await t.client.get("/v1/tenant");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      slug: "gym-one",
      default_country: "CN",
      time_zone: "Asia/Shanghai",
      locale: "zh-CN",
      brand_signature: "【Test Gym】",
      quiet_hours: { start: "21:00", end: "08:00" },
      tiers: ["ordinary", "silver", "gold", "diamond"],
      plan: { type: "pay_per_segment", currency: "CNY", price_per_segment: 0.1 },
      pending_plan: null,
    });
  });

  it("changes settings and rejects bad values naming the field, changing nothing", async () => {
    const env = await setup();
    const t = await tenant(env);
    const ok = await t.client.patch("/v1/tenant", {
      quiet_hours: { start: "20:00", end: "08:00" },
      brand_signature: "【Iron Temple】",
      tiers: ["ordinary", "silver", "gold", "diamond", "staff"],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.quiet_hours).toEqual({ start: "20:00", end: "08:00" });
    expect(ok.body.tiers).toContain("staff");

    for (const [body, path] of [
      [{ time_zone: "Mars/Base" }, "body.time_zone"],
      [{ default_country: "XX" }, "body.default_country"],
      [{ quiet_hours: { start: "25:00", end: "08:00" } }, "body.quiet_hours.start"],
      [{ locale: "not a locale" }, "body.locale"],
      [{ plan: { type: "package", currency: "CNY" } }, "body.plan.monthly_fee"],
      [{ colour: "red" }, "body.colour"],
    ] as const) {
      const res = await t.client.patch("/v1/tenant", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.details.map((d: any) => d.path)).toContain(path);
    }
    const after = await t.client.get("/v1/tenant");
    expect(after.body.time_zone).toBe("Asia/Shanghai");
    expect(after.body.brand_signature).toBe("【Iron Temple】");
  });

  it("a plan change takes effect on the 1st of next month, in the workspace's time zone", async () => {
    const env = await setup("2026-11-23T04:00:00Z");
    const t = await tenant(env);
    const res = await t.client.patch("/v1/tenant", { plan: PACKAGE });
    expect(res.body.plan.type).toBe("pay_per_segment");
    expect(res.body.pending_plan).toEqual({ effective_month: "2026-12", plan: PACKAGE });
    // 2026-11-30T16:30Z is already 1 December 00:30 in Shanghai.
    env.clock.set("2026-11-30T16:30:00Z");
    const later = await t.client.get("/v1/tenant");
    expect(later.body.plan).toEqual(PACKAGE);
    expect(later.body.pending_plan).toBeNull();
  });

  it("a second change in the same month replaces the pending one", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.patch("/v1/tenant", { plan: PACKAGE });
    const again = await t.client.patch("/v1/tenant", {
      plan: { ...PACKAGE, monthly_fee: 149, allowance_segments: 2000 },
    });
    expect(again.body.pending_plan.plan.monthly_fee).toBe(149);
    env.clock.set("2027-01-05T00:00:00Z");
    expect((await t.client.get("/v1/tenant")).body.plan.monthly_fee).toBe(149);
  });

  it("will not remove a tier customers still have", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.post("/v1/customers", { phone: "13800138000", tier: "diamond" });
    const res = await t.client.patch("/v1/tenant", { tiers: ["ordinary", "silver", "gold"] });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ tiers: { diamond: 1 } });
  });

  it("refuses a second workspace with the same slug", async () => {
    const env = await setup();
    await tenant(env, { slug: "same" });
    await expect(tenant(env, { slug: "same" })).rejects.toThrow(/already exists/);
    await expect(
      createTenant(env.deps, { name: "x", slug: "Bad Slug", default_country: "CN", time_zone: "UTC", locale: "en" }),
    ).rejects.toThrow(/slug/);
  });
});
