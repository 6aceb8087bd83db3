import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { planCampaigns } from "../src/campaigns/planner";
import type { Statement } from "../src/db/client";
import { dispatch } from "../src/delivery/dispatch";
import { failure } from "../src/delivery/outcome";
import { runDispatch } from "../src/jobs/dispatch";
import { runPlan } from "../src/jobs/plan";
import { localParts } from "../src/lib/time";
import { libraryOf } from "../src/templates/library";
import { drive } from "./drive";
import { type Client, type TestEnv, tenant } from "./harness";

async function gym(env: TestEnv) {
  const t = await tenant(env, {
    locale: "en",
    brand_signature: "[Demo Gym]",
    time_zone: "Asia/Shanghai",
    quiet_hours: { start: "21:00", end: "08:00" },
  });
  expect((await t.client.post("/v1/channels", { name: "Sim", provider: "simulator" })).status).toBe(201);
  return t;
}

let phoneSeq = 0;
async function member(c: Client, fields: Record<string, unknown>) {
  const r = await c.post("/v1/customers", {
    phone: `+86138${String(10_000_000 + phoneSeq++).slice(-8)}`,
    locale: "en",
    consent: { state: "subscribed" },
    ...fields,
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

type Sent = { customer_id: string; status: string; reason: string | null; sent_at: number | null; valid_until: number };
async function sentBy(env: TestEnv, campaignId: string): Promise<Sent[]> {
  return env.db.rawAll<Sent>(
    "select customer_id, status, reason, sent_at, valid_until from messages where campaign_id = ? order by send_at, customer_id",
    [campaignId],
  );
}

function wall(ms: number, zone: string) {
  const p = localParts(new Date(ms), zone);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")} ${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
}

const birthday = {
  name: "Birthday greetings",
  kind: "date_relative",
  template: "birthday_greeting",
  variables: { offer: "a free smoothie" },
  anchor: "birthday",
  delivery_time: "09:00",
};

describe("date-relative campaigns", () => {
  it("greets solar, lunar and 29-February birthdays at 09:00 in each customer's own zone, as forecast", async () => {
    const env = await setup("2027-02-26T00:00:00Z");
    const t = await gym(env);
    const shanghai = await member(t.client, { name: "Li", time_zone: "Asia/Shanghai", birthday: "1990-03-05" });
    const newYork = await member(t.client, { name: "Ann", time_zone: "America/New_York", birthday: "03-05" });
    // Lunar 1/28 falls on 5 March 2027 (Spring Festival was 6 February).
    const london = await member(t.client, {
      name: "Wang",
      time_zone: "Europe/London",
      birthday: { month: 1, day: 28, lunar: true },
    });
    const sydney = await member(t.client, { name: "Kim", time_zone: "Australia/Sydney", birthday: "2000-02-29" });
    await member(t.client, { name: "Nobody", time_zone: "Asia/Shanghai", birthday: "07-01" });

    const c = await t.client.post("/v1/campaigns", birthday);
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({
      kind: "date_relative",
      expires_end_of_local_day: true,
      trigger: { type: "date", anchor: "birthday", yearly: true, delivery_time: "09:00" },
    });
    const id = c.body.id;
    expect((await t.client.post(`/v1/campaigns/${id}/schedule`, {})).body.status).toBe("scheduled");

    const f = await t.client.get(`/v1/campaigns/${id}/forecast?days=10`);
    expect(f.status).toBe(200);
    const occ = f.body.occurrences.map((o: any) => ({
      anchor: o.anchor_date,
      audience: o.audience,
      times: Object.fromEntries(o.send_times.map((s: any) => [s.time_zone, s.local])),
    }));
    expect(occ).toEqual([
      { anchor: "2027-02-28", audience: 1, times: { "Australia/Sydney": "2027-02-28T09:00" } },
      {
        anchor: "2027-03-05",
        audience: 3,
        times: {
          "Asia/Shanghai": "2027-03-05T09:00",
          "Europe/London": "2027-03-05T09:00",
          "America/New_York": "2027-03-05T09:00",
        },
      },
    ]);

    await drive(env, "2027-03-08T00:00:00Z");
    const sent = await sentBy(env, id);
    const zoneOf: Record<string, string> = {
      [shanghai]: "Asia/Shanghai",
      [newYork]: "America/New_York",
      [london]: "Europe/London",
      [sydney]: "Australia/Sydney",
    };
    expect(
      sent.map((m) => [m.customer_id, m.status, wall(m.sent_at as number, zoneOf[m.customer_id] as string)]),
    ).toEqual([
      [sydney, "delivered", "2027-02-28 09:00"],
      [shanghai, "delivered", "2027-03-05 09:00"],
      [london, "delivered", "2027-03-05 09:00"],
      [newYork, "delivered", "2027-03-05 09:00"],
    ]);
    // Each greeting was valid until the end of the customer's local day.
    for (const m of sent) expect(wall(m.valid_until, zoneOf[m.customer_id] as string)).toMatch(/ 00:00$/);
    const stats = (await t.client.get(`/v1/campaigns/${id}`)).body;
    expect(stats).toMatchObject({ status: "running", planned: 4 });
  });

  it("sends relative to a date attribute at a local time, and follows edits to the date", async () => {
    const env = await setup("2027-05-01T00:00:00Z");
    const t = await gym(env);
    const a = await member(t.client, { name: "A", attributes: { membership_expiry: "2027-05-10" } });
    const b = await member(t.client, { name: "B", attributes: { membership_expiry: "2027-06-30" } });
    const bad = await t.client.post("/v1/campaigns", {
      name: "x",
      kind: "date_relative",
      template: "membership_expiry_reminder",
      anchor: "attributes.nope",
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0]).toMatchObject({ path: "anchor" });
    const c = await t.client.post("/v1/campaigns", {
      name: "Expiry in a week",
      kind: "date_relative",
      template: "membership_expiry_reminder",
      variables: { link: "gym.example/renew" },
      anchor: "attributes.membership_expiry",
      offset: { value: -1, unit: "weeks" },
      delivery_time: "10:30",
    });
    expect(c.status).toBe(201);
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    // B renews early: the reminder follows the new date.
    expect(
      (await t.client.patch(`/v1/customers/${b}`, { attributes: { membership_expiry: "2027-05-20" } })).status,
    ).toBe(200);
    await drive(env, "2027-05-31T00:00:00Z");
    const sent = await sentBy(env, c.body.id);
    expect(sent.map((m) => [m.customer_id, wall(m.sent_at as number, "Asia/Shanghai")])).toEqual([
      [a, "2027-05-03 10:30"],
      [b, "2027-05-13 10:30"],
    ]);
  });

  it("picks up a customer added after the send time: late within the bound, else skipped with the reason", async () => {
    const env = await setup("2027-04-01T00:00:00Z"); // 08:00 in Shanghai
    const t = await gym(env);
    const late = await t.client.post("/v1/campaigns", {
      ...birthday,
      catch_up: { policy: "send_late", within_hours: 6 },
    });
    const strict = await t.client.post("/v1/campaigns", { ...birthday, name: "Strict", catch_up: { policy: "skip" } });
    for (const c of [late, strict]) await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    await drive(env, "2027-04-01T03:00:00Z"); // 11:00 local: today's 09:00 slot has gone out (to nobody)
    const added = await member(t.client, { name: "New", birthday: "04-01" });
    await drive(env, "2027-04-01T03:10:00Z");
    const [sentLate] = await sentBy(env, late.body.id);
    expect(sentLate).toMatchObject({ customer_id: added, status: "delivered" });
    expect(wall(sentLate?.sent_at as number, "Asia/Shanghai")).toBe("2027-04-01 11:00");
    const [skipped] = await sentBy(env, strict.body.id);
    expect(skipped).toMatchObject({ customer_id: added, status: "skipped", reason: "missed_send_time" });
    const history = (await t.client.get(`/v1/messages?campaign_id=${strict.body.id}`)).body.data[0];
    expect(history.reason_text).toMatch(/catch-up/);

    // The service was down for two days: the missed slots are skipped, each with its reason.
    const gone = await member(t.client, { name: "Missed", birthday: "04-02" });
    env.clock.set("2027-04-03T12:00:00Z");
    await runPlan(env.deps);
    const missed = (await sentBy(env, late.body.id)).find((m) => m.customer_id === gone);
    expect(missed).toMatchObject({ status: "skipped", reason: "missed_send_time" });
  });
});

describe("date campaigns for a group", () => {
  it("greet someone who joins the group after the day's send, late within catch-up", async () => {
    const env = await setup("2027-04-01T00:00:00Z"); // 08:00 in Shanghai
    const t = await gym(env);
    const yoga = (await t.client.post("/v1/groups", { name: "Yoga", code: "01", kind: "static" })).body;
    const joiner = await member(t.client, { name: "Joiner", birthday: "04-01" });
    await member(t.client, { name: "Outsider", birthday: "04-01" });
    const forYoga = await t.client.post("/v1/campaigns", {
      ...birthday,
      name: "Yoga birthdays",
      audience: { groups: ["01"] },
      catch_up: { policy: "send_late", within_hours: 6 },
    });
    await t.client.post(`/v1/campaigns/${forYoga.body.id}/schedule`, {});
    await drive(env, "2027-04-01T03:00:00Z"); // 11:00 local: today's 09:00 slot went out to no one
    expect(await sentBy(env, forYoga.body.id)).toEqual([]);

    await t.client.post(`/v1/groups/${yoga.id}/members`, { customer_ids: [joiner] });
    await drive(env, "2027-04-01T03:10:00Z");
    const sent = await sentBy(env, forYoga.body.id);
    expect(sent.map((m) => [m.customer_id, m.status])).toEqual([[joiner, "delivered"]]);
    expect(wall(sent[0]?.sent_at as number, "Asia/Shanghai")).toBe("2027-04-01 11:00");
  });

  it("greet someone a segment's new filter takes in after the day's send; those already greeted are not greeted twice", async () => {
    const env = await setup("2027-04-01T00:00:00Z"); // 08:00 in Shanghai
    const t = await gym(env);
    const top = (
      await t.client.post("/v1/groups", {
        name: "Top",
        kind: "segment",
        filter: { field: "tier", op: "eq", value: "diamond" },
      })
    ).body;
    const diamond = await member(t.client, { name: "Diamond", birthday: "04-01", tier: "diamond" });
    const gold = await member(t.client, { name: "Gold", birthday: "04-01", tier: "gold" });
    const c = await t.client.post("/v1/campaigns", {
      ...birthday,
      name: "Top birthdays",
      audience: { groups: [top.id] },
      catch_up: { policy: "send_late", within_hours: 6 },
    });
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    await drive(env, "2027-04-01T03:00:00Z"); // 11:00 local: the diamond member was greeted at 09:00
    expect((await sentBy(env, c.body.id)).map((m) => m.customer_id)).toEqual([diamond]);

    await t.client.patch(`/v1/groups/${top.id}`, { filter: { field: "tier", op: "in", value: ["gold", "diamond"] } });
    await drive(env, "2027-04-01T03:10:00Z");
    const sent = await sentBy(env, c.body.id);
    expect(sent.map((m) => [m.customer_id, m.status])).toEqual([
      [diamond, "delivered"],
      [gold, "delivered"],
    ]);
    expect(wall(sent[1]?.sent_at as number, "Asia/Shanghai")).toBe("2027-04-01 11:00");
  });
});

describe("holiday campaigns", () => {
  it("finds the lunar dates each year and greets at the local hour", async () => {
    const env = await setup("2027-01-01T00:00:00Z");
    const t = await gym(env);
    const sh = await member(t.client, { name: "Li", time_zone: "Asia/Shanghai" });
    const ny = await member(t.client, { name: "Ann", time_zone: "America/New_York" });
    const c = await t.client.post("/v1/campaigns", {
      name: "Spring Festival",
      kind: "holiday",
      template: "spring_festival_greeting",
      holiday: "spring_festival",
      delivery_time: "08:30",
    });
    expect(c.status).toBe(201);
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    const f = (await t.client.get(`/v1/campaigns/${c.body.id}/forecast?days=366`)).body;
    expect(f.occurrences.map((o: any) => [o.anchor_date, o.holiday, o.audience])).toEqual([
      ["2027-02-06", "Spring Festival", 2],
    ]);
    await drive(env, "2027-02-08T00:00:00Z");
    const sent = await sentBy(env, c.body.id);
    expect(
      sent.map((m) => [
        m.customer_id,
        wall(m.sent_at as number, m.customer_id === sh ? "Asia/Shanghai" : "America/New_York"),
      ]),
    ).toEqual([
      [sh, "2027-02-06 08:30"],
      [ny, "2027-02-06 08:30"],
    ]);
    // Next year's date is worked out by itself (2028-01-26), and the campaign keeps running.
    const next = (await t.client.get(`/v1/campaigns/${c.body.id}`)).body;
    expect(next.status).toBe("running");
    expect(wall(Date.parse(next.next_occurrence_at), "Asia/Shanghai")).toBe("2028-01-26 08:30");

    const custom = await t.client.post("/v1/campaigns", {
      name: "Anniversary",
      kind: "holiday",
      template: "member_promotion",
      variables: { offer: "cake", validUntil: "2027-05-20", link: "x" },
      holiday: { name: "Gym birthday", date: "13-45" },
    });
    expect(custom.status).toBe(422);
    expect(custom.body.error.details[0]).toMatchObject({ path: "holiday.date" });
  });
});

describe("event campaigns", () => {
  it("sends the PIN guide 10 minutes after card.activated unless pin.set comes first", async () => {
    const env = await setup("2027-03-01T02:00:00Z");
    const t = await gym(env);
    const a = await member(t.client, { name: "A", external_id: "card-1" });
    const b = await member(t.client, { name: "B", external_id: "card-2" });
    const c = await t.client.post("/v1/campaigns", {
      name: "PIN guide",
      kind: "event",
      template: "pin_setup_guide",
      variables: { pinUrl: "bank.example/pin", card: { last4: "0000" } },
      event: { type: "card.activated", delay: { value: 10, unit: "minutes" }, cancel_on: ["pin.set"] },
      priority: "high",
    });
    expect(c.status).toBe(201);
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    // Another campaign on the same event, for B only: A's activation does not reach it.
    const onlyB = await t.client.post("/v1/campaigns", {
      name: "Welcome B",
      kind: "event",
      template: "pin_setup_guide",
      variables: { pinUrl: "bank.example/pin", card: { last4: "0000" } },
      event: { type: "card.activated" },
      audience: { customers: [b] },
    });
    await t.client.post(`/v1/campaigns/${onlyB.body.id}/schedule`, {});

    const ev = await t.client.post("/v1/events", {
      external_id: "card-1",
      type: "card.activated",
      properties: { channel: "app", last4: "4321" },
      event_id: "act-1",
    });
    expect(ev.status).toBe(201);
    expect(ev.body.triggered).toEqual([
      expect.objectContaining({ campaign_id: c.body.id, status: "planned", send_at: "2027-03-01T02:10:00.000Z" }),
    ]);
    expect(ev.body.attributes).toEqual({ card_activated_on: "2027-03-01" });
    // A retried POST is recorded once.
    const again = await t.client.post("/v1/events", {
      external_id: "card-1",
      type: "card.activated",
      properties: { channel: "app" },
      event_id: "act-1",
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: ev.body.id, duplicate: true });

    const bActivated = await t.client.post("/v1/events", { customer_id: b, type: "card.activated" });
    expect(bActivated.body.triggered.map((x: any) => [x.campaign_id, x.status])).toEqual([
      [c.body.id, "planned"],
      [onlyB.body.id, "queued"],
    ]);
    env.clock.set("2027-03-01T02:05:00Z");
    const pin = await t.client.post("/v1/events", { customer_id: b, type: "pin.set" });
    expect(pin.body.cancelled).toBe(1);
    await drive(env, "2027-03-01T03:00:00Z");
    const sent = await sentBy(env, c.body.id);
    expect(sent.map((m) => [m.customer_id, m.status, m.reason])).toEqual([
      [a, "delivered", null],
      [b, "skipped", "cancelled_by_event"],
    ]);
    expect(new Date(sent[0]?.sent_at as number).toISOString()).toBe("2027-03-01T02:10:00.000Z");
    const guide = (await t.client.get(`/v1/messages/${ev.body.triggered[0].message_id}`)).body;
    expect(guide.variables.event).toEqual({ channel: "app", last4: "4321" });
    expect(guide.history.at(-1)).toMatchObject({ status: "delivered" });

    // Events show on the timeline and in the list; a visit moves last_visit.
    await t.client.post("/v1/events", { customer_id: a, type: "visit", occurred_at: "2027-02-28T16:30:00Z" });
    // 00:30 on 1 March in Shanghai: the customer's own date, not UTC's.
    expect((await t.client.get(`/v1/customers/${a}`)).body.attributes).toMatchObject({ last_visit: "2027-03-01" });
    const older = await t.client.post("/v1/events", {
      customer_id: a,
      type: "visit",
      occurred_at: "2027-02-01T00:00:00Z",
    });
    expect(older.body.attributes).toEqual({});
    const tl = (await t.client.get(`/v1/customers/${a}/timeline`)).body.data;
    // In the order they happened, not the order they were reported.
    expect(tl.filter((e: any) => e.type === "event").map((e: any) => e.data.type)).toEqual([
      "visit",
      "visit",
      "card.activated",
    ]);
    const list = (await t.client.get(`/v1/events?customer_id=${a}`)).body.data;
    expect(list.map((e: any) => e.type)).toEqual(["visit", "visit", "card.activated"]);
    // Its goal (pin.set) reached after the guide: A converts; B set a PIN before any guide went.
    const goal = async () => (await t.client.get(`/v1/campaigns/${c.body.id}/stats`)).body;
    expect((await goal()).converted).toBe(0);
    await t.client.post("/v1/events", { customer_id: a, type: "pin.set" });
    expect(await goal()).toMatchObject({ converted: 1, sent_by_hour: [{ hour: "2027-03-01T02:00:00.000Z", sent: 1 }] });
    const unknown = await t.client.post("/v1/events", { external_id: "nope", type: "visit" });
    expect(unknown.status).toBe(404);
    const badType = await t.client.post("/v1/events", { customer_id: a, type: "Bad Type" });
    expect(badType.status).toBe(422);
    expect(badType.body.error.details[0].path).toBe("body.type");
  });
});

describe("broadcast planning in chunks", () => {
  const offer = {
    name: "Winter offer",
    kind: "broadcast",
    template: "member_promotion",
    variables: { offer: "20% off PT", validUntil: "2026-12-15", link: "gym.example/w" },
  };
  const plan = (env: TestEnv, db = env.db) => planCampaigns({ db, clock: env.clock, ids: env.ids }, { chunk: 2 });
  // The database as a planner sees it when it dies before its nth write, or when something
  // (a pause) lands just before that write.
  const interrupted = (env: TestEnv, n: number, before: () => Promise<void>) => {
    let calls = 0;
    return {
      ...env.db,
      async batch(statements: Statement[]) {
        if (++calls === n) await before();
        return env.db.batch(statements);
      },
    };
  };
  const dies = async () => {
    throw new Error("planner died");
  };
  const perCustomer = (env: TestEnv, id: string) =>
    env.db.rawAll<{ customer_id: string; n: number }>(
      "select customer_id, count(*) as n from messages where campaign_id = ? group by customer_id",
      [id],
    );

  // A gym with n members and a scheduled broadcast to them.
  const scheduled = async (n: number) => {
    const env = await setup("2026-11-23T04:00:00Z");
    const t = await gym(env);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await member(t.client, { name: `M${i}` }));
    const schedule = async (name: string) => {
      const id = (await t.client.post("/v1/campaigns", { ...offer, name, audience: { customers: ids } })).body.id;
      expect((await t.client.post(`/v1/campaigns/${id}/schedule`, {})).status).toBe(200);
      return id as string;
    };
    return { env, t, ids, id: await schedule(offer.name), schedule };
  };

  it("resumes a run that died half-way from its cursor, and two runs at once plan each customer once", async () => {
    const { env, t, ids, id: a, schedule } = await scheduled(7);

    // Chunks of 2: the second write never happens.
    await expect(plan(env, interrupted(env, 2, dies))).rejects.toThrow("planner died");
    expect(await perCustomer(env, a)).toHaveLength(2);
    const [mid] = await env.db.rawAll<{ plan_cursor: string; planned: number }>(
      "select plan_cursor, planned from campaigns where id = ?",
      [a],
    );
    // The cursor names the run's block and the last customer it planned; the count so far shows.
    expect(mid?.plan_cursor).toMatch(/^\d+:msg_\w{16}:cus_/);
    expect(mid?.planned).toBe(2);
    // The next run goes on from the cursor with the other 5; a third finds nothing due.
    expect(await plan(env)).toMatchObject({ campaigns: 1, planned: 5 });
    expect(await plan(env)).toMatchObject({ campaigns: 0, planned: 0 });
    const rows = await perCustomer(env, a);
    expect(rows.map((r) => r.customer_id).sort()).toEqual([...ids].sort());
    expect(rows.every((r) => r.n === 1)).toBe(true);
    expect((await t.client.get(`/v1/campaigns/${a}`)).body).toMatchObject({ status: "running", planned: 7 });
    const [done] = await env.db.rawAll<{ plan_cursor: string | null }>(
      "select plan_cursor from campaigns where id = ?",
      [a],
    );
    expect(done?.plan_cursor).toBeNull();

    // Two runs at once, taking turns chunk by chunk: each chunk is written by one of them.
    const b = await schedule("Second");
    const runs = await Promise.all([plan(env), plan(env)]);
    expect(runs.map((r) => r.campaigns)).toEqual([1, 1]);
    const both = await perCustomer(env, b);
    expect(both).toHaveLength(7);
    expect(both.every((r) => r.n === 1)).toBe(true);
    expect((await t.client.get(`/v1/campaigns/${b}`)).body.planned).toBe(7);
  });

  it("stops at the cursor when paused during planning, and finishes when resumed", async () => {
    const { env, t, id } = await scheduled(5);
    const pause = async () => {
      expect((await t.client.post(`/v1/campaigns/${id}/pause`)).body.status).toBe("paused");
    };
    expect(await plan(env, interrupted(env, 2, pause))).toMatchObject({ planned: 2 });
    expect(await perCustomer(env, id)).toHaveLength(2);
    expect((await t.client.get(`/v1/campaigns/${id}`)).body).toMatchObject({ status: "paused", planned: 2 });
    expect((await t.client.post(`/v1/campaigns/${id}/resume`)).status).toBe(200);
    expect(await plan(env)).toMatchObject({ campaigns: 1, planned: 3 });
    expect((await t.client.get(`/v1/campaigns/${id}`)).body).toMatchObject({ status: "running", planned: 5 });
    expect((await perCustomer(env, id)).map((r) => r.n)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe("audience and priority", () => {
  it("leaves out customers sent marketing in the last N days, and sends high priority first", async () => {
    const env = await setup("2027-03-01T04:00:00Z");
    const t = await gym(env);
    const a = await member(t.client, { name: "A" });
    const b = await member(t.client, { name: "B" });
    const first = await t.client.post("/v1/campaigns", {
      name: "First",
      kind: "broadcast",
      template: "member_promotion",
      variables: { offer: "x", validUntil: "2027-03-31", link: "y" },
      audience: { customers: [a] },
    });
    await t.client.post(`/v1/campaigns/${first.body.id}/schedule`, {});
    await runPlan(env.deps);
    await runDispatch(env.deps);
    env.clock.advance(86_400_000);
    const second = await t.client.post("/v1/campaigns", {
      name: "Second",
      kind: "broadcast",
      template: "member_promotion",
      variables: { offer: "x", validUntil: "2027-03-31", link: "y" },
      audience: { all: true, exclude_marketing_within_days: 7 },
      priority: "low",
    });
    expect((await t.client.get(`/v1/campaigns/${second.body.id}`)).body.audience_count).toBe(1);
    await t.client.post(`/v1/campaigns/${second.body.id}/schedule`, {});
    await runPlan(env.deps);
    // A high-priority notification queued after the low-priority broadcast goes first.
    const urgent = await t.client.post("/v1/messages", {
      customer_id: a,
      text: "Your class is moved to 7pm",
      kind: "notification",
      priority: "high",
    });
    expect(urgent.status).toBe(201);
    // One message at a time: the urgent one is claimed first.
    await dispatch(
      { db: env.db, clock: env.clock, ids: env.ids, providers: env.deps.providers, library: libraryOf(env.deps) },
      { batchSize: 1, maxBatches: 1 },
    );
    const states = await env.db.rawAll<{ customer_id: string; priority: number; status: string }>(
      "select customer_id, priority, status from messages where sent_at is null or sent_at >= ? order by priority desc",
      [env.clock.now().getTime()],
    );
    expect(states.map((m) => [m.customer_id, m.priority, m.status])).toEqual([
      [a, 2, "delivered"],
      [b, 0, "queued"],
    ]);
  });
});

describe("a dispatcher run", () => {
  const broadcast = async (env: TestEnv, members: number) => {
    const t = await gym(env);
    for (let i = 0; i < members; i++) await member(t.client, {});
    const c = await t.client.post("/v1/campaigns", {
      name: "Now",
      kind: "broadcast",
      template: "member_promotion",
      variables: { offer: "x", validUntil: "2027-03-31", link: "y" },
      audience: { all: true },
    });
    expect((await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {})).status).toBe(200);
    await runPlan(env.deps);
    return { id: c.body.id as string, client: t.client };
  };
  const sent = async (env: TestEnv, id: string) =>
    (await sentBy(env, id)).filter((m) => m.status === "sent" || m.status === "delivered").length;

  it("sends for as long as full batches are due, past fifty of them", async () => {
    const env = await setup("2027-03-01T04:00:00Z");
    const { id } = await broadcast(env, 60);
    const stats = await dispatch(
      { db: env.db, clock: env.clock, ids: env.ids, providers: env.deps.providers, library: libraryOf(env.deps) },
      { batchSize: 1 },
    );
    // Bounded by 50 batches, a run sent 50 and left the rest to the next tick.
    expect(stats.sent).toBe(60);
    expect(await sent(env, id)).toBe(60);
  });

  it("stops claiming once its time is up, and the next run goes on", async () => {
    const env = await setup("2027-03-01T04:00:00Z");
    const { id } = await broadcast(env, 12);
    // A clock a second later at each look: the run's minute is up after about sixty batches'
    // worth of looks; here it is given five seconds.
    const clock = {
      now: () => {
        env.clock.advance(1000);
        return env.clock.now();
      },
      sleep: (ms: number) => env.clock.sleep(ms),
    };
    const deps = { db: env.db, clock, ids: env.ids, providers: env.deps.providers, library: libraryOf(env.deps) };
    const first = await dispatch(deps, { batchSize: 1, maxMs: 5000 });
    expect(first.sent).toBeGreaterThan(0);
    expect(first.sent).toBeLessThan(12);
    const rest = await dispatch(deps, { batchSize: 100 });
    expect(first.sent + rest.sent).toBe(12);
    expect(await sent(env, id)).toBe(12);
  });

  it("says when the receipts a provider holds for collection fall due, and collects them then", async () => {
    const env = await setup("2027-03-01T04:00:00Z");
    const { id, client: api } = await broadcast(env, 3);
    const channel = (await api.get("/v1/channels")).body.data[0].id;
    expect((await api.patch(`/v1/channels/${channel}`, { config: { receipt_delay_ms: 500 } })).status).toBe(200);
    const due: number[] = [];
    const deps = {
      db: env.db,
      clock: env.clock,
      ids: env.ids,
      providers: env.deps.providers,
      library: libraryOf(env.deps),
      onReceiptsDue: (at: number) => due.push(at),
    };
    const sentAt = env.clock.now().getTime();
    expect((await dispatch(deps)).sent).toBe(3);
    // Without the hook, the receipts waited for the dispatcher's next tick.
    expect(due).toEqual([sentAt + 500]);
    env.clock.advance(500);
    await dispatch(deps);
    expect(due).toHaveLength(1);
    expect((await sentBy(env, id)).map((m) => m.status)).toEqual(["delivered", "delivered", "delivered"]);
  });

  it("asks a provider that says 'again now' again a second later, not at once", async () => {
    const env = await setup("2027-03-01T04:00:00Z");
    const now = env.clock.now().getTime();
    const m = { attempts: 1, reason: null } as unknown as Parameters<typeof failure>[1];
    const c = {} as Parameters<typeof failure>[2];
    for (const kind of ["throttled", "unavailable"] as const) {
      const o = failure(env, m, c, {}, { kind, code: "x", message: "x", retryAfterMs: 0 }, 5);
      expect(o.set.dueAt, kind).toBe(now + 1000);
      const later = failure(env, m, c, {}, { kind, code: "x", message: "x", retryAfterMs: 3000 }, 5);
      expect(later.set.dueAt, kind).toBe(now + 3000);
    }
  });

  it("is asked for at once when a campaign is scheduled or resumed, and after planning what is due", async () => {
    const env = await setup("2027-03-01T04:00:00Z");
    const asked = { plan: 0, dispatch: 0 };
    env.deps.onPlanDue = () => asked.plan++;
    env.deps.onMessageDue = () => asked.dispatch++;
    const { id, client: api } = await broadcast(env, 2);
    expect(asked).toEqual({ plan: 1, dispatch: 1 });
    expect((await api.post(`/v1/campaigns/${id}/pause`, {})).status).toBe(200);
    expect(asked).toEqual({ plan: 1, dispatch: 1 });
    // Resumed: what the pause held is due again, and anything left is planned.
    expect((await api.post(`/v1/campaigns/${id}/resume`, {})).status).toBe(200);
    expect(asked).toEqual({ plan: 2, dispatch: 2 });
    // Nothing new to plan: nothing more to send.
    await runPlan(env.deps);
    expect(asked).toEqual({ plan: 2, dispatch: 2 });
  });
});

describe("campaign input", () => {
  it("names the field and the reason for each kind's mistakes, and writes nothing", async () => {
    const env = await setup("2027-03-01T04:00:00Z");
    const t = await gym(env);
    const base = { name: "x", template: "birthday_greeting", variables: { offer: "x" } };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...base, kind: "date_relative" }, "anchor", /required/],
      [{ ...base, kind: "broadcast", anchor: "birthday", audience: { all: true } }, "anchor", /only for date_relative/],
      [{ ...base, kind: "broadcast" }, "audience", /required/],
      [{ ...base, kind: "holiday", holiday: "spring_festival", cron: "0 9 * * *" }, "cron", /only for recurring/],
      [{ ...base, kind: "event", event: { type: "visit", cancel_on: ["visit"] } }, "event.cancel_on", /cannot include/],
      [{ ...base, kind: "date_relative", anchor: "birthday", yearly: false }, "yearly", /always yearly/],
      [
        { ...base, kind: "broadcast", audience: { all: true }, delivery_time: "09:00" },
        "delivery_time",
        /date_relative, holiday and after_delivery/,
      ],
    ];
    for (const [body, path, message] of cases) {
      const r = await t.client.post("/v1/campaigns", body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.body.error.details[0].path).toBe(path);
      expect(r.body.error.details[0].message).toMatch(message);
    }
    const zod = await t.client.post("/v1/campaigns", {
      ...base,
      kind: "date_relative",
      anchor: "birthday",
      offset: { value: 1, unit: "fortnights" },
    });
    expect(zod.status).toBe(422);
    expect(zod.body.error.details[0].path).toBe("body.offset.unit");
    expect((await t.client.get("/v1/campaigns")).body.data).toEqual([]);
    const holiday = await t.client.post("/v1/campaigns", { ...base, kind: "holiday", holiday: "mid_autumn" });
    expect((await t.client.patch(`/v1/campaigns/${holiday.body.id}`, { send_at: "2027-04-01T00:00:00Z" })).status).toBe(
      422,
    );
  });
});
