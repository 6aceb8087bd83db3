// The SMPP adapter against a real SMPP server on loopback (the server side of the same
// package), speaking bind_transceiver, submit_sm with UDH, deliver_sm receipts and inbound.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countSegments } from "../src/compose/encoding";
import type { ChannelRow } from "../src/db/schema";
import { httpProviders, ProviderRegistry } from "../src/delivery/registry";
import { runDispatch } from "../src/jobs/dispatch";
import { runInbound } from "../src/jobs/inbound";
import { parseReceipt, SmppProvider } from "../src/node/smpp";
import { setup, tenant } from "./helpers";
import { messagesByReference, TestSmsc } from "./smsc";
import { until } from "./wait";

const smsc = new TestSmsc();
let provider: SmppProvider;

function channel(password = "secret"): [ChannelRow, Record<string, string>] {
  return [
    {
      config: { host: "127.0.0.1", port: smsc.port, system_id: "tidings", source_addr: "1069" },
    } as unknown as ChannelRow,
    { password },
  ];
}

async function waitFor<T>(fn: () => T[], ms = 3000): Promise<T[]> {
  const until = Date.now() + ms;
  let got: T[] = [];
  while (Date.now() < until) {
    got = got.concat(fn());
    if (got.length > 0) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
  return got;
}

beforeAll(async () => {
  await smsc.start();
  provider = new SmppProvider(...channel());
});
afterAll(async () => {
  await provider.close();
  await smsc.close();
});

describe("SMPP adapter", () => {
  it("sends a GSM-7 message in one submit_sm and maps its receipt to delivered", async () => {
    const r = await provider.send({
      ref: "m1",
      to: "+8613800138000",
      from: "",
      text: "Your card has arrived {ok}",
      encoding: "GSM-7",
      segments: 1,
    });
    expect(r).toEqual({ ok: true, providerRef: "SMSC1" });
    expect(smsc.parts.at(-1)).toEqual({
      to: "8613800138000",
      dataCoding: 0,
      udh: null,
      text: "Your card has arrived {ok}",
      registered: 1,
      messageId: "SMSC1",
    });
    expect(await waitFor(() => provider.pollStatus())).toEqual([
      { providerRef: "SMSC1", status: "delivered", detail: "DELIVRD" },
    ]);
    expect(smsc.binds).toBe(1);
  });

  it("sends a 300-character Chinese message as 5 UCS-2 parts with one UDH reference, and gets its receipt", async () => {
    smsc.parts = [];
    const text = "尊敬的客户您好，您的信用卡已寄出，请注意查收。".repeat(13).slice(0, 300);
    expect(countSegments(text).segments).toBe(5);
    const r = await provider.send({ ref: "m2", to: "+8613800138000", from: "", text, encoding: "UCS-2", segments: 5 });
    expect(r.ok).toBe(true);
    expect(smsc.parts).toHaveLength(5);
    // The server sees the concatenation element: IEI 0, length 3, reference, total, sequence.
    const ref = smsc.parts[0]?.udh?.[2];
    smsc.parts.forEach((p, i) => {
      expect(p.dataCoding).toBe(8);
      expect(p.udh).toEqual([0x00, 0x03, ref, 5, i + 1]);
      expect(p.registered).toBe(i === 4 ? 1 : 0);
      expect(p.text.length).toBeLessThanOrEqual(67);
    });
    expect(smsc.parts.map((p) => p.text).join("")).toBe(text);
    if (!r.ok) return;
    const receipts = await waitFor(() => provider.pollStatus());
    expect(receipts).toEqual([{ providerRef: r.providerRef, status: "delivered", detail: "DELIVRD" }]);
  });

  it("slows down when throttled and sends once the SMSC takes it; an invalid number is permanent", async () => {
    smsc.throttleNext = 2;
    const before = smsc.parts.length;
    const started = Date.now();
    expect(
      await provider.send({ ref: "m3", to: "+8613800138000", from: "", text: "x", encoding: "GSM-7", segments: 1 }),
    ).toMatchObject({ ok: true });
    // Refused twice (0x0058), paused 200 ms then 400 ms, taken the third time: once.
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(smsc.parts.length - before).toBe(1);
    expect(
      await provider.send({ ref: "m4", to: "+999123", from: "", text: "x", encoding: "GSM-7", segments: 1 }),
    ).toMatchObject({
      ok: false,
      error: { kind: "permanent", reason: "invalid_number" },
    });
  });

  it("hands inbound deliver_sm to the inbound pipeline, and reconnects after the link drops", async () => {
    smsc.inbound("8613900139000", "TD");
    const got = await waitFor(() => provider.pollInbound());
    expect(got).toMatchObject([{ from: "+8613900139000", to: "1069", text: "TD" }]);
    await until("the SMSC to have its answer", () => smsc.acked === smsc.deliveries.length);
    smsc.dropConnections();
    // The link notices and binds again by itself, with nothing to send.
    await until("a new bind", () => smsc.binds === 2 && provider.status().state === "up");
    const r = await provider.send({
      ref: "m5",
      to: "+8613800138000",
      from: "",
      text: "back",
      encoding: "GSM-7",
      segments: 1,
    });
    expect(r.ok).toBe(true);
    expect(smsc.binds).toBe(2);
  });

  it("an SMPP inbound SMS goes through the same pipeline as a webhook's: TD opts the sender out", async () => {
    const own = new TestSmsc();
    await own.start();
    const env = setup();
    env.deps.providers = new ProviderRegistry(env.deps.secretKey, env.clock, {
      ...httpProviders,
      smpp: (ch, cred, e) => new SmppProvider(ch, cred, e.sink),
    });
    const t = await tenant(env);
    const ch = await t.client.post("/v1/channels", {
      name: "Carrier",
      provider: "smpp",
      config: { host: "127.0.0.1", port: own.port, system_id: "tidings", source_addr: "1069" },
      credentials: { password: "secret" },
      default: true,
    });
    expect(ch.status).toBe(201);
    const c = await t.client.post("/v1/customers", { phone: "+8613900139001", consent: { state: "subscribed" } });
    // The dispatcher's run binds the channel's session, with nothing to send.
    await runDispatch(env.deps);
    await until("the session bound", () => own.bound.size > 0);
    own.inbound("8613900139001", "TD");
    for (let i = 0; i < 100; i++) {
      await runDispatch(env.deps);
      if ((await t.client.get("/v1/inbound")).body.data.length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await runInbound(env.deps);
    expect((await t.client.get("/v1/inbound")).body.data).toMatchObject([
      { from: "+8613900139001", text: "TD", step: "opt_out", outcome: "success", customer_id: c.body.id },
    ]);
    expect((await t.client.get(`/v1/customers/${c.body.id}`)).body.consent.state).toBe("unsubscribed");
    // Stored, then answered with 0.
    expect(own.answers).toEqual([{ key: 1, status: 0 }]);
    await env.deps.providers.close();
    await own.close();
  });

  it("fails to bind with a wrong password: the message waits without spending an attempt", async () => {
    const wrong = new SmppProvider(...channel("nope"));
    const r = await wrong.send({
      ref: "m6",
      to: "+8613800138000",
      from: "",
      text: "x",
      encoding: "GSM-7",
      segments: 1,
    });
    expect(r).toMatchObject({ ok: false, error: { kind: "unavailable", code: "unbound" } });
    expect(r.ok ? "" : r.error.message).toContain("bind_transceiver refused (0x000d)");
    expect(wrong.status()).toMatchObject({ state: "down" });
    await wrong.close();
  });

  it("parses receipt texts, including failures", () => {
    expect(
      parseReceipt("id:abc sub:001 dlvrd:000 submit date:2611231200 done date:2611231201 stat:UNDELIV err:005 text:"),
    ).toEqual({
      providerRef: "abc",
      status: "undelivered",
      errorCode: "005",
      detail: "UNDELIV",
    });
    expect(parseReceipt("hello")).toBeNull();
  });
});

/** A provider of its own against an SMSC of its own, so sequence numbers and references start clean. */
async function ownLink(config: Record<string, unknown> = {}) {
  const own = new TestSmsc();
  await own.start();
  const p = new SmppProvider(
    {
      config: { host: "127.0.0.1", port: own.port, system_id: "tidings", source_addr: "1069", ...config },
    } as unknown as ChannelRow,
    { password: "secret" },
  );
  const done = async () => {
    await p.close();
    await own.close();
  };
  return { own, p, done };
}

describe("SMPP long messages and inbound identity", () => {
  const long = (n: number) => `${n}号客户您好：${"您的信用卡已寄出，请注意查收。".repeat(20)}`.slice(0, 300);

  it("gives every part of a message one reference, and messages in flight different ones", async () => {
    for (const bits of [8, 16] as const) {
      const { own, p, done } = await ownLink(bits === 16 ? { concat_ref_bits: 16 } : {});
      const texts = [1, 2, 3, 4].map(long);
      const sent = await Promise.all(
        texts.map((text, i) =>
          p.send({ ref: `m${i}`, to: "+8613800138000", from: "", text, encoding: "UCS-2", segments: 5 }),
        ),
      );
      expect(sent.every((r) => r.ok)).toBe(true);
      expect(own.parts).toHaveLength(20);
      // IEI 0x00 (8-bit, length 3) or 0x08 (16-bit, length 4).
      expect(new Set(own.parts.map((x) => (x.udh as number[]).slice(0, 2).join(",")))).toEqual(
        new Set([bits === 16 ? "8,4" : "0,3"]),
      );
      // Four references, each holding one whole message: what a handset puts together.
      expect(messagesByReference(own.parts, bits).sort()).toEqual([...texts].sort());
      await done();
    }
  });

  it("never takes two different inbound messages for one, even when a new bind restarts sequence numbers", async () => {
    const { own, p, done } = await ownLink();
    // A send (to a refused number: no receipt) binds the link; the MO is the SMSC's first request.
    await p.send({ ref: "b1", to: "+999123", from: "", text: "x", encoding: "GSM-7", segments: 1 });
    own.inbound("8613900139000", "Is my card coming soon? Need it!!!");
    const first = await waitFor(() => p.pollInbound());
    // Answered before the drop: a real SMSC sends again only what was not.
    await until("the SMSC to have its answer", () => own.acked === 1);
    own.dropConnections();
    await p.send({ ref: "b2", to: "+999123", from: "", text: "x", encoding: "GSM-7", segments: 1 });
    // Same sender, same length, and again the new session's first request.
    own.inbound("8613900139000", "Where is my card? Please help me!!");
    const second = await waitFor(() => p.pollInbound());
    expect([first.length, second.length]).toEqual([1, 1]);
    expect(first[0]?.text.length).toBe(second[0]?.text.length);
    expect(first[0]?.providerMessageId).not.toBe(second[0]?.providerMessageId);
    await done();
  });
});
