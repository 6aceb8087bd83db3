// A gym's offer run as an experiment: two arms with their own values and a holdout, each
// member in the arm the hash puts them in (the same when planned again), the holdout followed
// but never sent to, and the results per arm with intervals and a verdict that does not
// overclaim. On both runtimes.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { armOf, type Design } from "../src/experiments/assign";
import { runDispatch } from "../src/jobs/dispatch";
import { runPlan } from "../src/jobs/plan";
import { drive } from "./drive";
import { simulatorTenant, subscribers, tenant } from "./harness";

const MEMBERS = 80;

describe("campaign experiments", () => {
  it("splits a broadcast into arms and a holdout, sends each arm its own text, and reports per arm", async () => {
    const env = await setup("2026-12-07T02:00:00Z");
    const t = await simulatorTenant(env, { locale: "en", brand_signature: "[Demo Gym]" });
    const ids = await subscribers(t.client, MEMBERS);
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
    expect(x.comparisons.map((k: any) => `${k.arm}/${k.against}`)).toEqual(["A/holdout", "B/holdout", "B/A"]);
    const bVsHoldout = x.comparisons.find((k: any) => k.arm === "B" && k.against === "holdout");
    expect(bVsHoldout.difference).toBeGreaterThan(0.2);
    // The hash puts about 20 members in the holdout and 30 in each arm (customer ids are random):
    // under 30 in either, nothing is judged.
    const judged = byArm("B").length >= 30 && byArm("holdout").length >= 30;
    if (judged) {
      expect(bVsHoldout.verdict.en).toMatch(
        /^Version B converts [\d.]+ points more than the held-back group \(no message\) \(95% interval [\d.]+ to [\d.]+\): version B is better\.$/,
      );
      expect(bVsHoldout.verdict["zh-CN"]).toMatch(/^版本 B的转化率比对照组（不发短信）高/);
    } else {
      expect(bVsHoldout.outcome).toBe("unclear");
      expect(bVsHoldout.verdict.en).toMatch(/^Not enough data yet: about [\d,]+ more recipients per arm/);
      expect(bVsHoldout.verdict["zh-CN"]).toMatch(/^数据还不够/);
    }
    // A against the holdout (2 of ~30 against 1 of ~20) is never called.
    const aVsHoldout = x.comparisons.find((k: any) => k.arm === "A" && k.against === "holdout");
    expect(aVsHoldout.outcome).toBe("unclear");
    expect(aVsHoldout.verdict.en).toMatch(
      byArm("A").length >= 30 && byArm("holdout").length >= 30
        ? /^No clear difference between version A and the held-back group/
        : /^Not enough data yet/,
    );
  });

  it("holds out after-delivery prompts and says what they caused, by channel and per activation", async () => {
    const env = await setup("2026-03-01T02:00:00Z");
    const t = await simulatorTenant(env, { locale: "zh-CN", brand_signature: "【示范银行】" });
    const ids = await subscribers(t.client, 90);
    const rollout = await t.client.post("/v1/campaigns", {
      name: "No",
      kind: "after_delivery",
      template: "card_activation_prompt",
      variables: { activationUrl: "bank.example/activate" },
      after_delivery: { item_kind: "card", fixed_days: 2 },
      experiment: {
        arms: [
          { name: "A", weight: 1 },
          { name: "B", weight: 1 },
        ],
        rollout: { test_share: 0.2, wait_hours: 4, metric: "converted" },
        goal: { event: "card.activated", within_days: 7 },
      },
    });
    expect(rollout.status).toBe(422);
    expect(rollout.body.error.details[0]).toMatchObject({ path: "experiment.rollout" });
    const c = await t.client.post("/v1/campaigns", {
      name: "Activation prompt",
      kind: "after_delivery",
      template: "card_activation_prompt",
      variables: { activationUrl: "bank.example/activate" },
      after_delivery: { item_kind: "card", fixed_days: 2 },
      experiment: {
        arms: [{ name: "prompt", weight: 1, variables: { activationUrl: "bank.example/a2" } }],
        holdout: 0.3,
      },
    });
    expect(c.status).toBe(201);
    // Without a goal of its own, the item's activation within 14 days.
    expect(c.body.experiment.goal).toEqual({ event: "card.activated", within_days: 14 });
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    const shipped = await t.client.post("/v1/shipments", {
      shipments: ids.map((id, i) => ({
        customer_id: id,
        reference: String(1000 + i),
        courier: "SF",
        region: "Shanghai",
        shipped_at: "2026-03-01T02:00:00Z",
      })),
    });
    expect(shipped.status).toBe(200);
    await runPlan(env.deps);
    await runPlan(env.deps);
    await drive(env, "2026-03-04T00:00:00Z");
    const list = (await t.client.get(`/v1/messages?campaign_id=${c.body.id}&limit=200`)).body.data as any[];
    expect(list).toHaveLength(90);
    const design = c.body.experiment as Design;
    for (const m of list) {
      expect(m.arm).toBe(armOf(design, c.body.id, m.customer_id));
      if (m.arm === "holdout") expect(m).toMatchObject({ status: "skipped", reason: "holdout", text: null });
      else {
        expect(m.status).toBe("delivered");
        expect(m.text).toContain("bank.example/a2");
      }
    }
    const held = list.filter((m) => m.arm === "holdout");
    const prompted = list.filter((m) => m.arm === "prompt");
    expect(held.length).toBeGreaterThan(15);
    // Two days later: 70% of the prompted activate by SMS and two by an agent; of the held out,
    // a fifth call an agent.
    env.clock.set(Date.parse("2026-03-05T02:00:00Z"));
    const activate = async (m: any, channel: string) =>
      t.client.post("/v1/events", { customer_id: m.customer_id, type: "card.activated", properties: { channel } });
    const smsBy = Math.floor(prompted.length * 0.7);
    for (const m of prompted.slice(0, smsBy)) await activate(m, "sms");
    for (const m of prompted.slice(smsBy, smsBy + 2)) await activate(m, "agent");
    const agentHeld = Math.floor(held.length / 5);
    for (const m of held.slice(0, agentHeld)) await activate(m, "agent");

    const x = (await t.client.get(`/v1/campaigns/${c.body.id}/stats`)).body.experiment;
    const arm = (n: string) => x.arms.find((a: any) => a.arm === n);
    expect(arm("prompt")).toMatchObject({
      audience: prompted.length,
      converted: smsBy + 2,
      by_channel: { sms: smsBy, agent: 2 },
    });
    expect(arm("holdout")).toMatchObject({
      audience: held.length,
      converted: agentHeld,
      by_channel: { agent: agentHeld },
    });
    // 0.1 CNY a segment (the default plan): what the prompted arm's messages cost.
    const segments = prompted.reduce((n, m) => n + m.segments, 0);
    expect(arm("prompt").cost).toBeCloseTo(segments * 0.1, 4);
    const vs = x.comparisons.find((k: any) => k.against === "holdout");
    const rateA = (smsBy + 2) / prompted.length;
    const rateH = agentHeld / held.length;
    expect(vs.difference).toBeCloseTo(rateA - rateH, 4);
    const e = vs.effect;
    expect(e.caused.value).toBe(Math.round((rateA - rateH) * prompted.length));
    expect(e.caused.low).toBeLessThan(e.caused.value);
    const agent = e.by_channel.find((b: any) => b.channel === "agent");
    expect(agent.value).toBe(Math.round((2 / prompted.length - rateH) * prompted.length));
    expect(e.by_channel.find((b: any) => b.channel === "sms").value).toBe(smsBy);
    // Rounded to the cent.
    expect(Math.abs(e.cost_per_caused.value - arm("prompt").cost / e.caused.value)).toBeLessThanOrEqual(0.005 + 1e-9);
    // About 27 of 90 are held out: the effect is stated only with 30 in each group.
    if (held.length >= 30) {
      expect(e.words.en).toMatch(
        /^Among \d+ people, the messages caused about \d+ more conversions \(95% interval \d+ to \d+\)\./,
      );
      expect(e.words["zh-CN"]).toContain("短信带来了约");
    } else {
      expect(e.words.en).toBe(
        `Too few people yet to say what the messages caused: ${prompted.length} got them and ${held.length} were held back; at least 30 of each are needed.`,
      );
      expect(e.words["zh-CN"]).toMatch(/^人数还太少/);
    }
  });

  it("rolls the winner out to the rest only after the wait, and records the decision", async () => {
    const env = await setup("2026-12-07T02:00:00Z");
    const t = await simulatorTenant(env, { locale: "en", brand_signature: "[Demo Gym]" });
    await subscribers(t.client, 300);
    const rollout = { test_share: 0.3, wait_hours: 24, metric: "converted" };
    const make = async (name: string, goal: string, ifUnclear: string) => {
      const c = await t.client.post("/v1/campaigns", {
        name,
        kind: "broadcast",
        template: "member_promotion",
        audience: { all: true },
        variables: { offer: "?", validUntil: "2026-12-31", link: "gym.example/book" },
        experiment: {
          arms: [
            { name: "A", weight: 1, variables: { offer: "10% off personal training" } },
            { name: "B", weight: 1, variables: { offer: "a free spin class" } },
          ],
          goal: { event: goal, within_days: 2 },
          rollout: { ...rollout, if_unclear: ifUnclear },
        },
      });
      expect(c.status).toBe(201);
      return c.body;
    };
    const booked = await make("Offer rollout", "booking", "best");
    const quiet = await make("Quiet rollout", "visit", "first");
    // The forecast shows who gets the test and who waits for the winner.
    const forecast = (await t.client.get(`/v1/campaigns/${booked.id}/forecast`)).body;
    const split = Object.fromEntries(forecast.arms.map((a: any) => [a.arm, a.customers]));
    expect(split.A + split.B + split.rest).toBe(300);
    expect(split.rest).toBeGreaterThan(180);
    for (const c of [booked, quiet]) await t.client.post(`/v1/campaigns/${c.id}/schedule`, {});
    await drive(env, "2026-12-07T03:00:00Z");
    const messages = async (id: string) =>
      (await t.client.get(`/v1/messages?campaign_id=${id}&limit=500`)).body.data as any[];
    const test = await messages(booked.id);
    expect(test.length).toBe(split.A + split.B);
    for (const m of test) expect(m.arm).toBe(armOf(booked.experiment as Design, booked.id, m.customer_id));
    // B's members book; A's hardly.
    const inArm = (arm: string) => test.filter((m) => m.arm === arm);
    for (const m of [...inArm("B").slice(0, 30), ...inArm("A").slice(0, 3)])
      await t.client.post("/v1/events", { customer_id: m.customer_id, type: "booking", properties: {} });
    // Until the wait is over, nobody else is sent anything, even with the planner looking ahead.
    await drive(env, "2026-12-08T01:57:00Z");
    expect((await messages(booked.id)).length).toBe(test.length);
    let stats = (await t.client.get(`/v1/campaigns/${booked.id}/stats`)).body.experiment;
    expect(stats.rollout).toMatchObject({ winner: null, decide_at: "2026-12-08T02:00:00.000Z", rest: { audience: 0 } });
    // Two planners reach the decision at once: one decision, and the rest planned once.
    env.clock.set(Date.parse("2026-12-08T02:00:00Z"));
    await Promise.all([runPlan(env.deps), runPlan(env.deps)]);
    await drive(env, "2026-12-08T03:00:00Z");
    const all = await messages(booked.id);
    expect(all.length).toBe(300);
    const rest = all.filter((m) => m.arm === "rest");
    expect(rest.length).toBe(split.rest);
    for (const m of rest) {
      expect(m.text).toContain("a free spin class");
      // Sent at the decision, not before.
      expect(Date.parse(m.sent_at)).toBeGreaterThanOrEqual(Date.parse("2026-12-08T02:00:00Z"));
    }
    stats = (await t.client.get(`/v1/campaigns/${booked.id}/stats`)).body.experiment;
    expect(stats.rollout).toMatchObject({
      winner: "B",
      reason: "better",
      decided_at: "2026-12-08T02:00:00.000Z",
      rest: { audience: split.rest, sent: split.rest },
    });
    const fig = Object.fromEntries(stats.rollout.figures.map((f: any) => [f.arm, f]));
    expect(fig.B).toMatchObject({ audience: inArm("B").length, count: 30 });
    expect(fig.A).toMatchObject({ audience: inArm("A").length, count: 3 });
    expect(fig.B.low).toBeGreaterThan(fig.A.high);
    // No arm ahead and if_unclear "first": arm A goes to the rest, and the decision says why.
    const q = (await t.client.get(`/v1/campaigns/${quiet.id}/stats`)).body.experiment.rollout;
    expect(q).toMatchObject({ winner: "A", reason: "first_unclear" });
    const quietRest = (await messages(quiet.id)).filter((m) => m.arm === "rest");
    expect(quietRest.length).toBeGreaterThan(150);
    for (const m of quietRest) expect(m.text).toContain("10% off personal training");
    expect((await t.client.get(`/v1/campaigns/${booked.id}`)).body.status).toBe("completed");
  });

  it("replaces or removes a draft's experiment with PATCH, checking it as on create", async () => {
    const env = await setup("2026-12-07T02:00:00Z");
    const t = await tenant(env, { locale: "en" });
    const c = await t.client.post("/v1/campaigns", {
      name: "Offer",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: { offer: "10% off", validUntil: "2026-12-31", link: "gym.example/book" },
    });
    expect(c.body.experiment).toBeNull();
    const path = `/v1/campaigns/${c.body.id}`;
    const x = {
      arms: [
        { name: "A", weight: 2 },
        { name: "B", weight: 1, template: "birthday_greeting" },
      ],
      holdout: 0.1,
      rollout: { test_share: 0.2, wait_hours: 12, metric: "clicked" },
    };
    const set = await t.client.patch(path, { experiment: x });
    expect(set.status).toBe(200);
    expect(set.body.experiment).toEqual({ ...x, rollout: { ...x.rollout, if_unclear: "best" } });
    const unknown = await t.client.patch(path, {
      experiment: { ...x, arms: [x.arms[0], { name: "B", weight: 1, template: "no_such_template" }] },
    });
    expect(unknown.status).toBe(422);
    expect(JSON.stringify(unknown.body.error.details)).toContain("experiment.arms.1.template");
    const extra = await t.client.patch(path, { experiment: { ...x, colour: "blue" } });
    expect(extra.status).toBe(422);
    // Refusals changed nothing.
    expect((await t.client.get(path)).body.experiment.arms[1].template).toBe("birthday_greeting");
    const removed = await t.client.patch(path, { experiment: null });
    expect(removed.body.experiment).toBeNull();
    await t.client.post(`${path}/schedule`, {});
    const late = await t.client.patch(path, { experiment: x });
    expect(late.status).toBe(409);
  });

  it("sends a send-time arm its hours later, on a broadcast and an after-delivery prompt", async () => {
    const env = await setup("2026-12-07T02:00:00Z");
    const t = await simulatorTenant(env, { locale: "en", brand_signature: "[Demo Gym]" });
    const ids = await subscribers(t.client, 40);
    const late = {
      arms: [
        { name: "A", weight: 1 },
        { name: "B", weight: 1, shift_hours: 6 },
      ],
      holdout: 0,
    };
    const refused = await t.client.post("/v1/campaigns", {
      name: "Earlier",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: { offer: "x", validUntil: "2026-12-31", link: "gym.example/book" },
      experiment: { ...late, arms: [late.arms[0], { name: "B", weight: 1, shift_hours: -2 }] },
    });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body.error.details)).toContain("experiment.arms.1.shift_hours");
    const b = await t.client.post("/v1/campaigns", {
      name: "Morning or afternoon",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: { offer: "x", validUntil: "2026-12-31", link: "gym.example/book" },
      send_at: "2026-12-07T03:00:00Z",
      experiment: late,
    });
    expect(b.status).toBe(201);
    await t.client.post(`/v1/campaigns/${b.body.id}/schedule`, {});
    await drive(env, "2026-12-07T04:00:00Z");
    const list = async () => (await t.client.get(`/v1/messages?campaign_id=${b.body.id}&limit=100`)).body.data as any[];
    const first = await list();
    expect(first).toHaveLength(40);
    for (const m of first) {
      if (m.arm === "A") expect(m).toMatchObject({ status: "delivered", send_at: "2026-12-07T03:00:00.000Z" });
      else expect(m).toMatchObject({ status: "planned", send_at: "2026-12-07T09:00:00.000Z" });
    }
    await drive(env, "2026-12-07T10:00:00Z");
    for (const m of (await list()).filter((x) => x.arm === "B")) {
      expect(m.status).toBe("delivered");
      expect(Date.parse(m.sent_at)).toBeGreaterThanOrEqual(Date.parse("2026-12-07T09:00:00Z"));
    }
    const stats = (await t.client.get(`/v1/campaigns/${b.body.id}/stats`)).body.experiment;
    expect(stats.arms.map((x: any) => [x.arm, x.shift_hours])).toEqual([
      ["A", 0],
      ["B", 6],
    ]);
    // An after-delivery prompt a day later in arm B.
    const p = await t.client.post("/v1/campaigns", {
      name: "Prompt day",
      kind: "after_delivery",
      template: "card_activation_prompt",
      variables: { activationUrl: "bank.example/activate" },
      after_delivery: { item_kind: "card", fixed_days: 2 },
      experiment: {
        arms: [
          { name: "A", weight: 1 },
          { name: "B", weight: 1, shift_hours: 24 },
        ],
        holdout: 0,
      },
    });
    expect(p.status).toBe(201);
    await t.client.post(`/v1/campaigns/${p.body.id}/schedule`, {});
    await t.client.post("/v1/shipments", {
      shipments: ids.map((id, i) => ({
        customer_id: id,
        reference: String(1000 + i),
        courier: "SF",
        region: "Shanghai",
        shipped_at: "2026-12-07T10:00:00Z",
      })),
    });
    await runPlan(env.deps);
    const prompts = (await t.client.get(`/v1/messages?campaign_id=${p.body.id}&limit=100`)).body.data as any[];
    const day = (arm: string) => new Set(prompts.filter((m) => m.arm === arm).map((m) => m.send_at));
    expect(day("A").size).toBe(1);
    expect(day("B").size).toBe(1);
    const [a] = [...day("A")] as string[];
    const [bAt] = [...day("B")] as string[];
    expect(Date.parse(bAt as string) - Date.parse(a as string)).toBe(86_400_000);
  });

  it("counts a rollout's wait from when its test went out, and decides nothing once cancelled", async () => {
    // 22:00 in Shanghai: quiet hours hold the test until 08:00.
    const env = await setup("2026-12-07T14:00:00Z");
    const t = await simulatorTenant(env, { locale: "en", brand_signature: "[Demo Gym]" });
    await t.client.patch("/v1/tenant", { quiet_hours: { start: "21:00", end: "08:00" } });
    await subscribers(t.client, 60);
    const make = async (name: string) => {
      const c = await t.client.post("/v1/campaigns", {
        name,
        kind: "broadcast",
        template: "member_promotion",
        audience: { all: true },
        variables: { offer: "x", validUntil: "2026-12-31", link: "gym.example/book" },
        experiment: {
          arms: [
            { name: "A", weight: 1 },
            { name: "B", weight: 1 },
          ],
          rollout: { test_share: 0.5, wait_hours: 4, metric: "clicked" },
        },
      });
      await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
      return c.body.id as string;
    };
    const held = await make("Night offer");
    const cancelled = await make("Cancelled offer");
    await drive(env, "2026-12-07T15:00:00Z");
    await t.client.post(`/v1/campaigns/${cancelled}/cancel`, {});
    const rollout = async (id: string) => (await t.client.get(`/v1/campaigns/${id}/stats`)).body.experiment.rollout;
    // 02:00 local, the first decision time: the test is still held, so nothing is chosen.
    await drive(env, "2026-12-07T18:30:00Z");
    expect(await rollout(held)).toMatchObject({ winner: null });
    // The test goes at 08:00 local (00:00 UTC); four hours later the winner is chosen.
    await drive(env, "2026-12-08T03:59:00Z");
    expect(await rollout(held)).toMatchObject({ winner: null });
    await drive(env, "2026-12-08T05:00:00Z");
    const done = await rollout(held);
    expect(done.winner).toBe("A");
    expect(Date.parse(done.decided_at)).toBeGreaterThanOrEqual(Date.parse("2026-12-08T04:00:00Z"));
    expect(await rollout(cancelled)).toMatchObject({ winner: null, decided_at: null, rest: { audience: 0 } });
  });

  it("keeps a send-time arm's shift when the lead-time model re-times its prompts", async () => {
    const env = await setup("2026-03-01T02:00:00Z");
    const t = await simulatorTenant(env);
    const people = await subscribers(t.client, 70);
    const p = await t.client.post("/v1/campaigns", {
      name: "Prompt day",
      kind: "after_delivery",
      template: "card_activation_prompt",
      variables: { activationUrl: "bank.example/activate" },
      // No model yet: day 6 by default; then history says day 2.
      after_delivery: { item_kind: "card", quantile: 0.8, default_days: 6 },
      experiment: {
        arms: [
          { name: "A", weight: 1 },
          { name: "B", weight: 1, shift_hours: 24 },
        ],
        holdout: 0,
      },
    });
    await t.client.post(`/v1/campaigns/${p.body.id}/schedule`, {});
    await t.client.post("/v1/shipments", {
      shipments: people.slice(0, 30).map((id, i) => ({
        customer_id: id,
        reference: String(1000 + i),
        courier: "SF",
        region: "Shanghai",
        shipped_at: "2026-03-01T02:00:00Z",
      })),
    });
    await runPlan(env.deps);
    const sendAt = async () => {
      const list = (await t.client.get(`/v1/messages?campaign_id=${p.body.id}&limit=100`)).body.data as any[];
      const at = (arm: string) => [...new Set(list.filter((m) => m.arm === arm).map((m) => Date.parse(m.send_at)))];
      return { a: at("A"), b: at("B") };
    };
    const before = await sendAt();
    expect(before.a).toHaveLength(1);
    expect((before.b[0] as number) - (before.a[0] as number)).toBe(86_400_000);
    // Forty cards from January, delivered two days after shipping.
    await t.client.post("/v1/shipments", {
      shipments: people.slice(30).map((id, i) => ({
        customer_id: id,
        reference: String(2000 + i),
        courier: "SF",
        region: "Shanghai",
        shipped_at: `2026-01-${String(5 + (i % 20)).padStart(2, "0")}T02:00:00Z`,
        delivered_at: `2026-01-${String(7 + (i % 20)).padStart(2, "0")}T07:00:00Z`,
      })),
    });
    const refreshed = await t.client.post("/v1/reports/delivery/refresh", {});
    expect(refreshed.body.retimed).toBe(30);
    const after = await sendAt();
    expect(after.a[0]).toBeLessThan(before.a[0] as number);
    expect((after.b[0] as number) - (after.a[0] as number)).toBe(86_400_000);
  });
});
