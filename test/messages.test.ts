import { eq } from "drizzle-orm";
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { type ChannelRow, messages } from "../src/db/schema";
import { TokenBucket } from "../src/delivery/rate";
import { applyStatusUpdates } from "../src/delivery/receipts";
import { runDispatch } from "../src/jobs/dispatch";
import { runExpire } from "../src/jobs/expire";
import { hmacBase64, open } from "../src/lib/secretbox";
import { nest } from "../src/templates/library";
import { type Client, client, type TestEnv, tenant } from "./harness";

// 2026-11-23T04:00:00Z is 12:00 in Shanghai: outside quiet hours (21:00-08:00).
async function workspace(env: TestEnv, overrides: Record<string, unknown> = {}, channel: Record<string, unknown> = {}) {
  const t = await tenant(env, { locale: "en", brand_signature: "[Demo Gym]", ...overrides });
  const ch = await t.client.post("/v1/channels", { name: "Sim", provider: "simulator", ...channel });
  expect(ch.status).toBe(201);
  return { ...t, channel: ch.body };
}

async function member(c: Client, body: Record<string, unknown> = {}) {
  const res = await c.post("/v1/customers", {
    name: "Emma Li",
    phone: "+8613800138000",
    locale: "en",
    consent: { state: "subscribed" },
    ...body,
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** The secret the workspace's simulator channel signs its callbacks with. */
async function simulatorSecret(env: TestEnv): Promise<string> {
  const sealed = (await env.deps.db.orm.query.channels.findFirst())?.credentials as string;
  return JSON.parse(await open(env.deps.secretKey, sealed)).secret;
}

async function send(c: Client, body: Record<string, unknown>, headers?: Record<string, string>) {
  return c.post("/v1/messages", body, headers);
}

const history = async (c: Client, id: string) =>
  (await c.get(`/v1/messages/${id}`)).body.history.map((h: any) => [h.status, h.reason]);

describe("sending one message", () => {
  it("goes queued → sent → delivered on the simulator, with its history, timeline and usage", async () => {
    const env = await setup();
    const t = await workspace(env);
    const id = await member(t.client);
    const res = await send(t.client, {
      customer_id: id,
      template: "card_activation_prompt",
      variables: { card: { last4: "1234" }, activationUrl: "bank.example/a" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: "queued",
      kind: "notification",
      template: "card_activation_prompt",
      text: null,
    });

    const stats = await runDispatch(env.deps);
    expect(stats).toMatchObject({ claimed: 1, sent: 1, receipts: 1 });
    const m = (await t.client.get(`/v1/messages/${res.body.id}`)).body;
    expect(m).toMatchObject({
      status: "delivered",
      to: "+8613800138000",
      encoding: "GSM-7",
      segments: 1,
      price: 0.1,
      currency: "CNY",
      attempts: 1,
      channel_id: t.channel.id,
    });
    expect(m.text).toBe(
      "Hi Emma, your new card ending 1234 should have arrived. Activate it in seconds: reply ACTIVATE 1234 to this message, or go to bank.example/a",
    );
    expect(m.template_version).toMatch(/^card_activation_prompt\.en@default-/);
    expect(m.history.map((h: any) => h.status)).toEqual(["queued", "sent", "delivered"]);

    const timeline = (await t.client.get(`/v1/customers/${id}/timeline`)).body.data.map((e: any) => e.type);
    expect(timeline).toEqual([
      "customer.created",
      "consent.changed",
      "message.queued",
      "message.sent",
      "message.delivered",
    ]);
    const usage = (await t.client.get("/v1/usage")).body;
    expect(usage).toMatchObject({ month: "2026-11", messages_sent: 1, proactive_segments: 1, reply_segments: 0 });
    expect(usage.by_day.find((d: any) => d.date === "2026-11-23")).toMatchObject({ proactive_segments: 1, cost: 0.1 });
    // Nothing left to do: a second run claims nothing.
    expect(await runDispatch(env.deps)).toMatchObject({ claimed: 0, sent: 0 });
  });

  it("honours Idempotency-Key: same body, same message; another body, 409", async () => {
    const env = await setup();
    const t = await workspace(env);
    const id = await member(t.client);
    const body = { customer_id: id, text: "Your code is 4321", kind: "notification" };
    const a = await send(t.client, body, { "idempotency-key": "order-77" });
    const b = await send(
      t.client,
      { kind: "notification", text: "Your code is 4321", customer_id: id },
      { "idempotency-key": "order-77" },
    );
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    const c = await send(t.client, { ...body, text: "Your code is 9999" }, { "idempotency-key": "order-77" });
    expect(c.status).toBe(409);
    expect(c.body.error.details.message_id).toBe(a.body.id);
    expect((await t.client.get("/v1/messages")).body.data).toHaveLength(1);
    // Keys are per workspace.
    const other = await workspace(env);
    const otherId = await member(other.client);
    expect(
      (await send(other.client, { ...body, customer_id: otherId }, { "idempotency-key": "order-77" })).status,
    ).toBe(201);
  });

  it("finds the recipient by external id or phone (a new number becomes a prospect), and rejects bad input", async () => {
    const env = await setup();
    const t = await workspace(env);
    await member(t.client, { external_id: "CRM-1" });
    const byExt = await send(t.client, { external_id: "CRM-1", text: "Hi", kind: "notification" });
    expect(byExt.status).toBe(201);
    const byPhone = await send(t.client, { phone: "139 0013 9000", text: "Hi", kind: "notification" });
    expect(byPhone.status).toBe(201);
    const prospect = (await t.client.get(`/v1/customers/${byPhone.body.customer_id}`)).body;
    expect(prospect).toMatchObject({ phone: "+8613900139000" });
    const cases: [Record<string, unknown>, string][] = [
      [{ text: "Hi", kind: "notification" }, "customer_id"],
      [{ external_id: "CRM-1", customer_id: "x", text: "Hi", kind: "notification" }, "external_id"],
      [{ external_id: "CRM-1", text: "Hi" }, "kind"],
      [{ external_id: "CRM-1", template: "nope_nope" }, "template"],
      [{ external_id: "CRM-1", template: "help_reply", text: "Hi" }, "text"],
      [{ external_id: "CRM-1", text: "Hi", kind: "notification", valid_until: "2020-01-01T00:00:00Z" }, "valid_until"],
      [{ external_id: "CRM-1", text: "Hi", kind: "notification", channel_id: "chn_nope" }, "channel_id"],
      [{ external_id: "CRM-1", text: "Hi", kind: "notification", surprise: 1 }, "surprise"],
      // Empty references name no one (they used to be a 500).
      [{ customer_id: "", text: "Hi", kind: "notification" }, "customer_id"],
      [{ external_id: "", text: "Hi", kind: "notification" }, "external_id"],
      [{ phone: " ", text: "Hi", kind: "notification" }, "phone"],
    ];
    for (const [body, field] of cases) {
      const r = await send(t.client, body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(JSON.stringify(r.body.error.details), JSON.stringify(body)).toContain(field);
    }
    expect((await send(t.client, { external_id: "CRM-404", text: "Hi", kind: "notification" })).status).toBe(404);
    expect((await t.client.get("/v1/messages")).body.data).toHaveLength(2);
    // A new number in a request refused for another field does not become a customer.
    for (const body of [
      { phone: "+8613700137000", text: "Hi" },
      { phone: "+8613700137000", template: "nope_nope" },
      { phone: "+8613700137000", text: "Hi", kind: "notification", valid_until: "2020-01-01T00:00:00Z" },
      { phone: "+8613700137000", text: "Hi", kind: "notification", channel_id: "chn_nope" },
    ])
      expect((await send(t.client, body)).status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
    expect((await t.client.get("/v1/customers?phone=%2B8613700137000")).body.data ?? []).toEqual([]);
    expect((await t.client.get("/v1/customers")).body.data).toHaveLength(2);
    for (const body of [{ customer_id: "" }, { external_id: "" }]) {
      const event = await t.client.post("/v1/events", { ...body, type: "visit" });
      expect(event.status).toBe(422);
      expect(event.body.error.details[0].path).toBe(Object.keys(body)[0]);
    }
  });

  it("refuses a text longer than the channel's provider takes, up front and at send time", async () => {
    const env = await setup();
    const t = await workspace(env, { brand_signature: "" });
    const id = await member(t.client);
    // A literal text is known at once: 1,700 characters is over what Twilio (and the simulator) take.
    const long = await send(t.client, { customer_id: id, text: "x".repeat(1700), kind: "notification" });
    expect(long.status).toBe(422);
    expect(long.body.error.details[0]).toEqual({
      path: "text",
      message: "is too long as sent (1700 characters: The simulator takes at most 1,600 characters, as Twilio)",
    });
    // A template is rendered at send time: refused there with the reason, before any provider call.
    await t.client.post("/v1/templates", {
      key: "long_note",
      locale: "en",
      kind: "notification",
      source: "{{note}}",
    });
    const m = await send(t.client, { customer_id: id, template: "long_note", variables: { note: "y".repeat(1700) } });
    expect(m.status).toBe(201);
    await runDispatch(env.deps);
    const after = (await t.client.get(`/v1/messages/${m.body.id}`)).body;
    expect(after).toMatchObject({ status: "skipped", reason: "too_long", provider_ref: null });
    expect(after.reason_text).toBe("1700 characters: The simulator takes at most 1,600 characters, as Twilio");
    // The preview warns of it.
    const preview = await t.client.post("/v1/templates/preview", {
      key: "long_note",
      customer_id: id,
      variables: { note: "y".repeat(1700) },
    });
    expect(preview.body.warnings.map((w: { code: string }) => w.code)).toContain("too_long_for_channel");
  });

  it("bounds free-form variables in depth and size, naming the field, wherever they are taken", async () => {
    const env = await setup();
    const t = await workspace(env);
    await member(t.client, { external_id: "CRM-1" });
    // Nesting a stack overflow deep (a 500 before), and a value over 32 KB.
    const deep = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const big = JSON.stringify("x".repeat(40_000));
    const bodies: [string, (v: string) => string][] = [
      ["/v1/messages", (v) => `{"external_id":"CRM-1","text":"Hi","kind":"notification","variables":{"a":${v}}}`],
      ["/v1/templates/preview", (v) => `{"source":"Hi","kind":"notification","variables":{"a":${v}}}`],
      ["/v1/templates", (v) => `{"key":"deep_one","locale":"en","source":"Hi","variables":{"a":${v}}}`],
      [
        "/v1/campaigns",
        (v) =>
          `{"name":"x","kind":"one_off","send_at":"2026-12-01T02:00:00Z","template":"birthday_greeting","audience":{"all":true},"variables":{"a":${v}}}`,
      ],
      [
        "/v1/keywords",
        (v) => `{"name":"Hi","words":["HI"],"actions":[{"type":"reply","text":"Hi","variables":{"a":${v}}}]}`,
      ],
      ["/v1/channels", (v) => `{"name":"x","provider":"simulator","config":{"a":${v}}}`],
    ];
    for (const [path, body] of bodies) {
      const cases: [string, string][] = [
        [deep, "nesting is limited to 16 levels"],
        [big, "at most 32 KB"],
      ];
      for (const [value, says] of cases) {
        const res = await t.client.post(path, body(value), { "content-type": "application/json" });
        expect(res.status, `${path} ${says}`).toBe(422);
        const detail = res.body.error.details.find((d: { message: string }) => d.message.includes(says));
        expect(detail?.path, `${path} ${says}`).toMatch(/(variables|config)(\.a(\.0)*)?$/);
      }
    }
    expect((await t.client.get("/v1/messages")).body.data).toHaveLength(0);
    // A name that reaches the prototype is no variable: "__proto__.x" gave every object an x.
    for (const name of ["__proto__.x", "a.constructor", "prototype"]) {
      const res = await t.client.post("/v1/templates/preview", {
        source: "Hi",
        kind: "notification",
        variables: { [name]: "yes" },
      });
      expect(res.status, name).toBe(422);
      expect(res.body.error.details[0].message).toBe("is not a name a value can have");
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    // Stored before the API refused them: skipped when nested, never followed.
    expect(nest({ "__proto__.x": "yes", "card.last4": "1234" })).toEqual({ card: { last4: "1234" } });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("keeps each workspace's messages its own", async () => {
    const env = await setup();
    const a = await workspace(env);
    const b = await workspace(env);
    const id = await member(a.client);
    const m = await send(a.client, { customer_id: id, text: "A", kind: "notification" });
    expect((await b.client.get(`/v1/messages/${m.body.id}`)).status).toBe(404);
    expect((await b.client.get("/v1/messages")).body.data).toEqual([]);
    expect((await send(b.client, { customer_id: id, text: "B", kind: "notification" })).status).toBe(404);
  });
});

describe("checks at send time", () => {
  it("skips marketing without consent, and a template that cannot render, each with its reason", async () => {
    const env = await setup();
    const t = await workspace(env);
    const out = await member(t.client, { phone: "+8613800138001", consent: { state: "unsubscribed" } });
    const unknown = await member(t.client, { phone: "+8613800138002", consent: undefined });
    const ok = await member(t.client, { phone: "+8613800138003" });
    const promo = {
      template: "member_promotion",
      variables: { offer: "20% off", validUntil: "2026-12-15", link: "x.example" },
    };
    const m1 = await send(t.client, { customer_id: out, ...promo });
    const m2 = await send(t.client, { customer_id: unknown, ...promo });
    const m3 = await send(t.client, { customer_id: ok, template: "member_promotion" });
    // A notification still goes to someone who opted out of marketing.
    const m4 = await send(t.client, { customer_id: out, text: "Your card is active", kind: "notification" });
    await runDispatch(env.deps);
    const get = async (m: any) => (await t.client.get(`/v1/messages/${m.body.id}`)).body;
    expect(await get(m1)).toMatchObject({ status: "skipped", reason: "opted_out" });
    expect(await get(m2)).toMatchObject({ status: "skipped", reason: "no_consent" });
    const r3 = await get(m3);
    expect(r3).toMatchObject({ status: "skipped", reason: "render_error" });
    expect(r3.reason_text).toContain("Missing variable 'offer'");
    expect(await get(m4)).toMatchObject({ status: "delivered" });
  });

  it("holds marketing for quiet hours in the customer's zone, and expires it if valid_until comes first", async () => {
    const env = await setup("2026-11-23T14:00:00Z"); // 22:00 in Shanghai, 09:00 in New York
    const t = await workspace(env, { quiet_hours: { start: "21:00", end: "08:00" } });
    const sh = await member(t.client, { time_zone: "Asia/Shanghai" });
    const ny = await member(t.client, { phone: "+12025550143", time_zone: "America/New_York" });
    const promo = {
      template: "member_promotion",
      variables: { offer: "20% off", validUntil: "2026-12-15", link: "x.example" },
    };
    const held = await send(t.client, { customer_id: sh, ...promo });
    const now = await send(t.client, { customer_id: ny, ...promo });
    const late = await send(t.client, { customer_id: sh, ...promo, valid_until: "2026-11-23T20:00:00Z" });
    const urgent = await send(t.client, { customer_id: sh, text: "Card blocked: call us", kind: "notification" });
    await runDispatch(env.deps);
    const get = async (m: any) => (await t.client.get(`/v1/messages/${m.body.id}`)).body;
    const h = await get(held);
    expect(h).toMatchObject({
      status: "queued",
      reason: "quiet_hours_deferred",
      attempts: 0,
      next_attempt_at: "2026-11-24T00:00:00.000Z",
    });
    expect(h.reason_text).toContain("Asia/Shanghai");
    expect(await get(now)).toMatchObject({ status: "delivered" });
    expect(await get(late)).toMatchObject({ status: "expired", reason: "expired" });
    expect(await get(urgent)).toMatchObject({ status: "delivered" });
    env.clock.set("2026-11-24T00:00:00Z"); // 08:00 in Shanghai
    await runDispatch(env.deps);
    expect(await get(held)).toMatchObject({ status: "delivered", attempts: 1 });
    expect(await history(t.client, held.body.id)).toEqual([
      ["queued", null],
      ["queued", "quiet_hours_deferred"],
      ["sent", null],
      ["delivered", null],
    ]);
  });

  it("re-times messages held by quiet hours when the window changes: earlier end, then no quiet hours", async () => {
    const env = await setup("2026-11-23T14:00:00Z"); // 22:00 in Shanghai
    const t = await workspace(env, { quiet_hours: { start: "21:00", end: "08:00" } });
    const sh = await member(t.client, { time_zone: "Asia/Shanghai" });
    const promo = {
      template: "member_promotion",
      variables: { offer: "20% off", validUntil: "2026-12-15", link: "x.example" },
    };
    const a = await send(t.client, { customer_id: sh, ...promo });
    const b = await send(t.client, { customer_id: sh, ...promo });
    await runDispatch(env.deps);
    const get = async (m: any) => (await t.client.get(`/v1/messages/${m.body.id}`)).body;
    expect(await get(a)).toMatchObject({ status: "queued", next_attempt_at: "2026-11-24T00:00:00.000Z" });
    // The shop ends quiet hours at 07:00: held messages go at 07:00, not at the old 08:00.
    expect((await t.client.patch("/v1/tenant", { quiet_hours: { start: "21:00", end: "07:00" } })).status).toBe(200);
    await runDispatch(env.deps);
    expect(await get(a)).toMatchObject({
      status: "queued",
      reason: "quiet_hours_deferred",
      next_attempt_at: "2026-11-23T23:00:00.000Z",
    });
    // Held again under the new window: its own line, with the new time.
    expect(await history(t.client, a.body.id)).toEqual([
      ["queued", null],
      ["queued", "quiet_hours_deferred"],
      ["queued", "quiet_hours_deferred"],
    ]);
    env.clock.set("2026-11-23T23:00:00Z");
    await runDispatch(env.deps);
    expect(await get(a)).toMatchObject({ status: "delivered" });
    expect(await get(b)).toMatchObject({ status: "delivered" });

    // Turned off altogether: what was held goes at once.
    env.clock.set("2026-11-24T14:00:00Z"); // 22:00 again
    const c = await send(t.client, { customer_id: sh, ...promo });
    await runDispatch(env.deps);
    expect(await get(c)).toMatchObject({ status: "queued", reason: "quiet_hours_deferred" });
    await t.client.patch("/v1/tenant", { quiet_hours: null });
    await runDispatch(env.deps);
    expect(await get(c)).toMatchObject({ status: "delivered" });
  });

  it("holds a message to a customer without a number through quiet hours, so a number added meanwhile gets it", async () => {
    const env = await setup("2026-11-23T14:00:00Z"); // 22:00 in Shanghai: quiet hours
    const t = await workspace(env, { quiet_hours: { start: "21:00", end: "08:00" } });
    const id = await member(t.client);
    // A number that stopped parsing (an import of another country's data): kept without one.
    await env.deps.db.batch([{ sql: "update customers set phone = null where id = ?", params: [id] }]);
    const offer = await send(t.client, { customer_id: id, text: "Tomorrow: 20% off", kind: "marketing" });
    await runDispatch(env.deps);
    const get = async () => (await t.client.get(`/v1/messages/${offer.body.id}`)).body;
    expect(await get()).toMatchObject({ status: "queued", reason: "quiet_hours_deferred" });
    expect((await t.client.patch(`/v1/customers/${id}`, { phone: "+8613800138111" })).status).toBe(200);
    env.clock.set("2026-11-24T00:00:00Z"); // 08:00 in Shanghai
    await runDispatch(env.deps);
    expect(await get()).toMatchObject({ status: "delivered", to: "+8613800138111" });
  });

  it("waits for send_at, and stops at the monthly segment cap", async () => {
    const env = await setup();
    const t = await workspace(env);
    expect((await t.client.patch("/v1/tenant", { monthly_segment_cap: 2 })).status).toBe(200);
    const id = await member(t.client);
    const later = await send(t.client, {
      customer_id: id,
      text: "Tomorrow",
      kind: "notification",
      send_at: "2026-11-24T04:00:00Z",
    });
    expect(later.body.status).toBe("planned");
    const a = await send(t.client, { customer_id: id, text: "x".repeat(200), kind: "notification" }); // 2 segments
    const b = await send(t.client, { customer_id: id, text: "One more", kind: "notification" });
    await runDispatch(env.deps);
    const get = async (m: any) => (await t.client.get(`/v1/messages/${m.body.id}`)).body;
    expect(await get(a)).toMatchObject({ status: "delivered", segments: 2 });
    expect(await get(b)).toMatchObject({ status: "skipped", reason: "over_quota" });
    expect(await get(later)).toMatchObject({ status: "planned" });
    expect((await t.client.get("/v1/usage")).body.cap).toEqual({ monthly_segments: 2, remaining: 0 });
  });
});

describe("the month's usage counter", () => {
  it("carries the cap across dispatcher runs, starts from earlier sends, and restarts each month", async () => {
    const env = await setup();
    const t = await workspace(env);
    expect((await t.client.patch("/v1/tenant", { monthly_segment_cap: 3 })).status).toBe(200);
    const id = await member(t.client);
    const counter = () =>
      env.deps.db.rawAll<{ month: string; segments: number }>(
        "select month, segments from usage_months where tenant_id = ? order by month",
        [t.tenant.id],
      );
    const status = async (m: any) => (await t.client.get(`/v1/messages/${m.body.id}`)).body.status;

    const a = await send(t.client, { customer_id: id, text: "x".repeat(200), kind: "notification" }); // 2 segments
    await runDispatch(env.deps);
    expect(await status(a)).toBe("delivered");
    expect(await counter()).toEqual([{ month: "2026-11", segments: 2 }]);

    // As if those 2 segments went out before the counter existed: the next send starts it from them.
    await env.deps.db.batch([{ sql: "delete from usage_months where tenant_id = ?", params: [t.tenant.id] }]);
    const b = await send(t.client, { customer_id: id, text: "One", kind: "notification" });
    await runDispatch(env.deps);
    expect(await status(b)).toBe("delivered");
    expect(await counter()).toEqual([{ month: "2026-11", segments: 3 }]);

    // A later run sees the cap reached without summing the month's messages.
    const c = await send(t.client, { customer_id: id, text: "Two", kind: "notification" });
    await runDispatch(env.deps);
    expect(await status(c)).toBe("skipped");

    // 1 December in Shanghai: a new month, a new count.
    env.clock.set(new Date("2026-12-01T04:00:00Z"));
    const d = await send(t.client, { customer_id: id, text: "Three", kind: "notification" });
    await runDispatch(env.deps);
    expect(await status(d)).toBe("delivered");
    expect(await counter()).toEqual([
      { month: "2026-11", segments: 3 },
      { month: "2026-12", segments: 1 },
    ]);
    expect((await t.client.get("/v1/usage?month=2026-11")).body).toMatchObject({ proactive_segments: 3 });
  });
});

describe("provider outcomes", () => {
  it("retries temporary errors with backoff, then gives up; permanent errors fail at once", async () => {
    const env = await setup();
    const t = await workspace(env, {}, { config: { retryable_rate: 1 } });
    const id = await member(t.client);
    const m = await send(t.client, { customer_id: id, text: "Hi", kind: "notification" });
    for (let i = 0; i < 5; i++) {
      await runDispatch(env.deps);
      env.clock.advance(10 * 60_000);
    }
    const failed = (await t.client.get(`/v1/messages/${m.body.id}`)).body;
    expect(failed).toMatchObject({ status: "failed", reason: "retries_exhausted", attempts: 5 });
    expect(failed.history.filter((h: any) => h.reason === "retry")).toHaveLength(4);

    const bad = await workspace(env, {}, { config: { failure_rate: 1 } });
    const bid = await member(bad.client);
    const bm = await send(bad.client, { customer_id: bid, text: "Hi", kind: "notification" });
    await runDispatch(env.deps);
    expect((await bad.client.get(`/v1/messages/${bm.body.id}`)).body).toMatchObject({
      status: "failed",
      reason: "rejected",
      attempts: 1,
    });
  });

  it("slows down when throttled without spending attempts, and keeps to the channel's rate", async () => {
    const env = await setup();
    const t = await workspace(env, {}, { config: { throttle_rate: 1 } });
    const id = await member(t.client);
    const m = await send(t.client, { customer_id: id, text: "Hi", kind: "notification" });
    await runDispatch(env.deps);
    await runDispatch(env.deps); // not due yet: nothing happens
    expect((await t.client.get(`/v1/messages/${m.body.id}`)).body).toMatchObject({
      status: "queued",
      reason: "throttled",
      attempts: 0,
    });
    // Throttled again and again: the history, kept in the message's row, says so once.
    for (let i = 0; i < 5; i++) {
      env.clock.advance(60_000);
      await runDispatch(env.deps);
    }
    const again = (await t.client.get(`/v1/messages/${m.body.id}`)).body;
    expect(again).toMatchObject({ status: "queued", reason: "throttled", attempts: 0 });
    expect(again.history.map((e: { status: string; reason: string | null }) => [e.status, e.reason])).toEqual([
      ["queued", null],
      ["queued", "throttled"],
    ]);

    // 50 segments a second over 20 simulated seconds: within 3%.
    const bucket = new TokenBucket(50, 0);
    let now = 0;
    let sent = 0;
    while (now < 20_000) {
      const wait = bucket.take(1, now);
      if (wait === 0) sent++;
      else now += wait;
    }
    expect(sent / 20).toBeGreaterThan(50 * 0.97);
    expect(sent / 20).toBeLessThan(50 * 1.03);
  });

  it("applies receipts only forward and once; a forged webhook is refused and changes nothing", async () => {
    const env = await setup();
    const t = await workspace(env);
    const id = await member(t.client);
    const m = await send(t.client, { customer_id: id, text: "Hi", kind: "notification" });
    await runDispatch(env.deps);
    const sent = (await t.client.get(`/v1/messages/${m.body.id}`)).body;
    expect(sent.status).toBe("delivered");
    const secret = await simulatorSecret(env);
    const post = async (updates: unknown[], sign = true) => {
      const body = JSON.stringify({ updates });
      return env.app.request(`/webhooks/simulator/${t.channel.id}/status`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-simulator-signature": sign ? await hmacBase64("SHA-256", secret, body) : "forged",
        },
        body,
      });
    };
    expect((await post([{ providerRef: sent.provider_ref, status: "sent" }])).status).toBe(200);
    expect((await post([{ providerRef: sent.provider_ref, status: "delivered" }])).status).toBe(200);
    expect((await post([{ providerRef: sent.provider_ref, status: "undelivered" }], false)).status).toBe(403);
    const after = (await t.client.get(`/v1/messages/${m.body.id}`)).body;
    expect(after.status).toBe("delivered");
    expect(after.history.map((h: any) => [h.status, h.applied])).toEqual([
      ["queued", true],
      ["sent", true],
      ["delivered", true],
      ["sent", false],
    ]);
    expect((await env.app.request("/webhooks/simulator/chn_nope/status", { method: "POST", body: "{}" })).status).toBe(
      404,
    );

    // A receipt for a send whose outcome was never written (its lease passed and the row went
    // back to the outbox) leaves the row to whoever sends it next: it stays unsettled.
    const waiting = await send(t.client, {
      customer_id: id,
      text: "Later",
      kind: "notification",
      send_at: "2026-11-24T04:00:00Z",
    });
    const known = new Map([
      [
        "SIM-lost",
        { id: waiting.body.id, status: "sent" as const, customerId: id, campaignId: null, kind: "notification" },
      ],
    ]);
    const channel = { id: t.channel.id as string, tenantId: t.tenant.id as string };
    await applyStatusUpdates(env.deps, channel, [{ providerRef: "SIM-lost", status: "delivered" }], known);
    const still = (await t.client.get(`/v1/messages/${waiting.body.id}`)).body;
    expect(still).toMatchObject({ status: "planned", delivered_at: null });
    expect(still.history.map((h: { status: string }) => h.status)).toEqual(["planned"]);
    // It waits with the early receipts for the message's next send to record that reference.
    // (Nothing else of this test was kept: every other receipt applied.)
    const kept = await env.deps.db.rawAll<{ provider_ref: string; status: string }>(
      "select provider_ref, status from early_receipts",
      [],
    );
    expect(kept).toEqual([{ provider_ref: "SIM-lost", status: "delivered" }]);
  });

  it("stores inbound SMS once, however often the provider retries", async () => {
    const env = await setup();
    const t = await workspace(env);
    const secret = await simulatorSecret(env);
    const body = JSON.stringify({ id: "in-1", from: "+8613800138000", to: "+10000", text: "STOP" });
    const call = async () =>
      env.app.request(`/webhooks/simulator/${t.channel.id}/inbound`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-simulator-signature": await hmacBase64("SHA-256", secret, body),
        },
        body,
      });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const rows = await env.deps.db.rawAll<{ body: string; raw: string }>("select body, raw from inbound_messages", []);
    expect(rows).toEqual([{ body: "STOP", raw: body }]);
  });

  it("answers a signed webhook it cannot read with 400, keeps its body for inspection, and changes nothing else", async () => {
    const env = await setup();
    const t = await workspace(env);
    const secret = await simulatorSecret(env);
    const signed = async (kind: string, body: string) =>
      env.app.request(`/webhooks/simulator/${t.channel.id}/${kind}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-simulator-signature": await hmacBase64("SHA-256", secret, body),
        },
        body,
      });
    const bad: [string, string, string][] = [
      ["status", "not json", "not JSON"],
      ["status", '{"updates":[null]}', "updates[0]"],
      ["status", '{"updates":{"a":1}}', "not a list"],
      ["status", '{"updates":[{"providerRef":"x","status":"teleported"}]}', "known status"],
      ["inbound", "[1,2]", "not a JSON object"],
      ["inbound", '{"from":"+8613800138000","text":"hi"}', "needs an id"],
    ];
    for (const [kind, body, says] of bad) {
      const res = await signed(kind, body);
      expect(res.status, body).toBe(400);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe("malformed_webhook");
      expect(json.error.message, body).toContain(says);
    }
    const kept = await t.client.get(`/v1/channels/${t.channel.id}/rejected-webhooks`);
    expect(kept.status).toBe(200);
    expect(kept.body.data.map((r: { kind: string; body: string }) => [r.kind, r.body])).toEqual(
      bad.map(([kind, body]) => [kind, body]).reverse(),
    );
    expect(kept.body.data[0]).toMatchObject({
      content_type: "application/json",
      reason: expect.stringContaining("id"),
    });
    expect(await env.db.rawAll("select id from inbound_messages", [])).toEqual([]);
    // Another workspace cannot read them; a read key cannot either (bodies hold phones and texts).
    const other = await tenant(env);
    expect((await other.client.get(`/v1/channels/${t.channel.id}/rejected-webhooks`)).status).toBe(404);
    const read = await t.client.post("/v1/api-keys", { name: "r", scope: "read" });
    expect((await client(env, read.body.key).get(`/v1/channels/${t.channel.id}/rejected-webhooks`)).status).toBe(403);
    // A forged one is still a 403 and kept nowhere.
    const forged = await env.app.request(`/webhooks/simulator/${t.channel.id}/status`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-simulator-signature": "forged" },
      body: "not json",
    });
    expect(forged.status).toBe(403);
    expect((await t.client.get(`/v1/channels/${t.channel.id}/rejected-webhooks`)).body.data).toHaveLength(bad.length);
  });

  it("after a crash mid-send, re-sends only through a provider that de-duplicates; else marks unknown", async () => {
    const env = await setup();
    const t = await workspace(env);
    const id = await member(t.client);
    const m = await send(t.client, { customer_id: id, text: "Hi", kind: "notification" });
    // A sender claimed it, sent it, and died before recording the answer.
    const provider = (await env.deps.providers.forChannel(
      (await env.deps.db.orm.query.channels.findFirst()) as ChannelRow,
    )) as any;
    await provider.send({ ref: m.body.id, to: "+8613800138000", from: "", text: "Hi", encoding: "GSM-7", segments: 1 });
    env.db.orm
      .update(messages)
      .set({ status: "sending", leaseUntil: env.clock.now().getTime() - 1, channelId: t.channel.id, attempts: 1 })
      .where(eq(messages.id, m.body.id))
      .run();
    const stats = await runDispatch(env.deps);
    expect(stats).toMatchObject({ recovered: 1, sent: 1 });
    expect(provider.stats).toEqual({ accepted: 1, duplicates: 1 });
    expect((await t.client.get(`/v1/messages/${m.body.id}`)).body.status).toBe("delivered");

    const tw = await t.client.post("/v1/channels", {
      name: "Twilio",
      provider: "twilio",
      config: {
        account_sid: "AC0000000000000000000000000000abcd",
        from: "+15005550006",
        base_url: "http://127.0.0.1:9",
      },
      credentials: { auth_token: "0123456789abcdef0123" },
    });
    expect(tw.body).not.toHaveProperty("credentials");
    expect(tw.body.has_credentials).toBe(true);
    const m2 = await send(t.client, { customer_id: id, text: "Hi", kind: "notification", channel_id: tw.body.id });
    env.db.orm
      .update(messages)
      .set({ status: "sending", leaseUntil: env.clock.now().getTime() - 1, channelId: tw.body.id, attempts: 1 })
      .where(eq(messages.id, m2.body.id))
      .run();
    expect(await runDispatch(env.deps)).toMatchObject({ unknown: 1, claimed: 0 });
    expect((await t.client.get(`/v1/messages/${m2.body.id}`)).body).toMatchObject({
      status: "unknown",
      reason: "lease_expired",
    });
  });
});

describe("channels", () => {
  it("keeps credentials write-only and encrypted, checks config per provider, and needs admin", async () => {
    const env = await setup();
    const t = await tenant(env);
    const bad = await t.client.post("/v1/channels", {
      name: "T",
      provider: "twilio",
      config: { account_sid: "nope", from: "+1" },
    });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body.error.details)).toContain("config.account_sid");
    const ok = await t.client.post("/v1/channels", {
      name: "T",
      provider: "twilio",
      config: { account_sid: "AC0000000000000000000000000000abcd", from: "+15005550006" },
      credentials: { auth_token: "super-secret-token-123" },
      rate_per_second: 10,
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ default: true, rate_per_second: 10, has_credentials: true });
    expect(JSON.stringify(await t.client.get(`/v1/channels/${ok.body.id}`))).not.toContain("super-secret");
    const [stored] = await env.deps.db.rawAll<{ credentials: string }>("select credentials from channels", []);
    expect(stored?.credentials).toMatch(/^v1\./);
    expect(stored?.credentials).not.toContain("super-secret");
    const smpp = await t.client.post("/v1/channels", {
      name: "S",
      provider: "smpp",
      config: { host: "127.0.0.1", port: 2775, system_id: "x", source_addr: "1069" },
      credentials: { password: "pw" },
    });
    expect(smpp.status).toBe(422);
    const write = await t.client.post("/v1/api-keys", { name: "w", scope: "write" });
    const writer = client(env, write.body.key);
    expect((await writer.post("/v1/channels", { name: "x", provider: "simulator" })).status).toBe(403);
  });
});

describe("frequency cap", () => {
  it("holds marketing over the cap until it fits, skips it if its validity ends first, and leaves notifications alone", async () => {
    const env = await setup();
    const t = await workspace(env);
    expect(
      (await t.client.patch("/v1/tenant", { frequency_cap: { messages: 2, days: 7 } })).body.frequency_cap,
    ).toEqual({
      messages: 2,
      days: 7,
    });
    const id = await member(t.client);
    const offer = (n: number, extra: Record<string, unknown> = {}) =>
      send(t.client, { customer_id: id, text: `Offer ${n}`, kind: "marketing", ...extra });
    const a = await offer(1);
    const b = await offer(2);
    const c = await offer(3);
    const d = await offer(4, { valid_until: "2026-11-24T04:00:00Z" });
    const note = await send(t.client, { customer_id: id, text: "Your class moved to 7pm", kind: "notification" });
    await runDispatch(env.deps);
    const get = async (m: any) => (await t.client.get(`/v1/messages/${m.body.id}`)).body;
    expect((await get(a)).status).toBe("delivered");
    expect((await get(b)).status).toBe("delivered");
    expect(await get(c)).toMatchObject({
      status: "queued",
      reason: "frequency_capped",
      next_attempt_at: "2026-11-30T04:00:00.000Z",
    });
    expect(await get(d)).toMatchObject({ status: "skipped", reason: "frequency_capped" });
    expect((await get(note)).status).toBe("delivered");
    env.clock.set("2026-11-30T04:00:00Z");
    await runDispatch(env.deps);
    expect((await get(c)).status).toBe("delivered");
  });
});

describe("expire job", () => {
  it("expires waiting messages whose validity ended, with the reason, and nothing else", async () => {
    const env = await setup("2026-11-23T14:00:00Z"); // 22:00 in Shanghai: quiet hours
    const t = await workspace(env, { quiet_hours: { start: "21:00", end: "08:00" } });
    const id = await member(t.client);
    const held = await send(t.client, {
      customer_id: id,
      text: "Tonight only",
      kind: "marketing",
      valid_until: "2026-11-23T15:00:00Z",
    });
    const later = await send(t.client, {
      customer_id: id,
      text: "Tomorrow",
      kind: "marketing",
      send_at: "2026-11-24T02:00:00Z",
    });
    expect((await runExpire(env.deps)).expired).toBe(0);
    env.clock.set("2026-11-23T15:00:01Z");
    expect((await runExpire(env.deps)).expired).toBe(1);
    expect((await runExpire(env.deps)).expired).toBe(0);
    const m = (await t.client.get(`/v1/messages/${held.body.id}`)).body;
    expect(m).toMatchObject({ status: "expired", reason: "expired" });
    expect(m.history.at(-1)).toMatchObject({ status: "expired", reason: "expired" });
    expect((await t.client.get(`/v1/messages/${later.body.id}`)).body.status).toBe("planned");
  });
});
