import { describe, expect, it } from "vitest";
import { runDispatch } from "../src/jobs/dispatch";
import { runPlan } from "../src/jobs/plan";
import { type Client, setup, type TestEnv, tenant } from "./helpers";

async function gym(env: TestEnv) {
  const t = await tenant(env, { locale: "en", brand_signature: "[Demo Gym]" });
  expect((await t.client.post("/v1/channels", { name: "Sim", provider: "simulator" })).status).toBe(201);
  return t;
}

async function members(c: Client, n: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await c.post("/v1/customers", {
      name: `Member ${i}`,
      phone: `+861380013${String(8000 + i)}`,
      locale: "en",
      consent: { state: "subscribed" },
      ...extra(i),
    });
    expect(r.status).toBe(201);
    ids.push(r.body.id);
  }
  return ids;
}

const promo = {
  name: "November offer",
  kind: "broadcast",
  template: "member_promotion",
  variables: { offer: "20% off PT", validUntil: "2026-12-15", link: "gym.example/b" },
};

describe("broadcast campaigns", () => {
  it("plans once per customer (however often the planner runs), sends, and counts", async () => {
    const env = setup();
    const t = await gym(env);
    const ids = await members(t.client, 5, (i) => (i === 4 ? { consent: { state: "unsubscribed" } } : {}));
    const yoga = await t.client.post("/v1/groups", { name: "Yoga" });
    const vip = await t.client.post("/v1/groups", { name: "VIP" });
    await t.client.post(`/v1/groups/${yoga.body.id}/members`, { customer_ids: ids });
    await t.client.post(`/v1/groups/${vip.body.id}/members`, { customer_ids: [ids[0]] });
    const c = await t.client.post("/v1/campaigns", {
      ...promo,
      audience: { groups: [yoga.body.code], exclude_groups: [vip.body.code] },
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ status: "draft", message_kind: "marketing", planned: 0 });
    expect((await t.client.get(`/v1/campaigns/${c.body.id}`)).body.audience_count).toBe(4);
    // Left out on request (the console counts the audience through the forecast).
    const plain = await t.client.get(`/v1/campaigns/${c.body.id}?audience_count=false`);
    expect(plain.status).toBe(200);
    expect(plain.body).not.toHaveProperty("audience_count");
    expect(plain.body.id).toBe(c.body.id);
    expect((await t.client.get(`/v1/campaigns/${c.body.id}?audience_count=maybe`)).status).toBe(422);
    expect((await t.client.get(`/v1/campaigns/${c.body.id}?surprise=1`)).status).toBe(422);

    // Nothing happens to a draft.
    expect(await runPlan(env.deps)).toMatchObject({ campaigns: 0 });
    const scheduled = await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    expect(scheduled.body.status).toBe("scheduled");
    // Two planners at once: both see the campaign due; the idempotency keys let each message in once.
    await Promise.all([runPlan(env.deps), runPlan(env.deps)]);
    expect(await runPlan(env.deps)).toMatchObject({ campaigns: 0 });
    const list = await t.client.get(`/v1/messages?campaign_id=${c.body.id}`);
    expect(list.body.data).toHaveLength(4);
    expect(new Set(list.body.data.map((m: any) => m.customer_id))).toEqual(new Set(ids.slice(1)));
    expect((await t.client.get(`/v1/campaigns/${c.body.id}`)).body).toMatchObject({ status: "running", planned: 4 });
    const first = (await t.client.get(`/v1/messages/${list.body.data[0].id}`)).body;
    expect(first.history[0]).toMatchObject({ status: "queued", detail: "Planned by campaign November offer" });

    await runDispatch(env.deps);
    const stats = (await t.client.get(`/v1/campaigns/${c.body.id}/stats`)).body;
    expect(stats).toMatchObject({
      planned: 4,
      by_status: { delivered: 3, skipped: 1 },
      by_reason: { opted_out: 1 },
      delivered_rate: 1,
      segments: 3,
      currency: "CNY",
    });
    expect(stats.cost).toBeCloseTo(0.3);
    await runPlan(env.deps);
    expect((await t.client.get(`/v1/campaigns/${c.body.id}`)).body.status).toBe("completed");
  });

  it("refuses illegal moves with 409, pauses at once, resumes, and cancels what is left", async () => {
    const env = setup();
    const t = await gym(env);
    const ids = await members(t.client, 3);
    const c = await t.client.post("/v1/campaigns", { ...promo, audience: { customers: ids } });
    const id = c.body.id;
    const pause = await t.client.post(`/v1/campaigns/${id}/pause`);
    expect(pause.status).toBe(409);
    expect(pause.body.error.details).toMatchObject({ status: "draft" });
    expect((await t.client.post(`/v1/campaigns/${id}/schedule`, {})).status).toBe(200);
    expect((await t.client.post(`/v1/campaigns/${id}/schedule`, {})).status).toBe(409);
    expect((await t.client.patch(`/v1/campaigns/${id}`, { name: "x" })).status).toBe(409);
    await runPlan(env.deps);
    expect((await t.client.post(`/v1/campaigns/${id}/pause`)).body.status).toBe("paused");
    await runDispatch(env.deps);
    let msgs = (await t.client.get(`/v1/messages?campaign_id=${id}`)).body.data;
    expect(msgs.map((m: any) => [m.status, m.reason])).toEqual([
      ["queued", "campaign_paused"],
      ["queued", "campaign_paused"],
      ["queued", "campaign_paused"],
    ]);
    expect((await t.client.post(`/v1/campaigns/${id}/resume`)).body.status).toBe("running");
    await runDispatch(env.deps);
    msgs = (await t.client.get(`/v1/messages?campaign_id=${id}`)).body.data;
    expect(msgs.map((m: any) => m.status)).toEqual(["delivered", "delivered", "delivered"]);

    // A second campaign, cancelled before it sends: everything planned is skipped with the reason.
    const later = await t.client.post("/v1/campaigns", {
      ...promo,
      audience: { customers: ids },
      send_at: "2026-11-24T02:00:00Z",
    });
    await t.client.post(`/v1/campaigns/${later.body.id}/schedule`, {});
    await runPlan(env.deps);
    expect((await t.client.get(`/v1/campaigns/${later.body.id}`)).body.status).toBe("scheduled");
    env.clock.set("2026-11-24T01:58:00Z");
    await runPlan(env.deps);
    const planned = (await t.client.get(`/v1/messages?campaign_id=${later.body.id}`)).body.data;
    expect(planned.map((m: any) => m.status)).toEqual(["planned", "planned", "planned"]);
    await runDispatch(env.deps);
    expect((await t.client.post(`/v1/campaigns/${later.body.id}/cancel`)).body.status).toBe("cancelled");
    const cancelled = (await t.client.get(`/v1/messages?campaign_id=${later.body.id}`)).body.data;
    expect(cancelled.map((m: any) => [m.status, m.reason])).toEqual([
      ["skipped", "campaign_cancelled"],
      ["skipped", "campaign_cancelled"],
      ["skipped", "campaign_cancelled"],
    ]);
    expect((await t.client.post(`/v1/campaigns/${later.body.id}/resume`)).status).toBe(409);
  });

  it("needs the audience confirmed above 10,000 customers, and validates its input", async () => {
    const env = setup();
    const t = await gym(env);
    const now = env.clock.now().getTime();
    const insert = env.db.sqlite.prepare(
      `insert into customers (id, tenant_id, phone, name, locale, time_zone, tags, attributes, consent_state, source, created_at, updated_at)
       values (?, ?, ?, 'x', 'en', 'Asia/Shanghai', '[]', '{}', 'subscribed', 'import', ?, ?)`,
    );
    env.db.sqlite.transaction(() => {
      for (let i = 0; i < 10_001; i++)
        insert.run(env.ids.next("cus"), t.tenant.id, `+86137${String(i).padStart(8, "0")}`, now, now);
    })();
    const c = await t.client.post("/v1/campaigns", {
      ...promo,
      audience: { filter: { field: "consent", op: "eq", value: "subscribed" } },
    });
    const blocked = await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.details).toMatchObject({ audience: 10_001 });
    expect((await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, { confirm_audience: 9_999 })).status).toBe(409);
    expect((await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, { confirm_audience: 10_001 })).status).toBe(200);
    const planned = await runPlan(env.deps);
    expect(planned.planned).toBe(10_001);
    const n = env.db.sqlite.prepare("select count(distinct id) as n, count(*) as m from messages").get() as {
      n: number;
      m: number;
    };
    expect(n).toEqual({ n: 10_001, m: 10_001 });

    const bad = [
      [{ ...promo, audience: {} }, "audience"],
      [{ ...promo, template: "nope_nope", audience: { customers: ["x"] } }, "template"],
      [{ ...promo, audience: { groups: ["77"] } }, "audience.groups[0]"],
    ] as const;
    for (const [body, field] of bad) {
      const r = await t.client.post("/v1/campaigns", body);
      expect(r.status).toBe(422);
      expect(JSON.stringify(r.body.error.details)).toContain(field);
    }
    const other = await gym(env);
    expect((await other.client.get(`/v1/campaigns/${c.body.id}`)).status).toBe(404);
    expect((await other.client.post(`/v1/campaigns/${c.body.id}/cancel`)).status).toBe(404);
  });
});

describe("opting out", () => {
  it("cancels the customer's planned marketing at once, and keeps their notifications", async () => {
    const env = setup();
    const t = await gym(env);
    const [id] = await members(t.client, 1);
    const c = await t.client.post("/v1/campaigns", {
      ...promo,
      audience: { customers: [id] },
      send_at: "2026-11-24T02:00:00Z",
    });
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    env.clock.set("2026-11-24T01:58:00Z");
    await runPlan(env.deps);
    const note = await t.client.post("/v1/messages", {
      customer_id: id,
      text: "Your locker code is 4411",
      kind: "notification",
      send_at: "2026-11-24T03:00:00Z",
    });
    expect(
      (await t.client.patch(`/v1/customers/${id}`, { consent: { state: "unsubscribed", evidence: "texted STOP" } }))
        .status,
    ).toBe(200);
    const [m] = (await t.client.get(`/v1/messages?campaign_id=${c.body.id}`)).body.data;
    expect(m).toMatchObject({ status: "skipped", reason: "opted_out" });
    expect((await t.client.get(`/v1/messages/${m.id}`)).body.history.map((h: any) => h.status)).toEqual([
      "planned",
      "skipped",
    ]);
    expect((await t.client.get(`/v1/messages/${note.body.id}`)).body.status).toBe("planned");
  });
});

describe("recurring campaigns", () => {
  /** Moves the clock to each next occurrence, as a scheduler ticking all along would see it. */
  async function run(env: TestEnv, t: Awaited<ReturnType<typeof gym>>, id: string, occurrences: number) {
    for (let i = 0; i < occurrences; i++) {
      const next = (await t.client.get(`/v1/campaigns/${id}`)).body.next_occurrence_at as string;
      env.clock.set(Date.parse(next) - 60_000);
      await runPlan(env.deps);
      env.clock.set(next);
      await runDispatch(env.deps);
    }
    return (await t.client.get(`/v1/messages?campaign_id=${id}&limit=500`)).body.data.map((m: any) => [
      m.customer_id,
      m.sent_at,
      m.status,
    ]);
  }

  it("sends on the first Monday of each month at 10:00 Shanghai time, resolving the audience each time", async () => {
    const env = setup();
    const t = await gym(env);
    const [first] = await members(t.client, 1);
    const g = await t.client.post("/v1/groups", { name: "Members" });
    await t.client.post(`/v1/groups/${g.body.id}/members`, { customer_ids: [first] });
    const c = await t.client.post("/v1/campaigns", {
      ...promo,
      kind: "recurring",
      cron: "0 10 * * 1#1",
      time_zone: "Asia/Shanghai",
      audience: { groups: [g.body.code] },
    });
    expect(c.status).toBe(201);
    const s = await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    expect(s.body.next_occurrence_at).toBe("2026-12-07T02:00:00.000Z");
    let sent = await run(env, t, c.body.id, 1);
    // A member who joins later is in the next occurrence.
    const [later] = await members(t.client, 1, () => ({ phone: "+8613800139999" }));
    await t.client.post(`/v1/groups/${g.body.id}/members`, { customer_ids: [later] });
    sent = await run(env, t, c.body.id, 2);
    expect(sent.sort()).toEqual(
      [
        [first, "2026-12-07T02:00:00.000Z", "delivered"],
        [first, "2027-01-04T02:00:00.000Z", "delivered"],
        [first, "2027-02-01T02:00:00.000Z", "delivered"],
        [later, "2027-01-04T02:00:00.000Z", "delivered"],
        [later, "2027-02-01T02:00:00.000Z", "delivered"],
      ].sort(),
    );
    expect((await t.client.get(`/v1/campaigns/${c.body.id}`)).body).toMatchObject({
      status: "running",
      next_occurrence_at: "2027-03-01T02:00:00.000Z",
    });
  });

  it("keeps 9:00 New York time across the daylight-saving change", async () => {
    const env = setup("2027-03-11T00:00:00Z");
    const t = await gym(env);
    const [id] = await members(t.client, 1, () => ({ phone: "+12025550143", time_zone: "America/New_York" }));
    const c = await t.client.post("/v1/campaigns", {
      ...promo,
      kind: "recurring",
      cron: "0 9 * * *",
      time_zone: "America/New_York",
      audience: { customers: [id] },
    });
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    const sent = await run(env, t, c.body.id, 5);
    expect(sent.map((s: any) => s[1]).sort()).toEqual([
      "2027-03-11T14:00:00.000Z",
      "2027-03-12T14:00:00.000Z",
      "2027-03-13T14:00:00.000Z",
      "2027-03-14T13:00:00.000Z",
      "2027-03-15T13:00:00.000Z",
    ]);
  });

  it("rejects a bad cron expression, naming it", async () => {
    const env = setup();
    const t = await gym(env);
    const [id] = await members(t.client, 1);
    for (const cron of ["0 10 * *", "61 10 * * *", "0 10 30 2 *"]) {
      const r = await t.client.post("/v1/campaigns", {
        ...promo,
        kind: "recurring",
        cron,
        audience: { customers: [id] },
      });
      expect(r.status, cron).toBe(422);
      expect(r.body.error.details[0].path).toBe("cron");
    }
  });
});

describe("forecast", () => {
  it("says who gets each occurrence, when in their own zone, who is excluded and why, and the cost — then it happens so", async () => {
    const env = setup("2026-11-23T04:00:00Z");
    const t = await gym(env);
    await t.client.patch("/v1/tenant", { quiet_hours: { start: "21:00", end: "08:00" }, time_zone: "Asia/Shanghai" });
    const [sh, ny, out] = [
      ...(await members(t.client, 1, () => ({ time_zone: "Asia/Shanghai" }))),
      ...(await members(t.client, 1, () => ({ phone: "+12025550143", time_zone: "America/New_York" }))),
      ...(await members(t.client, 1, () => ({ phone: "+8613800137777", consent: { state: "unsubscribed" } }))),
    ];
    // 10:00 in Shanghai is 21:00 in New York: the New York member is held until 08:00 there.
    const c = await t.client.post("/v1/campaigns", {
      ...promo,
      kind: "recurring",
      cron: "0 10 * * 1",
      time_zone: "Asia/Shanghai",
      audience: { customers: [sh, ny, out] },
    });
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    const f = await t.client.get(`/v1/campaigns/${c.body.id}/forecast?days=14`);
    expect(f.status).toBe(200);
    expect(f.body.occurrences.map((o: any) => o.at)).toEqual(["2026-11-30T02:00:00.000Z", "2026-12-07T02:00:00.000Z"]);
    const first = f.body.occurrences[0];
    expect(first).toMatchObject({
      audience: 3,
      sending: 2,
      excluded: { opted_out: 1 },
      segments: 2,
      cost: 0.2,
      estimated: false,
    });
    const zones = Object.fromEntries(first.send_times.map((s: any) => [s.time_zone, s]));
    expect(zones["Asia/Shanghai"]).toMatchObject({
      customers: 1,
      utc: "2026-11-30T02:00:00.000Z",
      local: "2026-11-30T10:00",
    });
    expect(zones["America/New_York"]).toMatchObject({
      customers: 1,
      utc: "2026-11-30T13:00:00.000Z",
      local: "2026-11-30T08:00",
      held_for_quiet_hours: true,
    });

    // What the forecast said is what happens.
    env.clock.set("2026-11-30T01:59:00Z");
    await runPlan(env.deps);
    env.clock.set("2026-11-30T02:00:00Z");
    await runDispatch(env.deps);
    env.clock.set("2026-11-30T13:00:00Z");
    await runDispatch(env.deps);
    const sent = (await t.client.get(`/v1/messages?campaign_id=${c.body.id}`)).body.data;
    const by = Object.fromEntries(sent.map((m: any) => [m.customer_id, [m.status, m.sent_at, m.reason]]));
    expect(by[sh as string]).toEqual(["delivered", "2026-11-30T02:00:00.000Z", null]);
    expect(by[ny as string]).toEqual(["delivered", "2026-11-30T13:00:00.000Z", null]);
    expect(by[out as string]).toEqual(["skipped", null, "opted_out"]);
    expect((await t.client.get(`/v1/campaigns/${c.body.id}/forecast?days=0`)).status).toBe(422);
  });
});
