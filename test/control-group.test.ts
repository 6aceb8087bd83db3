// The workspace-wide control group, on both runtimes: a share of customers who get no marketing
// at all (notifications still go), the same members in SQL (the forecast) as at send time, a new
// group each calendar year, and its report: the year's marketing against the group that got none.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { inControlGroup } from "../src/experiments/control";
import { runDispatch } from "../src/jobs/dispatch";
import { runPlan } from "../src/jobs/plan";
import { simulatorTenant, subscribers } from "./harness";

describe("the workspace control group", () => {
  it("keeps a yearly share from all marketing, and reports what marketing caused against it", async () => {
    const env = await setup("2026-03-02T02:00:00Z");
    const t = await simulatorTenant(env, { locale: "en", brand_signature: "[Demo Gym]" });
    await subscribers(t.client, 400);
    const noGroup = await t.client.get("/v1/reports/control-group?event=visit");
    expect(noGroup.status).toBe(409);
    const bad = await t.client.patch("/v1/tenant", { control_group: { share: 0.5 } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error.details)).toContain("control_group.share");
    const set = await t.client.patch("/v1/tenant", { control_group: { share: 0.1 } });
    expect(set.status).toBe(200);
    expect(set.body.control_group).toEqual({ share: 0.1, since: "2026-03-02T02:00:00.000Z" });

    const customers = (await t.client.get("/v1/customers?limit=500")).body.data as { id: string }[];
    const tenantId = t.tenant.id;
    const members = (year: number) =>
      new Set(customers.filter((c) => inControlGroup(0.1, tenantId, year, c.id)).map((c) => c.id));
    const in2026 = members(2026);
    expect(in2026.size).toBeGreaterThan(20);
    expect(in2026.size).toBeLessThan(60);

    const offer = async (name: string) => {
      const c = await t.client.post("/v1/campaigns", {
        name,
        kind: "broadcast",
        template: "member_promotion",
        audience: { all: true },
        variables: { offer: "10% off", validUntil: "2026-12-31", link: "gym.example/book" },
      });
      return c.body.id as string;
    };
    const spring = await offer("Spring offer");
    // The forecast leaves the group out, by the same hash in SQL.
    const f = (await t.client.get(`/v1/campaigns/${spring}/forecast`)).body;
    expect(f.occurrences[0].excluded.control_group).toBe(in2026.size);
    await t.client.post(`/v1/campaigns/${spring}/schedule`, {});
    await runPlan(env.deps);
    await runDispatch(env.deps);
    const sent = (await t.client.get(`/v1/messages?campaign_id=${spring}&limit=500`)).body.data as any[];
    for (const m of sent) {
      if (in2026.has(m.customer_id)) expect(m).toMatchObject({ status: "skipped", reason: "control_group" });
      else expect(m.status).toBe("delivered");
    }
    // A notification still reaches a member.
    const member = [...in2026][0] as string;
    const note = await t.client.post("/v1/messages", {
      customer_id: member,
      text: "Your class at 18:00 is confirmed.",
      kind: "notification",
    });
    expect(note.status).toBe(201);
    await runDispatch(env.deps);
    expect((await t.client.get(`/v1/messages/${note.body.id}`)).body.status).toBe("delivered");

    // Visits: three in ten of everyone else, one in ten of the group.
    env.clock.set(Date.parse("2026-04-01T02:00:00Z"));
    let k = 0;
    let m = 0;
    for (const c of customers) {
      const inGroup = in2026.has(c.id);
      const visit = inGroup ? m++ % 10 === 0 : k++ % 10 < 3;
      if (visit) await t.client.post("/v1/events", { customer_id: c.id, type: "visit", properties: {} });
    }
    const r = (await t.client.get("/v1/reports/control-group?event=visit")).body;
    const groupVisits = Math.ceil(in2026.size / 10);
    expect(r).toMatchObject({
      share: 0.1,
      year: 2026,
      // From when the group was set (the year began before it, in Shanghai).
      from: "2026-03-02T02:00:00.000Z",
      to: "2026-12-31T16:00:00.000Z",
      control_group: { customers: in2026.size, converted: groupVisits, sent_marketing: 0 },
      everyone_else: { customers: 400 - in2026.size, sent_marketing: 400 - in2026.size },
      messages_held_back: in2026.size,
      currency: "CNY",
    });
    expect(r.everyone_else.rate).toBeCloseTo(r.everyone_else.converted / (400 - in2026.size), 4);
    expect(r.difference.difference).toBeCloseTo(r.everyone_else.rate - r.control_group.rate, 3);
    expect(r.difference.low).toBeLessThan(r.difference.difference);
    expect(r.effect.caused.value).toBe(Math.round(r.difference.difference * (400 - in2026.size)));
    expect(r.effect.words.en).toMatch(
      in2026.size >= 30 ? /^Among \d+ people, the messages caused about \d+ more conversions/ : /^Too few people yet/,
    );
    expect(r.marketing_cost).toBeGreaterThan(0);
    expect((await t.client.get("/v1/reports/control-group?event=visit&year=2030")).status).toBe(422);
    // Saving the same share again (the settings form does) keeps the group and its start.
    const again = await t.client.patch("/v1/tenant", { name: "Test Gym", control_group: { share: 0.1 } });
    expect(again.body.control_group.since).toBe("2026-03-02T02:00:00.000Z");

    // A new year, a new group: about one in a hundred is in both.
    env.clock.set(Date.parse("2027-01-05T02:00:00Z"));
    const in2027 = members(2027);
    const both = [...in2027].filter((id) => in2026.has(id)).length;
    expect(both).toBeLessThan(in2026.size / 2);
    const winter = await offer("Winter offer");
    await t.client.post(`/v1/campaigns/${winter}/schedule`, {});
    await runPlan(env.deps);
    await runDispatch(env.deps);
    const later = (await t.client.get(`/v1/messages?campaign_id=${winter}&limit=500`)).body.data as any[];
    const skipped = new Set(later.filter((x) => x.reason === "control_group").map((x) => x.customer_id));
    expect(skipped).toEqual(in2027);
    // A new share in 2027 starts a new group; 2026 is still reported with the group it had.
    const smaller = await t.client.patch("/v1/tenant", { control_group: { share: 0.05 } });
    expect(smaller.body.control_group).toEqual({ share: 0.05, since: "2027-01-05T02:00:00.000Z" });
    const past = (await t.client.get("/v1/reports/control-group?event=visit&year=2026")).body;
    expect(past).toMatchObject({ share: 0.1, year: 2026, control_group: { customers: in2026.size } });
    expect(past.everyone_else).toEqual(r.everyone_else);
    await t.client.patch("/v1/tenant", { control_group: null });
    expect((await t.client.get("/v1/tenant")).body.control_group).toBeNull();
    expect((await t.client.get("/v1/reports/control-group?event=visit&year=2026")).body.share).toBe(0.1);
    expect((await t.client.get("/v1/reports/control-group?event=visit&year=2025")).status).toBe(409);
  });
});
