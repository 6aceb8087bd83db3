// The SMPP channel as a carrier link, end to end through the API, the dispatcher and the
// database, against an SMSC on the server side of the smpp package (test/smsc.ts): long messages
// in flight together, a store that fails, long inbound SMS, a silent SMSC, an SMSC restart with
// nothing to send, and a connection dropped in the middle of a message. The process kill is in
// smpp-crash.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { httpProviders, ProviderRegistry } from "../src/delivery/registry";
import { sessionSink, tendChannels } from "../src/delivery/sessions";
import { answered, storeDelivered } from "../src/inbound/delivered-store";
import { runDispatch } from "../src/jobs/dispatch";
import { SmppProvider } from "../src/node/smpp";
import { page, signIn } from "./console-helpers";
import { simulatorTenant } from "./harness";
import { setup, type TestEnv, tenant } from "./helpers";
import { messagesByReference, TestSmsc } from "./smsc";
import { until } from "./wait";

const open: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function smsc(port = 0) {
  const s = new TestSmsc();
  await s.start(port);
  open.push(s);
  return s;
}

/** A database and app whose registry builds SMPP providers with the dispatcher's sink. */
function smppEnv(start?: string) {
  const env = setup(start);
  env.deps.providers = new ProviderRegistry(env.deps.secretKey, env.clock, {
    ...httpProviders,
    smpp: (ch, cred, e) => new SmppProvider(ch, cred, e.sink),
  });
  open.push(env.deps.providers);
  return env;
}

async function smppWorkspace(env: TestEnv, port: number, config: Record<string, unknown> = {}) {
  const t = await tenant(env, { locale: "en" });
  const ch = await t.client.post("/v1/channels", {
    name: "Carrier",
    provider: "smpp",
    config: { host: "127.0.0.1", port, system_id: "tidings", source_addr: "1069", ...config },
    credentials: { password: "secret" },
    default: true,
  });
  expect(ch.status).toBe(201);
  return { ...t, channelId: ch.body.id as string };
}

async function customer(t: { client: TestEnvClient }, phone: string) {
  const c = await t.client.post("/v1/customers", { phone, consent: { state: "subscribed" } });
  expect(c.status).toBe(201);
  return c.body.id as string;
}
type TestEnvClient = Awaited<ReturnType<typeof tenant>>["client"];

async function notify(t: { client: TestEnvClient }, customerId: string, text: string) {
  const m = await t.client.post("/v1/messages", { customer_id: customerId, text, kind: "notification" });
  expect(m.status).toBe(201);
  return m.body.id as string;
}

/** The texts of a workspace's stored inbound SMS, newest first. */
async function inboundTexts(t: { client: TestEnvClient }): Promise<string[]> {
  return (await t.client.get("/v1/inbound")).body.data.map((m: { text: string }) => m.text);
}

const statusOf = async (t: { client: TestEnvClient }, id: string) => (await t.client.get(`/v1/messages/${id}`)).body;

describe("SMPP conformance", () => {
  it("sends long messages in both encodings side by side: each reaches the SMSC once, whole, and is delivered", async () => {
    const s = await smsc();
    s.answerDelayMs = 2;
    const env = smppEnv();
    const t = await smppWorkspace(env, s.port);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const c = await customer(t, `+86138001380${String(i).padStart(2, "0")}`);
      ids.push(await notify(t, c, `Card ${i}: ${"Your new card is on its way to you. ".repeat(11)}`.slice(0, 400)));
      ids.push(await notify(t, c, `${i}号客户您好：${"您的信用卡已寄出，请注意查收。".repeat(20)}`.slice(0, 300)));
    }
    for (let round = 0; round < 50; round++) {
      await runDispatch(env.deps);
      const all = await Promise.all(ids.map((id) => statusOf(t, id)));
      if (all.every((m) => m.status === "delivered")) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const messages = await Promise.all(ids.map((id) => statusOf(t, id)));
    expect(messages.map((m) => m.status)).toEqual(ids.map(() => "delivered"));
    expect(messages.map((m) => m.segments).sort()).toEqual([...Array(12).fill(3), ...Array(12).fill(5)].sort());
    // 96 parts, grouped by reference as a handset would: 24 whole texts, each once.
    expect(s.parts).toHaveLength(96);
    expect(messagesByReference(s.parts, 8).sort()).toEqual(messages.map((m) => m.text).sort());
    expect(s.maxOutstanding).toBeGreaterThan(1);
    expect(s.maxOutstanding).toBeLessThanOrEqual(10);
  });

  it("answers a deliver_sm only once it is stored; one it could not store is asked for again and kept once", async () => {
    const s = await smsc();
    const env = smppEnv();
    const t = await smppWorkspace(env, s.port);
    const real = sessionSink(env.deps);
    let failures = 1;
    env.deps.providers.sink = {
      ...real,
      inbound: async (...args) => {
        if (failures-- > 0) throw new Error("disk full");
        return real.inbound(...args);
      },
    };
    await runDispatch(env.deps);
    await until("the session bound", () => s.bound.size > 0);
    s.inbound("8613900139000", "Is my card coming soon? Need it!!!");
    await until("the SMSC to have its answer", () => s.acked === 1);
    // 0x64 (ESME_RX_T_APPN): try again later; then 0 once stored.
    expect(s.answers.map((a) => a.status)).toEqual([0x64, 0]);
    expect(await inboundTexts(t)).toEqual(["Is my card coming soon? Need it!!!"]);
  });

  it("forgets a message's record before answering it: a customer's identical repeat is never taken for a redelivery", async () => {
    const s = await smsc();
    const env = smppEnv();
    const t = await smppWorkspace(env, s.port);
    const real = sessionSink(env.deps);
    // The record of the unanswered SMS cannot be removed at first (as when the process dies
    // right there): the SMSC must not have an answer while that record stands.
    let failures = 1;
    env.deps.providers.sink = {
      ...real,
      answered: async (...args) => {
        if (failures-- > 0) throw new Error("disk full");
        return real.answered(...args);
      },
    };
    await runDispatch(env.deps);
    await until("the session bound", () => s.bound.size > 0);
    s.inbound("8613900139000", "1");
    // Not answered on that connection: the link reconnects, the SMSC delivers it again, and the
    // record (kept) knows it for the same message.
    await until("the SMSC to have its answer", () => s.acked === 1, 10_000);
    expect(s.deliveries[0]?.sentTimes).toBe(2);
    expect(s.answers.map((a) => a.status)).toEqual([0]);
    expect(await inboundTexts(t)).toEqual(["1"]);
    // Once answered, no record is left to swallow the customer's next "1", even across a new connection.
    s.dropConnections();
    await until("bound again", () => s.bound.size > 0, 10_000);
    s.inbound("8613900139000", "1");
    await until("the SMSC to have its answer", () => s.acked === 2, 10_000);
    expect(await inboundTexts(t)).toEqual(["1", "1"]);
  });

  it("stores once a message whose answer never went out, when the SMSC delivers it again after a new bind", async () => {
    const s = await smsc();
    const env = smppEnv();
    const t = await smppWorkspace(env, s.port);
    const real = sessionSink(env.deps);
    let cut = 1;
    env.deps.providers.sink = {
      ...real,
      inbound: async (...args) => {
        await real.inbound(...args);
        // Stored; the connection dies before the answer can go out (as in a crash).
        if (cut-- > 0) {
          s.dropConnections();
          await new Promise((r) => setTimeout(r, 200));
        }
      },
    };
    await runDispatch(env.deps);
    await until("the session bound", () => s.bound.size > 0);
    s.inbound("8613900139000", "1");
    await until("the SMSC to have its answer", () => s.acked === 1, 10_000);
    expect(s.deliveries[0]?.sentTimes).toBe(2);
    // The same text once more, a new message from the customer: stored too.
    s.inbound("8613900139000", "1");
    await until("the SMSC to have its answer", () => s.acked === 2);
    expect(await inboundTexts(t)).toEqual(["1", "1"]);
  });

  it("puts long inbound SMS together: parts out of order, 8- and 16-bit references, a part twice, a part that never came", async () => {
    const s = await smsc();
    const env = smppEnv();
    const t = await smppWorkspace(env, s.port);
    await runDispatch(env.deps);
    await until("the session bound", () => s.bound.size > 0);
    const a = "8613900139001";
    // 8-bit reference 7, three parts sent 3, 1, 1 (again), 2.
    s.inbound(a, " three", { udh: [5, 0, 3, 7, 3, 3] });
    s.inbound(a, "Part one,", { udh: [5, 0, 3, 7, 3, 1] });
    s.inbound(a, "Part one,", { udh: [5, 0, 3, 7, 3, 1] });
    s.inbound(a, " two and", { udh: [5, 0, 3, 7, 3, 2] });
    // 16-bit reference 0x1234, UCS-2, two parts in reverse order.
    s.inbound(a, "请尽快寄出", { udh: [6, 8, 4, 0x12, 0x34, 2, 2], dataCoding: 8 });
    s.inbound(a, "我的卡什么时候到？", { udh: [6, 8, 4, 0x12, 0x34, 2, 1], dataCoding: 8 });
    // Reference 9: part 2 of 3 never comes.
    s.inbound(a, "Start", { udh: [5, 0, 3, 9, 3, 1] });
    s.inbound(a, "end", { udh: [5, 0, 3, 9, 3, 3] });
    await until("every part answered", () => s.acked === 8);
    const texts = () => inboundTexts(t);
    expect((await texts()).sort()).toEqual(["Part one, two and three", "我的卡什么时候到？请尽快寄出"].sort());
    // Five minutes on, the rest of reference 9 is given up on: stored with the gap marked.
    env.clock.advance(5 * 60_000 + 1000);
    await runDispatch(env.deps);
    expect(await texts()).toContain("Start […] end");
    expect((await texts()).length).toBe(3);
  });

  it("a silent SMSC holds only its own messages; closing takes moments", async () => {
    const s = await smsc();
    s.silent = true;
    const env = smppEnv();
    const dead = await smppWorkspace(env, s.port, { response_timeout_ms: 500 });
    const live = await simulatorTenant(env);
    const stuck = await notify(dead, await customer(dead, "+8613800138000"), "Your card is on its way");
    const fine = await notify(live, await customer(live, "+8613800138001"), "Welcome to the gym");
    const started = Date.now();
    await runDispatch(env.deps);
    expect(Date.now() - started).toBeLessThan(3000);
    expect((await statusOf(live, fine)).status).toMatch(/sent|delivered/);
    const held = await statusOf(dead, stuck);
    expect(held).toMatchObject({ status: "queued", reason: "channel_down", attempts: 0 });
    const health = (await dead.client.get(`/v1/channels/${dead.channelId}`)).body.health;
    expect(health).toMatchObject({ link: "down", waiting: 1 });
    expect(health.last_error).toMatch(/bind/);
    // The console says it in words, with the time in the workspace's zone.
    const cookie = await signIn(env, dead.key);
    const en = await (await page(env, "/console/settings", cookie)).text();
    expect(en).toContain("Not connected");
    expect(en).toMatch(/Last failed attempt: [A-Z][a-z]{2} \d{1,2}, \d{4}, \d\d:\d\d GMT\+8/);
    expect(en).toContain("1 message(s) waiting");
    const zh = await (await page(env, "/console/settings", cookie, "zh-CN")).text();
    expect(zh).toContain("未连接");
    expect(zh).toContain("1 条短信等待发送");
    const closing = Date.now();
    await env.deps.providers.close();
    expect(Date.now() - closing).toBeLessThan(1500);
  });

  it("an SMSC that binds, then never answers a submit, costs its own messages one deadline", async () => {
    const s = await smsc();
    s.silentSubmits = true;
    const env = smppEnv();
    const dead = await smppWorkspace(env, s.port, { response_timeout_ms: 1500 });
    await runDispatch(env.deps);
    await until("the session bound", () => s.bound.size > 0);
    const live = await simulatorTenant(env);
    const stuck = await notify(dead, await customer(dead, "+8613800138000"), "Your card is on its way");
    const fine = await notify(live, await customer(live, "+8613800138001"), "Welcome to the gym");
    const run = runDispatch(env.deps);
    // The other workspace's message is written while the SMPP one still waits for its answer.
    await until("the simulator message sent", async () => (await statusOf(live, fine)).status !== "queued", 1000);
    expect((await statusOf(dead, stuck)).status).toBe("sending");
    await run;
    // Taken or not, nobody knows: never sent again blindly.
    expect(await statusOf(dead, stuck)).toMatchObject({ status: "unknown", reason: "provider_error" });
  });

  it("keeps an idle channel bound, and binds again after an SMSC restart: an MO arrives with nothing sent", async () => {
    const first = await smsc();
    const env = smppEnv();
    const t = await smppWorkspace(env, first.port, { enquire_link_ms: 1000 });
    await runDispatch(env.deps);
    await until("the session bound", () => first.bound.size > 0);
    expect((await t.client.get(`/v1/channels/${t.channelId}`)).body.health).toMatchObject({ link: "up", waiting: 0 });
    await first.close();
    const again = await smsc(first.port);
    await until("a bind to the restarted SMSC", () => again.bound.size > 0, 5000);
    again.inbound("8613900139002", "Is my card coming?");
    await until("the SMSC to have its answer", () => again.acked === 1);
    expect(await inboundTexts(t)).toEqual(["Is my card coming?"]);
    expect(again.parts).toHaveLength(0);
  });

  it("a connection dropped mid-message: that message is left to a person, the next ones go once", async () => {
    const s = await smsc();
    const env = smppEnv();
    const t = await smppWorkspace(env, s.port);
    const c = await customer(t, "+8613800138000");
    s.dropAfterSubmits = 3;
    const cut = await notify(t, c, `${"您的信用卡已寄出，请注意查收。".repeat(20)}`.slice(0, 300));
    await runDispatch(env.deps);
    expect(await statusOf(t, cut)).toMatchObject({ status: "unknown" });
    expect(s.parts).toHaveLength(2);
    const next = [await notify(t, c, "Second"), await notify(t, c, "Third")];
    for (let i = 0; i < 50 && s.parts.length < 4; i++) {
      await runDispatch(env.deps);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(s.parts.map((p) => p.text)).toEqual([expect.any(String), expect.any(String), "Second", "Third"]);
    for (const id of next) expect((await statusOf(t, id)).status).toMatch(/sent|delivered/);
  });

  it("knows a message stored but never answered when it comes again on a new connection, and merges nothing else", async () => {
    const env = smppEnv();
    const t = await smppWorkspace(env, 1);
    const channel = { id: t.channelId, tenantId: t.tenant.id };
    const sms = (id: string, text: string) => ({ providerMessageId: id, from: "+8613900139000", to: "1069", text });
    const store = (id: string, text: string) =>
      storeDelivered(env.deps, channel, sms(id, text), id.slice(0, id.lastIndexOf("-") + 1));
    const texts = async () => (await inboundTexts(t)).sort();
    // The same text twice on one connection: a customer who sent it twice.
    expect(await store("smpp-h-a.1-5", "1")).toBe(true);
    expect(await store("smpp-h-a.1-6", "1")).toBe(true);
    // The second answered; the process died before answering the first.
    await answered(env.deps, channel, ["smpp-h-a.1-6"]);
    // The SMSC delivers the first again on the next connection: stored once...
    expect(await store("smpp-h-b.1-1", "1")).toBe(false);
    // ...and the same text once more is the customer again.
    expect(await store("smpp-h-b.1-2", "1")).toBe(true);
    expect(await texts()).toEqual(["1", "1", "1"]);

    // Recognised again if the process dies once more before answering the redelivery.
    expect(await store("smpp-h-c.1-1", "2")).toBe(true);
    expect(await store("smpp-h-d.1-1", "2")).toBe(false);
    expect(await store("smpp-h-e.1-1", "2")).toBe(false);

    // Two rows waiting, two redeliveries handled at once: each takes its own.
    expect(await store("smpp-h-h.1-1", "5")).toBe(true);
    expect(await store("smpp-h-h.1-2", "5")).toBe(true);
    expect(await Promise.all([store("smpp-h-i.1-1", "5"), store("smpp-h-i.1-2", "5")])).toEqual([false, false]);
    await answered(env.deps, channel, ["smpp-h-i.1-1", "smpp-h-i.1-2"]);
    expect(await store("smpp-h-j.1-1", "5")).toBe(true);

    // Stored, never answered on k; anything differing in sender, recipient, text or place in a
    // long message is another message on l.
    expect(await store("smpp-h-k.1-1", "6")).toBe(true);
    const differing = [
      { from: "+8613900139999", to: "1069", text: "6" },
      { from: "+8613900139000", to: "1070", text: "6" },
      { from: "+8613900139000", to: "1069", text: "6!" },
      { from: "+8613900139000", to: "1069", text: "6", reference: 1, total: 2, seq: 1 },
    ];
    for (const [n, d] of differing.entries()) {
      const id = `smpp-h-l.1-${n}`;
      expect(await storeDelivered(env.deps, channel, { providerMessageId: id, ...d }, "smpp-h-l.1-")).toBe(
        !("seq" in d),
      );
    }
    // The part waits for the rest of its message, which completes it.
    const second = { providerMessageId: "smpp-h-l.1-9", ...differing[3], seq: 2, text: "!" } as never;
    expect(await storeDelivered(env.deps, channel, second, "smpp-h-l.1-")).toBe(true);
    expect(await texts()).toEqual(["1", "1", "1", "2", "5", "5", "5", "6", "6", "6", "6!", "6!"].sort());
  });

  it("reconnects one attempt at a time: a link dropped five times while sending ends with one session, every message once", async () => {
    const s = await smsc();
    const env = smppEnv();
    const t = await smppWorkspace(env, s.port);
    const c = await customer(t, "+8613800138000");
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push(await notify(t, c, `Update ${i}`));
    // Bound first (the dispatcher's housekeeping alone), so every drop below hits a live session.
    await tendChannels(env.deps);
    await until("the session bound", () => s.bound.size === 1, 10_000);
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, s.bound.size);
    }, 1);
    try {
      for (let drop = 0; drop < 5; drop++) {
        await until("the session bound again", () => s.bound.size === 1, 10_000);
        const run = runDispatch(env.deps);
        await new Promise((r) => setTimeout(r, 30 + drop * 20));
        s.dropConnections();
        await run;
      }
      for (let i = 0; i < 100; i++) {
        const all = await Promise.all(ids.map((id) => statusOf(t, id)));
        if (all.every((m) => m.status !== "queued" && m.status !== "sending")) break;
        // Held while the link was down: due again a few seconds on.
        env.clock.advance(6000);
        await runDispatch(env.deps);
        await new Promise((r) => setTimeout(r, 50));
      }
      await until("the session bound again", () => s.bound.size === 1);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      clearInterval(watch);
    }
    expect(most).toBe(1);
    expect(s.bound.size).toBe(1);
    // Bound again after every drop; messages went out between them, and only those caught by a
    // drop while their submit was out are left to a person (how many depends on timing).
    expect(s.binds).toBeGreaterThanOrEqual(6);
    expect(s.parts.length).toBeGreaterThanOrEqual(5);
    const all = await Promise.all(ids.map((id) => statusOf(t, id)));
    // Each message reached the SMSC at most once; those caught by a drop mid-send are "unknown".
    const texts = s.parts.map((p) => p.text);
    expect(new Set(texts).size).toBe(texts.length);
    for (const m of all) {
      expect(["sent", "delivered", "unknown"]).toContain(m.status);
      if (m.status !== "unknown") expect(texts).toContain(m.text);
    }
  });
});
