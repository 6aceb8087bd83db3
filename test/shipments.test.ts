import { setup } from "test-runtime";
// Delivery-time-aware prompts (issue 7): shipments in, the lead-time model per courier and
// region with its fallbacks, after-delivery campaigns timed by it, conversions closing prompts,
// and the reports.

import { describe, expect, it } from "vitest";
import { runDispatch } from "../src/jobs/dispatch";
import { runLeadTimes } from "../src/jobs/lead-times";
import { runPlan } from "../src/jobs/plan";
import { drive } from "./drive";
import { type Client, tenant } from "./harness";
import { settle, twoWay } from "./two-way";

const DAY = 86_400_000;
const START = "2026-03-01T03:00:00Z"; // 11:00 in Shanghai

/** A lead-day histogram as one entry per sample: { 1: 10, 2: 22 } → ten 1s, twenty-two 2s. */
function samples(h: Record<number, number>): number[] {
  return Object.entries(h).flatMap(([d, n]) => Array.from({ length: n }, () => Number(d)));
}

// p80 = day 2 (32 of 40 by day 2); p95 = day 3.
const FAST = samples({ 1: 10, 2: 22, 3: 6, 4: 2 });
// p80 = day 6.
const SLOW = samples({ 4: 10, 5: 10, 6: 12, 7: 8 });
// Five samples: too thin for its own cell (min 30), so SF's courier row times it: with FAST it
// is 45 samples and p80 = day 3 (its own p80 would be day 9).
const THIN = samples({ 9: 5 });

let phoneSeq = 0;
async function members(c: Client, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await c.post("/v1/customers", {
      phone: `+86138${String(10_000_000 + phoneSeq++).slice(-8)}`,
      name: `会员${phoneSeq}`,
      consent: { state: "subscribed" },
    });
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  return ids;
}

/** History from 25 January (settled: over 10 days old): shipped at 10:00 Shanghai, delivered `days` later at 15:00. */
async function history(c: Client, courier: string, region: string, leads: number[]) {
  const who = await members(c, leads.length);
  const base = Date.parse("2026-01-25T02:00:00Z");
  const res = await c.post("/v1/shipments", {
    shipments: leads.map((d, i) => ({
      customer_id: who[i],
      reference: String(1000 + i),
      courier,
      region,
      shipped_at: new Date(base + (i % 20) * DAY).toISOString(),
      delivered_at: new Date(base + (i % 20) * DAY + d * DAY + 5 * 3_600_000).toISOString(),
    })),
  });
  expect(res.status).toBe(200);
  expect(res.body.created).toBe(leads.length);
  return who;
}

async function bank(opts: { followUp?: Record<string, unknown> } = {}) {
  const env = await setup(START);
  const t = await twoWay(env);
  await history(t.client, "SF", "Shenzhen", FAST);
  await history(t.client, "EMS", "Urumqi", SLOW);
  await history(t.client, "SF", "Lhasa", THIN);
  const cmp = await t.client.post("/v1/campaigns", {
    name: "Activation prompt",
    kind: "after_delivery",
    template: "card_activation_prompt",
    variables: { activationUrl: "bank.example/activate" },
    after_delivery: { item_kind: "card", ...(opts.followUp ? { follow_up: opts.followUp } : {}) },
  });
  expect(cmp.status).toBe(201);
  expect((await t.client.post(`/v1/campaigns/${cmp.body.id}/schedule`, {})).status).toBe(200);
  return { env, ...t, campaign: cmp.body };
}

/** New cards shipped now (10:00 Shanghai on 1 March), one per customer. */
async function ship(c: Client, rows: { customer: string; courier: string; region: string; last4: string }[]) {
  const res = await c.post("/v1/shipments", {
    shipments: rows.map((r) => ({
      customer_id: r.customer,
      reference: r.last4,
      courier: r.courier,
      region: r.region,
      shipped_at: "2026-03-01T02:00:00Z",
      external_id: `trk-${r.customer}`,
    })),
  });
  expect(res.status).toBe(200);
  return res.body.data.map((d: { id: string }) => d.id) as string[];
}

async function prompts(c: Client, shipmentId: string) {
  const res = await c.get(`/v1/shipments/${shipmentId}`);
  expect(res.status).toBe(200);
  return res.body.prompts as {
    message_id: string;
    step: number;
    status: string;
    reason: string | null;
    send_at: string;
  }[];
}

describe("the lead-time model", () => {
  it("learns per courier and region, and falls back for a thin cell", async () => {
    const { client } = await bank();
    const r = await client.get("/v1/reports/delivery");
    expect(r.status).toBe(200);
    const cell = (courier: string, region: string) =>
      r.body.cells.find((x: any) => x.courier === courier && x.region === region);
    expect(cell("SF", "Shenzhen")).toMatchObject({
      samples: 40,
      proxy_samples: 0,
      quantiles: { p50: { days: 2 }, p80: { days: 2 }, p90: { days: 3 }, p95: { days: 3 } },
      timed_by: { level: "cell", courier: "SF", region: "Shenzhen", recommended_send_day: 2 },
    });
    expect(cell("SF", "Shenzhen").histogram.slice(0, 5)).toEqual([
      { day: 0, count: 0, cumulative_share: 0 },
      { day: 1, count: 10, cumulative_share: 0.25 },
      { day: 2, count: 22, cumulative_share: 0.8 },
      { day: 3, count: 6, cumulative_share: 0.95 },
      { day: 4, count: 2, cumulative_share: 1 },
    ]);
    expect(cell("EMS", "Urumqi").timed_by).toMatchObject({ level: "cell", recommended_send_day: 6 });
    // The thin cell keeps its own numbers in the report but is timed by SF's courier row.
    expect(cell("SF", "Lhasa")).toMatchObject({ samples: 5, quantiles: { p80: { days: 9 } } });
    expect(cell("SF", "Lhasa").timed_by).toMatchObject({
      level: "courier",
      courier: "SF",
      region: "",
      samples: 45,
      recommended_send_day: 3,
    });
    expect(r.body.workspace.samples).toBe(85);
    expect(r.body.couriers.map((x: any) => [x.courier, x.samples])).toEqual([
      ["EMS", 40],
      ["SF", 45],
    ]);
    // Hours too: shipped 10:00, delivered 15:00 on day d = 24d + 5 hours.
    expect(cell("SF", "Shenzhen").quantiles.p80.hours).toBe(53);

    const svg = await client.get("/v1/reports/delivery/chart?courier=SF&region=Shenzhen");
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toContain("image/svg+xml");
    expect(svg.body).toMatch(/^<svg /);
    expect(svg.body).toContain("SF / Shenzhen: 40 samples");
    expect(svg.body).toContain("p80 send day 2");
    expect((svg.body.match(/<rect /g) ?? []).length).toBeGreaterThanOrEqual(5);
    expect((await client.get("/v1/reports/delivery/chart?courier=DHL&region=Nowhere")).status).toBe(404);
  });

  it("uses shipped-to-activation as a bounded proxy when no delivery date is known", async () => {
    const env = await setup(START);
    const t = await tenant(env);
    const who = await members(t.client, 3);
    const ids = (
      await t.client.post("/v1/shipments", {
        shipments: who.map((customer_id, i) => ({
          customer_id,
          courier: "YTO",
          region: "Hangzhou",
          shipped_at: new Date(Date.parse("2026-02-01T02:00:00Z") + i * DAY).toISOString(),
        })),
      })
    ).body.data.map((d: { id: string }) => d.id);
    // Activated 3 days after shipping; 20 days after (beyond proxy_max_days 14); and via a delivery date.
    await t.client.post("/v1/events", {
      customer_id: who[0],
      type: "card.activated",
      properties: { channel: "app" },
      occurred_at: "2026-02-04T06:00:00Z",
    });
    await t.client.post("/v1/events", {
      customer_id: who[1],
      type: "card.activated",
      properties: { channel: "agent" },
      occurred_at: "2026-02-22T06:00:00Z",
    });
    await t.client.post("/v1/shipments/updates", {
      updates: [{ shipment_id: ids[2], delivered_at: "2026-02-05T03:00:00Z" }],
    });
    const s0 = (await t.client.get(`/v1/shipments/${ids[0]}`)).body;
    expect(s0).toMatchObject({ conversion_channel: "app", lead: { days: 3, source: "activation" } });
    const s1 = (await t.client.get(`/v1/shipments/${ids[1]}`)).body;
    expect(s1).toMatchObject({ conversion_channel: "agent", lead: null });
    expect((await t.client.get(`/v1/shipments/${ids[2]}`)).body.lead).toMatchObject({ days: 2, source: "delivered" });
    // A second card for the first customer: an event naming the first card (already active)
    // does not activate the second; one naming nothing does.
    const second = (
      await t.client.post("/v1/shipments", {
        shipments: [
          {
            customer_id: who[0],
            reference: "9876",
            courier: "YTO",
            region: "Hangzhou",
            shipped_at: "2026-02-20T02:00:00Z",
          },
        ],
      })
    ).body.data[0].id;
    const first = (await t.client.get(`/v1/shipments/${ids[0]}`)).body;
    await t.client.post("/v1/events", {
      customer_id: who[0],
      type: "card.activated",
      properties: { channel: "web", shipment_id: first.id },
    });
    expect((await t.client.get(`/v1/shipments/${second}`)).body.converted_at).toBeNull();
    await t.client.post("/v1/events", { customer_id: who[0], type: "card.activated", properties: { channel: "ivr" } });
    expect((await t.client.get(`/v1/shipments/${second}`)).body.conversion_channel).toBe("ivr");
    expect((await t.client.get(`/v1/shipments/${ids[0]}`)).body.conversion_channel).toBe("app");
    expect((await t.client.post("/v1/reports/delivery/refresh")).body).toMatchObject({ samples: 2 });
    const r = (await t.client.get("/v1/reports/delivery")).body;
    expect(r.cells[0]).toMatchObject({ courier: "YTO", region: "Hangzhou", samples: 2, proxy_samples: 1 });
    // Two samples are below min_samples everywhere: prompts would use promised or default days.
    expect(r.cells[0].timed_by.level).toBe("promised_or_default");
    expect((await t.client.patch("/v1/tenant", { delivery_model: { min_samples: 2 } })).status).toBe(200);
    expect((await t.client.get("/v1/reports/delivery")).body.cells[0].timed_by.level).toBe("cell");
    // Proxies run late (activation comes after delivery): with enough delivery dates they are left out.
    await t.client.patch("/v1/tenant", { delivery_model: { min_samples: 1 } });
    await t.client.post("/v1/reports/delivery/refresh");
    expect((await t.client.get("/v1/reports/delivery")).body.cells[0]).toMatchObject({ samples: 1, proxy_samples: 0 });
  });

  it("forgets shipments older than the window", async () => {
    const { env, client } = await bank();
    expect((await client.get("/v1/reports/delivery")).body.workspace.samples).toBe(85);
    env.clock.set(Date.parse("2026-05-05T00:00:00Z")); // History shipped 25 Jan-13 Feb; the window is 90 days.
    await runLeadTimes(env.deps);
    const r = (await client.get("/v1/reports/delivery")).body;
    expect(r.workspace.samples).toBeLessThan(85);
    expect(r.workspace.samples).toBeGreaterThan(0);
  });
});

describe("after-delivery campaigns", () => {
  it("sends each cell's prompt on its own p80 day at 18:00 local, the thin cell by its fallback", async () => {
    const { env, client } = await bank();
    const [fast, slow, thin] = await members(client, 3);
    const [sFast, sSlow, sThin] = await ship(client, [
      { customer: fast as string, courier: "SF", region: "Shenzhen", last4: "1111" },
      { customer: slow as string, courier: "EMS", region: "Urumqi", last4: "2222" },
      { customer: thin as string, courier: "SF", region: "Lhasa", last4: "3333" },
    ]);
    await runPlan(env.deps);
    const at = async (s: string) => (await prompts(client, s)).map((p) => p.send_at);
    // 18:00 in Shanghai is 10:00 UTC; shipped 1 March.
    expect(await at(sFast as string)).toEqual(["2026-03-03T10:00:00.000Z"]);
    expect(await at(sSlow as string)).toEqual(["2026-03-07T10:00:00.000Z"]);
    expect(await at(sThin as string)).toEqual(["2026-03-04T10:00:00.000Z"]);

    const [p] = await prompts(client, sThin as string);
    const m = (await client.get(`/v1/messages/${p?.message_id}`)).body;
    expect(m.timing).toEqual({
      shipment_id: sThin,
      step: 1,
      level: "courier",
      courier: "SF",
      region: "",
      quantile: 0.8,
      lead_days: 3,
      samples: 45,
      send_date: "2026-03-04",
      late: false,
    });
    expect(m.history[0].detail).toContain("fallback to courier level, 45 samples): p80 = day 3");
    const f = (await client.get(`/v1/messages/${(await prompts(client, sFast as string))[0]?.message_id}`)).body;
    expect(f.timing).toMatchObject({ level: "cell", courier: "SF", region: "Shenzhen", lead_days: 2, samples: 40 });

    await drive(env, "2026-03-08T00:00:00Z");
    const sent = await client.get(`/v1/messages/${f.id}`);
    expect(sent.body.status).toBe("delivered");
    expect(sent.body.sent_at).toBe("2026-03-03T10:00:00.000Z");
    expect(sent.body.text).toContain("1111");
    // Planning again changes nothing: one prompt per shipment.
    await runPlan(env.deps);
    expect((await client.get(`/v1/messages?customer_id=${fast}`)).body.data).toHaveLength(1);
  });

  it("never prompts a customer who already converted, or whose card came back", async () => {
    const { env, client } = await bank();
    const [early, returned, raced] = await members(client, 3);
    const [sEarly, sReturned, sRaced] = await ship(client, [
      { customer: early as string, courier: "EMS", region: "Urumqi", last4: "4444" },
      { customer: returned as string, courier: "EMS", region: "Urumqi", last4: "5555" },
      { customer: raced as string, courier: "EMS", region: "Urumqi", last4: "6666" },
    ]);
    await runPlan(env.deps);
    env.clock.set(Date.parse("2026-03-04T03:00:00Z"));
    // Activated with an agent on day 3: the day-6 prompt is skipped at once.
    const ev = await client.post("/v1/events", {
      customer_id: early,
      type: "card.activated",
      properties: { channel: "agent" },
    });
    expect(ev.status).toBe(201);
    expect((await prompts(client, sEarly as string))[0]).toMatchObject({
      status: "skipped",
      reason: "already_converted",
    });
    const upd = await client.post("/v1/shipments/updates", {
      updates: [{ external_id: `trk-${returned}`, returned_at: "2026-03-04T03:00:00Z" }],
    });
    expect(upd.body).toEqual({ updated: 1, returned: 1 });
    expect((await prompts(client, sReturned as string))[0]).toMatchObject({
      status: "skipped",
      reason: "shipment_returned",
    });
    // A conversion that lands between planning and sending without its event's skip (written
    // straight to the table, as a concurrent writer could) is still caught at send time.
    await env.db.batch([
      {
        sql: "update shipments set converted_at = ?, conversion_channel = 'branch' where id = ?",
        params: [Date.parse("2026-03-05T00:00:00Z"), sRaced],
      },
    ]);
    await drive(env, "2026-03-10T00:00:00Z");
    const [p] = await prompts(client, sRaced as string);
    expect(p).toMatchObject({ status: "skipped", reason: "already_converted" });
    const m = (await client.get(`/v1/messages/${p?.message_id}`)).body;
    expect(m.history.at(-1).detail).toContain("branch");
    for (const who of [early, returned, raced]) {
      const sentTo = (await client.get(`/v1/messages?customer_id=${who}`)).body.data.filter(
        (x: any) => x.sent_at !== null,
      );
      expect(sentTo).toEqual([]);
    }
    const stats = (await client.get(`/v1/campaigns/${(await client.get("/v1/campaigns")).body.data[0].id}/stats`)).body;
    expect(stats.by_reason).toMatchObject({ already_converted: 2, shipment_returned: 1 });
  });

  it("follows up on a later quantile until the customer activates by SMS", async () => {
    const { env, client, sms } = await bank({ followUp: { quantile: 0.95, max_messages: 3, after_days: 2 } });
    expect((await client.post("/v1/keywords", { preset: "card_activation" })).status).toBe(201);
    const [slow, fast] = await members(client, 2);
    const [sSlow, sFast] = await ship(client, [
      { customer: slow as string, courier: "EMS", region: "Urumqi", last4: "7777" },
      { customer: fast as string, courier: "SF", region: "Shenzhen", last4: "8888" },
    ]);
    await runPlan(env.deps);
    // SF/Shenzhen: p80 day 2, p95 day 3, then every 2 days: 3 prompts at most.
    expect((await prompts(client, sFast as string)).map((p) => [p.step, p.send_at])).toEqual([
      [1, "2026-03-03T10:00:00.000Z"],
      [2, "2026-03-04T10:00:00.000Z"],
      [3, "2026-03-06T10:00:00.000Z"],
    ]);
    // EMS/Urumqi: p80 day 6 and p95 day 7.
    expect((await prompts(client, sSlow as string)).map((p) => p.send_at.slice(0, 10))).toEqual([
      "2026-03-07",
      "2026-03-08",
      "2026-03-10",
    ]);
    await drive(env, "2026-03-03T11:00:00Z");
    const fastPhone = (await client.get(`/v1/customers/${fast}`)).body.phone;
    expect(await sms(fastPhone, "激活 8888")).toBe(200);
    await settle(env);
    const s = (await client.get(`/v1/shipments/${sFast}`)).body;
    expect(s).toMatchObject({ conversion_channel: "sms", converted_at: "2026-03-03T11:00:00.000Z" });
    // The profile's timeline tells the card's story: shipped, prompted, activated by SMS, confirmed.
    const tl = (await client.get(`/v1/customers/${fast}/timeline`)).body.data;
    const story = tl.filter((e: any) => e.type.startsWith("shipment.") || e.type === "message.delivered");
    expect(story.map((e: any) => e.type)).toEqual([
      "shipment.shipped",
      "message.delivered",
      "shipment.converted",
      "message.delivered",
    ]);
    expect(story[2]).toMatchObject({ at: "2026-03-03T11:00:00.000Z", data: { channel: "sms", reference: "8888" } });
    expect(s.prompts.map((p: any) => [p.status, p.reason])).toEqual([
      ["delivered", null],
      ["skipped", "already_converted"],
      ["skipped", "already_converted"],
    ]);
    await drive(env, "2026-03-12T00:00:00Z");
    expect((await prompts(client, sSlow as string)).map((p) => p.status)).toEqual([
      "delivered",
      "delivered",
      "delivered",
    ]);
    // Converted: the card activated after its first prompt; the slow one never was.
    const stats = (await client.get(`/v1/campaigns/${(await client.get("/v1/campaigns")).body.data[0].id}/stats`)).body;
    expect(stats.converted).toBe(1);
    // Sends per hour: every sent prompt (the history's too), in order; this card's first prompt at 10:00 UTC.
    const hours = stats.sent_by_hour.map((h: any) => h.hour);
    expect(hours).toEqual([...hours].sort());
    expect(stats.sent_by_hour.reduce((n: number, h: any) => n + h.sent, 0)).toBe(stats.by_status.delivered);
    expect(hours).toContain("2026-03-03T10:00:00.000Z");
    await runDispatch(env.deps);
  });

  it("moves planned prompts when the refreshed model says their cell got faster", async () => {
    const { env, client } = await bank({ followUp: { after_days: 2, max_messages: 2 } });
    const [a, b] = await members(client, 2);
    const [sa] = await ship(client, [{ customer: a as string, courier: "EMS", region: "Urumqi", last4: "1212" }]);
    await runPlan(env.deps);
    const times = async (id: string) => (await prompts(client, id)).map((p) => p.send_at.slice(0, 10));
    expect(await times(sa as string)).toEqual(["2026-03-07", "2026-03-09"]);
    await drive(env, "2026-03-07T11:00:00Z");
    expect((await prompts(client, sa as string)).map((p) => p.status)).toEqual(["delivered", "planned"]);
    const sb = (
      await client.post("/v1/shipments", {
        shipments: [
          { customer_id: b, reference: "3434", courier: "EMS", region: "Urumqi", shipped_at: "2026-03-07T11:00:00Z" },
        ],
      })
    ).body.data[0].id;
    await runPlan(env.deps);
    expect(await times(sb)).toEqual(["2026-03-13", "2026-03-15"]);
    // A hundred more EMS/Urumqi deliveries on day 2: with the forty before, p80 is now day 5.
    await history(client, "EMS", "Urumqi", samples({ 2: 100 }));
    const r = await client.post("/v1/reports/delivery/refresh");
    expect(r.body.retimed).toBe(2);
    expect(await times(sb)).toEqual(["2026-03-12", "2026-03-14"]);
    // The first card's prompt has gone: its follow-up keeps counting from it.
    expect(await times(sa as string)).toEqual(["2026-03-07", "2026-03-09"]);
    const [p] = await prompts(client, sb);
    const m = (await client.get(`/v1/messages/${p?.message_id}`)).body;
    expect(m.timing).toMatchObject({ lead_days: 5, samples: 140, send_date: "2026-03-12" });
    expect(m.history.at(-1).detail).toMatch(/^Re-timed after the model refreshed.*p80 = day 5/);
    expect((await client.post("/v1/reports/delivery/refresh")).body.retimed).toBe(0);
  });

  it("runs a fixed rule as well, and plans late shipments for the next send time", async () => {
    const env = await setup("2026-03-01T00:00:00Z");
    const t = await tenant(env);
    const cmp = await t.client.post("/v1/campaigns", {
      name: "N+5",
      kind: "after_delivery",
      template: "card_activation_prompt",
      variables: { activationUrl: "x.example" },
      delivery_time: "10:30",
      after_delivery: { fixed_days: 5 },
    });
    expect(cmp.status).toBe(201);
    expect(cmp.body.trigger).toEqual({
      type: "after_delivery",
      item_kind: "card",
      timing: { fixed_days: 5 },
      delivery_time: "10:30",
      follow_up: null,
      default_days: 3,
    });
    await t.client.post(`/v1/campaigns/${cmp.body.id}/schedule`, {});
    const [a, b] = await members(t.client, 2);
    const ids = (
      await t.client.post("/v1/shipments", {
        shipments: [
          { customer_id: a, courier: "SF", region: "X", shipped_at: "2026-02-28T02:00:00Z" },
          // Reported a week late: its day-5 time passed; it goes at the next 10:30.
          { customer_id: b, courier: "SF", region: "X", shipped_at: "2026-02-20T02:00:00Z" },
        ],
      })
    ).body.data.map((d: { id: string }) => d.id);
    await runPlan(env.deps);
    expect((await prompts(t.client, ids[0])).map((p) => p.send_at)).toEqual(["2026-03-05T02:30:00.000Z"]);
    const late = await prompts(t.client, ids[1]);
    expect(late.map((p) => p.send_at)).toEqual(["2026-03-01T02:30:00.000Z"]);
    const m = (await t.client.get(`/v1/messages/${late[0]?.message_id}`)).body;
    expect(m.timing).toMatchObject({ level: "fixed", lead_days: 5, late: true, send_date: "2026-03-01" });
  });

  it("holds a notification prompt for quiet hours, in the customer's own zone", async () => {
    const env = await setup(START);
    const t = await twoWay(env, { quiet_hours: { start: "17:00", end: "08:00" } });
    const cmp = await t.client.post("/v1/campaigns", {
      name: "Prompt",
      kind: "after_delivery",
      template: "card_activation_prompt",
      message_kind: "notification",
      variables: { activationUrl: "x.example" },
      after_delivery: { fixed_days: 1 },
    });
    await t.client.post(`/v1/campaigns/${cmp.body.id}/schedule`, {});
    const [a] = await members(t.client, 1);
    await t.client.patch(`/v1/customers/${a}`, { time_zone: "Asia/Urumqi" });
    const [sid] = (
      await t.client.post("/v1/shipments", {
        shipments: [{ customer_id: a, reference: "4242", courier: "SF", region: "Urumqi", shipped_at: START }],
      })
    ).body.data.map((d: { id: string }) => d.id);
    await drive(env, "2026-03-03T06:00:00Z");
    const [p] = await prompts(t.client, sid as string);
    // Due 18:00 Urumqi time (12:00 UTC) on 2 March, inside 17:00-08:00: sent at 08:00 there (02:00 UTC).
    expect(p?.send_at).toBe("2026-03-02T12:00:00.000Z");
    const m = (await t.client.get(`/v1/messages/${p?.message_id}`)).body;
    expect(m.status).toBe("delivered");
    expect(m.sent_at).toBe("2026-03-03T02:00:00.000Z");
    expect(m.history.map((h: any) => h.reason)).toContain("quiet_hours_deferred");
  });

  it("rejects a bad after_delivery setup, naming the field", async () => {
    const env = await setup(START);
    const t = await tenant(env);
    const base = { name: "x", kind: "after_delivery", template: "card_activation_prompt" };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base }, "after_delivery"],
      [{ ...base, after_delivery: { quantile: 0.8, fixed_days: 3 } }, "after_delivery.fixed_days"],
      [{ ...base, after_delivery: { follow_up: { quantile: 0.7 } } }, "after_delivery.follow_up.quantile"],
      [
        { ...base, after_delivery: { fixed_days: 3, follow_up: { quantile: 0.9 } } },
        "after_delivery.follow_up.quantile",
      ],
      [{ ...base, after_delivery: { follow_up: { template: "nope" } } }, "after_delivery.follow_up.template"],
      [{ ...base, kind: "broadcast", audience: { all: true }, after_delivery: {} }, "after_delivery"],
    ];
    for (const [body, path] of cases) {
      const res = await t.client.post("/v1/campaigns", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.details.map((d: any) => d.path)).toContain(path);
    }
    expect((await t.client.get("/v1/campaigns")).body.data).toEqual([]);
  });
});

describe("shipments API", () => {
  it("stores bulk shipments once per external_id, and rejects a bad batch whole", async () => {
    const env = await setup(START);
    const t = await tenant(env);
    const [a] = await members(t.client, 1);
    const row = { customer_id: a, courier: "SF", region: "Shenzhen", shipped_at: "2026-02-27T02:00:00Z" };
    const first = await t.client.post("/v1/shipments", { shipments: [{ ...row, external_id: "T1" }] });
    expect(first.body).toMatchObject({ created: 1, duplicates: 0 });
    const again = await t.client.post("/v1/shipments", {
      shipments: [
        { ...row, external_id: "T1" },
        { ...row, external_id: "T2" },
      ],
    });
    expect(again.body).toMatchObject({ created: 1, duplicates: 1 });
    expect(again.body.data[0]).toEqual({ id: first.body.data[0].id, external_id: "T1", duplicate: true });
    const bad = await t.client.post("/v1/shipments", {
      shipments: [
        { ...row, external_id: "T3" },
        { ...row, customer_id: undefined, customer_external_id: "nobody" },
        { ...row, shipped_at: "2026-04-01T00:00:00Z" },
        { ...row, delivered_at: "2026-02-26T00:00:00Z" },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual([
      "shipments[1].customer_external_id",
      "shipments[2].shipped_at",
      "shipments[3].delivered_at",
    ]);
    expect((await t.client.get("/v1/shipments")).body.data).toHaveLength(2);
    const unknown = await t.client.post("/v1/shipments", { shipments: [{ ...row, colour: "red" }] });
    expect(unknown.status).toBe(422);
    expect(
      (await t.client.post("/v1/shipments/updates", { updates: [{ external_id: "T9", delivered_at: START }] })).body
        .error.details[0],
    ).toMatchObject({ path: "updates[0].external_id" });
    // Another workspace sees none of it.
    const other = await tenant(env);
    expect((await other.client.get(`/v1/shipments/${first.body.data[0].id}`)).status).toBe(404);
    expect(
      (await other.client.post("/v1/shipments/updates", { updates: [{ external_id: "T1", delivered_at: START }] }))
        .status,
    ).toBe(422);
  });

  it("imports a CSV, reporting bad rows by line and column", async () => {
    const env = await setup(START);
    const t = await tenant(env);
    await t.client.post("/v1/customers", { phone: "+8613800000001", external_id: "M1" });
    const csv = [
      "member_id,card_last4,tracking_number,shipped_at,carrier,city,promised_days",
      "M1,1234,T-1,2026-02-27 10:00,SF,Shenzhen,3",
      "M2,9999,T-2,2026-02-27 10:00,SF,Shenzhen,3",
      "M1,1234,T-3,yesterday,SF,Shenzhen,3",
    ].join("\n");
    const res = await t.client.post("/v1/shipments/import", csv, { "content-type": "text/csv" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 3, created: 1, duplicates: 0, rejected: 2 });
    expect(res.body.errors).toEqual([
      { line: 3, column: "customer_external_id", reason: "no customer with external_id 'M2'" },
      { line: 4, column: "shipped_at", reason: "'yesterday' is not a date-time (ISO 8601, or YYYY-MM-DD HH:MM)" },
    ]);
    const list = (await t.client.get("/v1/shipments")).body.data;
    // 10:00 in the workspace's zone (Shanghai) is 02:00 UTC.
    expect(list[0]).toMatchObject({
      reference: "1234",
      external_id: "T-1",
      shipped_at: "2026-02-27T02:00:00.000Z",
      promised_days: 3,
    });
    const again = await t.client.post("/v1/shipments/import", csv, { "content-type": "text/csv" });
    expect(again.body).toMatchObject({ created: 0, duplicates: 1 });
    const header = await t.client.post("/v1/shipments/import", "who,when\nx,y", { "content-type": "text/csv" });
    expect(header.status).toBe(422);
    // Broken before any row is stored: 422, and nothing changes.
    const head = "member_id,card_last4,tracking_number,shipped_at,carrier,city";
    const row = (i: number) => `M1,1234,B-${i},2026-02-27 10:00,SF,Shenzhen`;
    const early = await t.client.post("/v1/shipments/import", `${head}\n${row(1)}\nM1,"unclosed\n`, {
      "content-type": "text/csv",
    });
    expect(early.status).toBe(422);
    expect((await t.client.get("/v1/shipments?limit=200")).body.data).toHaveLength(1);
    // Broken after a batch was stored: what was stored, and the line it stopped at.
    const rows = Array.from({ length: 5100 }, (_, i) => row(i));
    const late = await t.client.post("/v1/shipments/import", [head, ...rows, 'M1,"unclosed'].join("\n"), {
      "content-type": "text/csv",
    });
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ complete: false, stopped: { code: "csv_syntax" } });
    expect(late.body.created).toBe(late.body.stopped.from_line - 2);
  });
});

describe("reports", () => {
  it("compares the model's timing with a fixed rule, and the channel mix before and after", async () => {
    const { client } = await bank();
    // Outcomes for the February history: fast-cell customers activate by agent on day 3, slow ones on day 8.
    const list = (await client.get("/v1/shipments?limit=500")).body.data as any[];
    for (const s of list) {
      const day = s.courier === "SF" && s.region === "Shenzhen" ? 3 : s.region === "Urumqi" ? 8 : 10;
      const r = await client.post("/v1/events", {
        customer_id: s.customer_id,
        type: "card.activated",
        properties: { channel: s.region === "Urumqi" ? "agent" : "web" },
        occurred_at: new Date(Date.parse(s.shipped_at) + day * DAY).toISOString(),
      });
      expect(r.status).toBe(201);
    }
    const fit = await client.get(
      "/v1/reports/timing-fitness?rule_days=7&from=2026-01-20T00:00:00Z&to=2026-03-01T00:00:00Z",
    );
    expect(fit.status).toBe(200);
    const [model, rule] = fit.body.timings;
    expect(model.timing).toBe("model p80");
    expect(rule.timing).toBe("rule: day 7");
    expect(model.shipments).toBe(85);
    // Day 7 comes after every fast-cell activation (day 3): all of those prompts are too late.
    expect(rule.converted_before_send).toBeGreaterThan(model.converted_before_send);
    expect(model.converted_before_send).toBe(0);
    // Day 7 against the model's day 2 (40 fast), day 3 (5 thin, by SF's row) and day 6 (40 slow): median 4.
    expect(fit.body.median_days_saved_vs_rule).toBe(4);

    const mix = await client.get(
      "/v1/reports/activation-channels?from=2026-01-20T00:00:00Z&to=2026-03-01T00:00:00Z&bucket=week&compare_at=2026-02-10T00:00:00Z",
    );
    expect(mix.status).toBe(200);
    expect(mix.body.channels).toEqual(["agent", "web"]);
    expect(mix.body.series).toHaveLength(6);
    expect(mix.body.series.reduce((s: number, b: any) => s + b.total, 0)).toBe(85);
    const c = mix.body.comparison;
    expect(c.before.total + c.after.total).toBe(85);
    expect(c.change_points.web).toBeCloseTo((c.after.shares.web - c.before.shares.web) * 100, 1);
    expect((await client.get("/v1/reports/activation-channels?compare_at=2020-01-01T00:00:00Z")).status).toBe(422);
  });
});
