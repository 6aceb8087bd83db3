// Outgoing webhooks against a receiver on loopback that verifies each signature with the
// `standardwebhooks` package: a test event arrives signed; an endpoint answering 500 is tried
// again with backoff and, once it recovers, gets each event exactly once; after a day of
// failures it is turned off with the reason; private addresses are refused unless allowed.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, it } from "vitest";
import { runClicks } from "../src/jobs/clicks";
import { runDispatch } from "../src/jobs/dispatch";
import { runPlan } from "../src/jobs/plan";
import { runPrune } from "../src/jobs/prune";
import { runWebhooks } from "../src/jobs/webhooks";
import { WEBHOOK_BACKOFF_MS } from "../src/webhooks-out/deliver";
import { simulatorTenant } from "./harness";
import { setup, tenant } from "./helpers";
import { customer, settle, twoWay } from "./two-way";

type Seen = { id: string; type: string; verified: boolean; body: Record<string, unknown>; answered: number };

/** A receiver that answers each request with the status `answer()` says, verifying what came. */
class Receiver {
  readonly seen: Seen[] = [];
  secret = "";
  answer = () => 200;
  private server!: Server;
  url = "";
  async start() {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        // The package's own signature for what came (its verify() also wants the timestamp within
        // five minutes of the real clock, which the tests' simulated clock is not).
        const id = headers["webhook-id"] ?? "";
        const at = new Date(Number(headers["webhook-timestamp"]) * 1000);
        const expected = new Webhook(this.secret).sign(id, at, body);
        const verified = (headers["webhook-signature"] ?? "").split(" ").includes(expected);
        const parsed = JSON.parse(body) as Record<string, unknown>;
        const answered = this.answer();
        this.seen.push({ id, type: String(parsed.type), verified, body: parsed, answered });
        res.writeHead(answered, { "content-type": "text/plain" });
        res.end(answered === 200 ? "ok" : "database is down");
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
    return this;
  }
  close() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

const receivers: Receiver[] = [];
afterAll(() => Promise.all(receivers.map((r) => r.close())));

async function subscribed(events: string[] = ["*"]) {
  const env = setup("2026-11-23T04:00:00Z", { webhooksAllowPrivate: true });
  const receiver = await new Receiver().start();
  receivers.push(receiver);
  const t = await tenant(env);
  const made = await t.client.post("/v1/webhooks", { url: receiver.url, events });
  expect(made.status).toBe(201);
  expect(made.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  receiver.secret = made.body.secret;
  return { env, t, receiver, endpoint: made.body };
}

describe("outgoing webhooks", () => {
  it("sends a test event signed as Standard Webhooks has it, and logs the delivery", async () => {
    const { env, t, receiver, endpoint } = await subscribed();
    // The secret is shown once.
    expect((await t.client.get(`/v1/webhooks/${endpoint.id}`)).body.secret).toBeUndefined();
    const test = await t.client.post(`/v1/webhooks/${endpoint.id}/test`, {});
    expect(test.status).toBe(202);
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 1, retrying: 0, failed: 0 });
    expect(receiver.seen).toEqual([
      {
        id: test.body.event_id,
        type: "webhook.test",
        verified: true,
        body: {
          type: "webhook.test",
          timestamp: "2026-11-23T04:00:00.000Z",
          data: { webhook_id: endpoint.id, message: "A test from Tidings" },
        },
        answered: 200,
      },
    ]);
    const log = (await t.client.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
    expect(log).toEqual([
      expect.objectContaining({
        id: test.body.delivery_id,
        event_id: test.body.event_id,
        status: "delivered",
        attempts: 1,
        response_status: 200,
        response: "ok",
        delivered_at: "2026-11-23T04:00:00.000Z",
      }),
    ]);
    // The log pages by its own ids (event.endpoint); a made-up cursor is refused, naming it.
    await t.client.post(`/v1/webhooks/${endpoint.id}/test`, {});
    const first = (await t.client.get(`/v1/webhooks/${endpoint.id}/deliveries?limit=1`)).body;
    const second = (await t.client.get(`/v1/webhooks/${endpoint.id}/deliveries?limit=1&cursor=${first.next_cursor}`))
      .body;
    expect([...first.data, ...second.data].map((d: { id: string }) => d.id)).toContain(test.body.delivery_id);
    expect(second.next_cursor).toBeNull();
    const bad = await t.client.get(
      `/v1/webhooks/${endpoint.id}/deliveries?cursor=${btoa("cus_01M838Z2G059SECK25REYZVQQC")}`,
    );
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe("cursor");
    // Another workspace does not see it.
    const other = await tenant(env);
    expect((await other.client.get(`/v1/webhooks/${endpoint.id}/deliveries`)).status).toBe(404);
  });

  it("lets an endpoint that does not answer hold up only its own deliveries", async () => {
    const { env, t, receiver } = await subscribed(["webhook.test"]);
    // A second endpoint of the same workspace, on a port nothing listens on.
    const dead = await t.client.post("/v1/webhooks", { url: "http://127.0.0.1:9/down", events: ["*"] });
    for (let i = 0; i < 20; i++) await t.client.post(`/v1/webhooks/${dead.body.id}/test`, {});
    const live = (await t.client.get("/v1/webhooks")).body.data.find((e: any) => e.id !== dead.body.id);
    await t.client.post(`/v1/webhooks/${live.id}/test`, {});
    const out = await runWebhooks(env.deps);
    expect(out.delivered).toBe(1);
    expect(receiver.seen).toHaveLength(1);
    const log = (await t.client.get(`/v1/webhooks/${dead.body.id}/deliveries?limit=50`)).body.data as any[];
    const tried = log.filter((d) => d.attempts === 1);
    // At most one round of senders tried it; the rest wait a minute, no attempt spent.
    expect(tried.length).toBeGreaterThan(0);
    expect(tried.length).toBeLessThanOrEqual(6);
    expect(out.retrying).toBe(tried.length);
    const waiting = log.filter((d) => d.attempts === 0);
    expect(waiting).toHaveLength(20 - tried.length);
    expect(new Set(waiting.map((d) => d.next_attempt_at))).toEqual(
      new Set([new Date(env.clock.now().getTime() + 60_000).toISOString()]),
    );
  });

  it("delivers a backlog larger than one claim in one run", async () => {
    const { env, t, receiver, endpoint } = await subscribed();
    for (let i = 0; i < 120; i++) await t.client.post(`/v1/webhooks/${endpoint.id}/test`, {});
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 120, retrying: 0, failed: 0 });
    expect(new Set(receiver.seen.map((s) => s.id)).size).toBe(120);
  });

  it("keeps a month of the delivery log, and what is still being tried however old", async () => {
    const { env, t, receiver, endpoint } = await subscribed();
    await t.client.post(`/v1/webhooks/${endpoint.id}/test`, {});
    await runWebhooks(env.deps);
    receiver.answer = () => 500;
    await t.client.post(`/v1/webhooks/${endpoint.id}/test`, {});
    await runWebhooks(env.deps);
    env.clock.advance(29 * 86_400_000);
    expect(await runPrune(env.deps)).toMatchObject({ deliveries: 0 });
    env.clock.advance(2 * 86_400_000);
    expect(await runPrune(env.deps)).toMatchObject({ deliveries: 1 });
    const left = (await t.client.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
    expect(left.map((d: any) => d.status)).toEqual(["pending"]);
  });

  it("tries a failing endpoint again with backoff, and delivers each event once when it recovers", async () => {
    const { env, t, receiver, endpoint } = await subscribed();
    receiver.answer = () => 500;
    const a = (await t.client.post(`/v1/webhooks/${endpoint.id}/test`, {})).body;
    const b = (await t.client.post(`/v1/webhooks/${endpoint.id}/test`, {})).body;
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 0, retrying: 2, failed: 0 });
    // Not due again before its wait.
    env.clock.advance(WEBHOOK_BACKOFF_MS[0] as number);
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 0, retrying: 2, failed: 0 });
    receiver.answer = () => 200;
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    env.clock.advance(WEBHOOK_BACKOFF_MS[1] as number);
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 2, retrying: 0, failed: 0 });
    env.clock.advance(86_400_000);
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    const taken = receiver.seen.filter((s) => s.answered === 200);
    expect(taken.every((s) => s.verified)).toBe(true);
    expect(taken.map((s) => s.id).sort()).toEqual([a.event_id, b.event_id].sort());
    // Every attempt carried the same webhook-id: the receiver can tell a retry from a new event.
    expect(receiver.seen.map((s) => s.id).sort()).toEqual(
      [a.event_id, a.event_id, a.event_id, b.event_id, b.event_id, b.event_id].sort(),
    );
    const log = (await t.client.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
    expect(log.map((d: { status: string; attempts: number }) => `${d.status}:${d.attempts}`)).toEqual([
      "delivered:3",
      "delivered:3",
    ]);
  });

  it("turns an endpoint off after a day of failures, saying why; a redelivery goes once it is on again", async () => {
    const { env, t, receiver, endpoint } = await subscribed();
    receiver.answer = () => 503;
    const test = (await t.client.post(`/v1/webhooks/${endpoint.id}/test`, {})).body;
    for (const [i, wait] of [0, ...WEBHOOK_BACKOFF_MS].entries()) {
      env.clock.advance(wait);
      // A consent change, tried in the run that turns the endpoint off: parked with it.
      if (i === WEBHOOK_BACKOFF_MS.length)
        await t.client.post("/v1/customers", { phone: "+8613800138019", name: "Wu", consent: { state: "subscribed" } });
      await runWebhooks(env.deps);
    }
    const off = (await t.client.get(`/v1/webhooks/${endpoint.id}`)).body;
    expect(off.active).toBe(false);
    expect(off.disabled_reason).toBe("Deliveries failed for a day; the last answer: 503 database is down");
    const log = (await t.client.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
    const d = log.find((x: any) => x.event_type === "webhook.test");
    expect(d).toMatchObject({ status: "failed", attempts: WEBHOOK_BACKOFF_MS.length + 1, response_status: 503 });
    expect(log.find((x: any) => x.event_type === "consent.changed")).toMatchObject({
      status: "pending",
      attempts: 1,
      next_attempt_at: null,
    });

    receiver.answer = () => 200;
    const on = await t.client.patch(`/v1/webhooks/${endpoint.id}`, { active: true });
    expect(on.body).toMatchObject({ active: true, disabled_reason: null });
    const again = await t.client.post(`/v1/webhooks/${endpoint.id}/deliveries/${test.delivery_id}/redeliver`, {});
    expect(again.status).toBe(202);
    // A fresh run of attempts: a failure now is tried again, not final.
    expect(again.body).toMatchObject({ status: "pending", attempts: 0 });
    // The redelivered test and the parked consent change.
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 2, retrying: 0, failed: 0 });
    expect(receiver.seen.find((s) => s.id === test.event_id && s.answered === 200)).toMatchObject({ verified: true });
  });

  it("parks what waits for an endpoint turned off, and sends it once it is on again", async () => {
    const { env, t, receiver, endpoint } = await subscribed(["consent.changed"]);
    for (const phone of ["+8613800138011", "+8613800138012"])
      await t.client.post("/v1/customers", { phone, name: "Li", consent: { state: "subscribed" } });
    await t.client.patch(`/v1/webhooks/${endpoint.id}`, { active: false });
    const parked = (await t.client.get(`/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
    expect(parked.map((d: any) => [d.status, d.next_attempt_at])).toEqual([
      ["pending", null],
      ["pending", null],
    ]);
    // Out of the claim's reach (not merely skipped by it), however long it stays off.
    const [due] = await env.db.rawAll<{ n: number }>(
      "select count(*) as n from webhook_deliveries where status = 'pending' and next_attempt_at <= ?",
      [env.clock.now().getTime() + 365 * 86_400_000],
    );
    expect(due?.n).toBe(0);
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 0, retrying: 0, failed: 0 });
    await t.client.patch(`/v1/webhooks/${endpoint.id}`, { active: true });
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 2, retrying: 0, failed: 0 });
    expect(receiver.seen.map((s) => s.type)).toEqual(["consent.changed", "consent.changed"]);
  });

  it("refuses private and loopback addresses unless allowed, naming the field, and changes nothing", async () => {
    const env = setup("2026-11-23T04:00:00Z");
    const t = await tenant(env);
    for (const url of [
      "http://127.0.0.1:8080/x",
      "http://localhost/x",
      "http://10.1.2.3/x",
      "http://169.254.169.254/latest/meta-data",
      "http://[::1]/x",
      "http://192.168.1.10/x",
      "https://db.internal/x",
      "http://localhost./x",
      "http://metadata.google.internal./x",
      "http://2130706433/x",
      "http://0x7f.1/x",
      "http://[::ffff:7f00:1]/x",
      "http://[64:ff9b::7f00:1]/x",
      "http://198.18.0.1/x",
      "ftp://example.com/x",
    ]) {
      const r = await t.client.post("/v1/webhooks", { url, events: ["*"] });
      expect(r.status, url).toBe(422);
      expect(r.body.error.details[0].path).toBe("url");
    }
    expect((await t.client.post("/v1/webhooks", { url: "https://bank.example/x", events: ["nope"] })).status).toBe(422);
    expect((await t.client.get("/v1/webhooks")).body.data).toEqual([]);
    const ok = await t.client.post("/v1/webhooks", {
      url: "https://bank.example/tidings",
      events: ["consent.changed"],
    });
    expect(ok.status).toBe(201);
  });

  it("tells an integrator of replies and opt-outs as they happen, once each, only what it subscribed to", async () => {
    const env = setup("2026-11-23T04:00:00Z", { webhooksAllowPrivate: true });
    const receiver = await new Receiver().start();
    const narrow = await new Receiver().start();
    receivers.push(receiver, narrow);
    const t = await twoWay(env, { locale: "en" });
    const all = await t.client.post("/v1/webhooks", {
      url: receiver.url,
      events: ["inbound.received", "consent.changed"],
    });
    receiver.secret = all.body.secret;
    const only = await t.client.post("/v1/webhooks", { url: narrow.url, events: ["consent.changed"] });
    narrow.secret = only.body.secret;
    const li = await customer(t.client, { phone: "+8613800138001", name: "Li", consent: { state: "subscribed" } });
    await t.sms("+8613800138001", "STOP");
    await settle(env);
    // The pipeline runs again (a retried webhook, a lease run out): nothing is told twice.
    await settle(env);
    await runWebhooks(env.deps);
    const told = receiver.seen.map(
      (s) =>
        `${s.type}:${(s.body.data as { state?: string; step?: string }).state ?? (s.body.data as { step?: string }).step}`,
    );
    expect(told.sort()).toEqual([
      "consent.changed:subscribed",
      "consent.changed:unsubscribed",
      "inbound.received:opt_out",
    ]);
    expect(receiver.seen.every((s) => s.verified)).toBe(true);
    const stop = receiver.seen.find((s) => s.type === "inbound.received")?.body.data;
    expect(stop).toMatchObject({ customer_id: li.id, from: "+8613800138001", text: "STOP", step: "opt_out" });
    const optOut = receiver.seen.find((s) => (s.body.data as { state?: string }).state === "unsubscribed")?.body.data;
    expect(optOut).toMatchObject({ customer_id: li.id, previous: "subscribed", source: "keyword" });
    expect(narrow.seen.map((s) => s.type)).toEqual(["consent.changed", "consent.changed"]);
    // Another workspace's events never reach them.
    const other = await twoWay(env, { locale: "en" });
    await customer(other.client, { phone: "+8613800138009", name: "Wang", consent: { state: "subscribed" } });
    await runWebhooks(env.deps);
    expect(receiver.seen).toHaveLength(3);
  });

  it("does not send to a name that resolves to a private address, and says so in the log", async () => {
    const env = setup("2026-11-23T04:00:00Z");
    const t = await tenant(env);
    const made = await t.client.post("/v1/webhooks", { url: "https://hooks.bank.example/x", events: ["*"] });
    expect(made.status).toBe(201);
    env.deps.resolveHost = async (host) => (host === "hooks.bank.example" ? ["203.0.113.7", "10.0.0.5"] : []);
    await t.client.post(`/v1/webhooks/${made.body.id}/test`, {});
    expect(await runWebhooks(env.deps)).toEqual({ delivered: 0, retrying: 1, failed: 0 });
    const [d] = (await t.client.get(`/v1/webhooks/${made.body.id}/deliveries`)).body.data;
    expect(d).toMatchObject({
      response_status: null,
      response: "Not sent: the address resolves to a private or loopback address",
    });
  });

  it("tells of each message's status as it changes, once, and only to a workspace that listens", async () => {
    const env = setup("2026-11-23T04:00:00Z", { webhooksAllowPrivate: true });
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    const t = await simulatorTenant(env);
    const made = await t.client.post("/v1/webhooks", { url: receiver.url, events: ["message.status"] });
    receiver.secret = made.body.secret;
    const c = await t.client.post("/v1/customers", { name: "Li", phone: "+8613800138001" });
    const m = await t.client.post("/v1/messages", {
      customer_id: c.body.id,
      text: "Class moved to 7pm",
      kind: "notification",
    });
    await runDispatch(env.deps);
    await runDispatch(env.deps);
    await runWebhooks(env.deps);
    const final = (await t.client.get(`/v1/messages/${m.body.id}`)).body.status;
    const told = receiver.seen.map((s) => s.body.data as { message_id: string; status: string; previous: string });
    // The simulator's receipt comes at once, into the same write as the send: sending → delivered.
    expect(told.map((d) => [d.previous, d.status])).toEqual([["sending", "delivered"]]);
    expect(told.every((d) => d.message_id === m.body.id)).toBe(true);
    // Each told once, in a chain from sending to where the message is now.
    expect(told[0]?.previous).toBe("sending");
    expect(told.at(-1)?.status).toBe(final);
    for (let i = 1; i < told.length; i++) expect(told[i]?.previous).toBe(told[i - 1]?.status);
    expect(new Set(told.map((d) => d.status)).size).toBe(told.length);
    expect(receiver.seen.every((s) => s.verified)).toBe(true);
  });

  it("tells of a campaign's start and end, an import, a member's first click and a goal reached, once each", async () => {
    const env = setup("2026-12-07T02:00:00Z", { webhooksAllowPrivate: true, publicUrl: "https://t.gym.example" });
    const receiver = await new Receiver().start();
    receivers.push(receiver);
    const t = await simulatorTenant(env);
    const made = await t.client.post("/v1/webhooks", {
      url: receiver.url,
      events: ["campaign.started", "campaign.completed", "import.finished", "link.clicked", "conversion.recorded"],
    });
    receiver.secret = made.body.secret;
    const imported = await t.client.post(
      "/v1/customers/import",
      "phone,name,locale,consent\n+8613800138001,Li,en,subscribed\n+8613800138002,Wang,en,subscribed\nnot a phone,X,en,\n",
      { "content-type": "text/csv" },
    );
    expect(imported.status).toBe(200);
    const goal = await t.client.post("/v1/campaigns", {
      name: "Book after clicking",
      kind: "event",
      template: "member_promotion",
      variables: { offer: "a free class", validUntil: "2026-12-31", link: "https://gym.example/book" },
      event: { type: "link.clicked", delay: { value: 1, unit: "days" }, cancel_on: ["booking"] },
    });
    await t.client.post(`/v1/campaigns/${goal.body.id}/schedule`, {});
    const offer = await t.client.post("/v1/campaigns", {
      name: "Spin week",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: { offer: "spin", validUntil: "2026-12-31", link: "https://gym.example/spin" },
    });
    await t.client.post(`/v1/campaigns/${offer.body.id}/schedule`, {});
    await runPlan(env.deps);
    await runDispatch(env.deps);
    await runPlan(env.deps);
    const sent = (await t.client.get(`/v1/messages?campaign_id=${offer.body.id}`)).body.data as any[];
    const li = sent[0];
    const code = /\/l\/(\w{10})/.exec(li.text)?.[1] as string;
    env.clock.advance(60_000);
    // Three taps: one link.clicked.
    for (let i = 0; i < 3; i++)
      await env.app.request(`/l/${code}`, { headers: { "user-agent": "Mozilla/5.0 (iPhone)" } });
    await runClicks(env.deps);
    await runClicks(env.deps);
    env.clock.advance(3_600_000);
    // The click planned the reminder for tomorrow; booking before it is sent cancels it, and
    // is no conversion: a goal counts only after the campaign's own message went out.
    await t.client.post("/v1/events", { customer_id: li.customer_id, type: "booking", properties: {} });
    await runWebhooks(env.deps);

    const byType = (type: string) => receiver.seen.filter((s) => s.type === type).map((s) => s.body.data as any);
    expect(byType("import.finished")).toEqual([
      expect.objectContaining({ complete: true, rows: 3, created: 2, rejected: 1 }),
    ]);
    // Six senders deliver side by side: events arrive in any order, each once.
    expect(
      byType("campaign.started")
        .map((d) => [d.name, d.audience])
        .sort(),
    ).toEqual([
      ["Book after clicking", 2],
      ["Spin week", 2],
    ]);
    expect(byType("campaign.completed").map((d) => [d.campaign_id, d.planned])).toEqual([[offer.body.id, 2]]);
    expect(byType("link.clicked")).toEqual([
      expect.objectContaining({ link: code, url: "https://gym.example/spin", campaign_id: offer.body.id }),
    ]);
    expect(byType("conversion.recorded")).toEqual([]);
    expect(receiver.seen.every((s) => s.verified)).toBe(true);

    // The reminder goes the next day to whoever did not book; when that member books after it,
    // the goal is reached after the campaign's send: a conversion.
    const wang = sent.find((m) => m.customer_id !== li.customer_id);
    const wangCode = /\/l\/(\w{10})/.exec(wang.text)?.[1] as string;
    await env.app.request(`/l/${wangCode}`, { headers: { "user-agent": "Mozilla/5.0 (Android)" } });
    await runClicks(env.deps);
    env.clock.advance(25 * 3_600_000);
    await runPlan(env.deps);
    await runDispatch(env.deps);
    await t.client.post("/v1/events", {
      customer_id: wang.customer_id,
      type: "booking",
      properties: { class: "spin" },
    });
    await runWebhooks(env.deps);
    expect(byType("conversion.recorded")).toEqual([
      expect.objectContaining({
        customer_id: wang.customer_id,
        campaign_ids: [goal.body.id],
        event: expect.objectContaining({ type: "booking", properties: { class: "spin" } }),
      }),
    ]);
    expect((await t.client.get(`/v1/campaigns/${goal.body.id}/stats`)).body.converted).toBe(1);
    // Booking again next week is no second conversion.
    env.clock.advance(7 * 86_400_000);
    await t.client.post("/v1/events", { customer_id: wang.customer_id, type: "booking", properties: {} });
    await runWebhooks(env.deps);
    expect(byType("conversion.recorded")).toHaveLength(1);
  });
});
