// A gym's offer run as an experiment: two arms with their own values and a holdout, each
// member in the arm the hash puts them in (the same when planned again), the holdout followed
// but never sent to, and the results per arm with intervals and a verdict that does not
// overclaim. On both runtimes.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { armOf, type Design } from "../src/experiments/assign";
import { runDispatch } from "../src/jobs/dispatch";
import { runPlan } from "../src/jobs/plan";
import { tenant } from "./harness";

const MEMBERS = 80;

describe("campaign experiments", () => {
  it("splits a broadcast into arms and a holdout, sends each arm its own text, and reports per arm", async () => {
    const env = await setup("2026-12-07T02:00:00Z");
    const t = await tenant(env, { locale: "en", brand_signature: "[Demo Gym]" });
    await t.client.post("/v1/channels", {
      name: "Sim",
      provider: "simulator",
      config: { receipt_delay_ms: 0 },
      default: true,
    });
    const ids: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      const r = await t.client.post("/v1/customers", {
        name: `Member ${i}`,
        phone: `+86138001${String(30000 + i)}`,
        locale: "en",
        consent: { state: "subscribed" },
      });
      ids.push(r.body.id);
    }
    const experiment = {
      arms: [
        { name: "A", weight: 1, variables: { offer: "10% off personal training" } },
        { name: "B", weight: 1, variables: { offer: "a free spin class" } },
      ],
      holdout: 0.25,
      goal: { event: "booking", within_days: 7 },
    };
    const bad = await t.client.post("/v1/campaigns", {
      name: "Bad",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: {},
      experiment: { arms: [{ name: "holdout", weight: 1 }], holdout: 0 },
    });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error.details)).toContain("experiment.arms");

    const c = await t.client.post("/v1/campaigns", {
      name: "December offer test",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: { offer: "?", validUntil: "2026-12-31", link: "gym.example/book" },
      experiment,
    });
    expect(c.status).toBe(201);
    expect(c.body.experiment).toEqual(experiment);
    // The forecast splits the audience as planning will.
    const forecast = (await t.client.get(`/v1/campaigns/${c.body.id}/forecast`)).body;
    const expected: Record<string, number> = {};
    for (const id of ids) {
      const arm = armOf(experiment as Design, c.body.id, id);
      expected[arm] = (expected[arm] ?? 0) + 1;
    }
    expect(Object.fromEntries(forecast.arms.map((a: any) => [a.arm, a.customers]))).toEqual(expected);
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    await runPlan(env.deps);
    await runPlan(env.deps);
    await runDispatch(env.deps);

    const list = (await t.client.get(`/v1/messages?campaign_id=${c.body.id}&limit=200`)).body.data as any[];
    expect(list).toHaveLength(MEMBERS);
    const design = experiment as Design;
    for (const m of list) {
      // Planned by SQL, in the arm the JavaScript hash gives.
      expect(m.arm).toBe(armOf(design, c.body.id, m.customer_id));
      if (m.arm === "holdout") expect(m).toMatchObject({ status: "skipped", reason: "holdout", text: null });
      else {
        expect(m.status).toBe("delivered");
        expect(m.text).toContain(m.arm === "A" ? "10% off personal training" : "a free spin class");
      }
    }
    const byArm = (arm: string) => list.filter((m) => m.arm === arm);
    expect(byArm("holdout").length).toBeGreaterThan(8);
    expect(byArm("A").length).toBeGreaterThan(15);
    expect(byArm("B").length).toBeGreaterThan(15);

    // Arm B's members book within the week; A's and the holdout's hardly.
    env.clock.advance(2 * 86_400_000);
    const bookers = [...byArm("B").slice(0, 12), ...byArm("A").slice(0, 2), ...byArm("holdout").slice(0, 1)];
    for (const m of bookers)
      await t.client.post("/v1/events", { customer_id: m.customer_id, type: "booking", properties: {} });
    // A booking after the window does not count.
    env.clock.advance(10 * 86_400_000);
    await t.client.post("/v1/events", { customer_id: byArm("A")[5].customer_id, type: "booking", properties: {} });

    const stats = (await t.client.get(`/v1/campaigns/${c.body.id}/stats`)).body;
    const x = stats.experiment;
    expect(x.measure).toBe("converted");
    const arm = (n: string) => x.arms.find((a: any) => a.arm === n);
    expect(arm("A")).toMatchObject({ audience: byArm("A").length, sent: byArm("A").length, converted: 2 });
    expect(arm("B")).toMatchObject({ audience: byArm("B").length, converted: 12 });
    expect(arm("holdout")).toMatchObject({ audience: byArm("holdout").length, sent: 0, converted: 1 });
    expect(arm("B").converted_rate.low).toBeLessThan(arm("B").converted_rate.rate);
    const bVsHoldout = x.comparisons.find((k: any) => k.arm === "B" && k.against === "holdout");
    expect(bVsHoldout.difference).toBeGreaterThan(0.2);
    expect(bVsHoldout.verdict.en).toMatch(
      /^(arm B converts .* points more than the holdout \(no message\) \(95% interval .*\): arm B is better\.|Not enough data yet: .*)$/,
    );
    expect(bVsHoldout.verdict["zh-CN"]).toMatch(/方案 B|数据还不够/);
    // Small arms: A against the holdout is not called either way.
    const aVsHoldout = x.comparisons.find((k: any) => k.arm === "A" && k.against === "holdout");
    expect(aVsHoldout.outcome).toBe("unclear");
    expect(aVsHoldout.verdict.en).toMatch(/^(Not enough data yet|No clear difference)/);
  });
});
