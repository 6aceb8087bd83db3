// The SMPP adapter against a real SMPP server on loopback (the server side of the same
// package), speaking bind_transceiver, submit_sm with UDH, deliver_sm receipts and inbound.
import type { AddressInfo, Server } from "node:net";
import * as smpp from "smpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countSegments } from "../src/compose/encoding";
import type { ChannelRow } from "../src/db/schema";
import { httpProviders, ProviderRegistry } from "../src/delivery/registry";
import { runDispatch } from "../src/jobs/dispatch";
import { runInbound } from "../src/jobs/inbound";
import { parseReceipt, SmppProvider } from "../src/node/smpp";
import { setup, tenant } from "./helpers";

type Part = { to: string; dataCoding: number; udh: number[] | null; text: string; registered: number };

class FakeSmsc {
  server!: Server;
  port = 0;
  parts: Part[] = [];
  binds = 0;
  throttleNext = 0;
  sessions: smpp.Session[] = [];
  private nextId = 1;

  async start() {
    this.server = smpp.createServer((session) => {
      this.sessions.push(session);
      session.on("bind_transceiver", (pdu) => {
        this.binds++;
        const ok = pdu.system_id === "tidings" && pdu.password === "secret";
        session.send(pdu.response(ok ? {} : { command_status: smpp.ESME_RBINDFAIL }));
      });
      session.on("enquire_link", (pdu) => session.send(pdu.response()));
      session.on("unbind", (pdu) => {
        session.send(pdu.response());
        session.close();
      });
      session.on("submit_sm", (pdu) => {
        if (this.throttleNext > 0) {
          this.throttleNext--;
          session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
          return;
        }
        if (String(pdu.destination_addr).startsWith("999")) {
          session.send(pdu.response({ command_status: smpp.ESME_RINVDSTADR }));
          return;
        }
        const sm = pdu.short_message as { message: string; udh?: Buffer[] };
        const id = `SMSC${this.nextId++}`;
        this.parts.push({
          to: String(pdu.destination_addr),
          dataCoding: Number(pdu.data_coding),
          udh: sm.udh?.[0] ? [...sm.udh[0]] : null,
          text: sm.message,
          registered: Number(pdu.registered_delivery),
        });
        session.send(pdu.response({ message_id: id }));
        if (Number(pdu.registered_delivery) === 1) {
          setTimeout(() => {
            session.deliver_sm({
              source_addr: String(pdu.destination_addr),
              destination_addr: "1069",
              esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
              short_message: `id:${id} sub:001 dlvrd:001 submit date:2611231200 done date:2611231201 stat:DELIVRD err:000 text:`,
            });
          }, 5);
        }
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** An inbound SMS from a handset, as the SMSC delivers it. */
  inbound(from: string, text: string) {
    this.sessions.at(-1)?.deliver_sm({ source_addr: from, destination_addr: "1069", short_message: text });
  }

  dropConnections() {
    for (const s of this.sessions) s.destroy();
    this.sessions = [];
  }

  close() {
    this.dropConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

const smsc = new FakeSmsc();
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

  it("classifies refusals: throttled, invalid number", async () => {
    smsc.throttleNext = 1;
    expect(
      await provider.send({ ref: "m3", to: "+8613800138000", from: "", text: "x", encoding: "GSM-7", segments: 1 }),
    ).toMatchObject({
      ok: false,
      error: { kind: "throttled", code: "0x0058" },
    });
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
    smsc.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
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
    const env = setup();
    env.deps.providers = new ProviderRegistry(env.deps.secretKey, env.clock, {
      ...httpProviders,
      smpp: (ch, cred) => new SmppProvider(ch, cred),
    });
    const t = await tenant(env);
    const ch = await t.client.post("/v1/channels", {
      name: "Carrier",
      provider: "smpp",
      config: { host: "127.0.0.1", port: smsc.port, system_id: "tidings", source_addr: "1069" },
      credentials: { password: "secret" },
      default: true,
    });
    expect(ch.status).toBe(201);
    const c = await t.client.post("/v1/customers", { phone: "+8613900139001", consent: { state: "subscribed" } });
    // A first send opens the session the SMSC delivers inbound messages on.
    await t.client.post("/v1/messages", { customer_id: c.body.id, text: "Welcome", kind: "notification" });
    await runDispatch(env.deps);
    smsc.inbound("8613900139001", "TD");
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
    await env.deps.providers.close();
  });

  it("fails to bind with a wrong password, as a retryable error (nothing was sent)", async () => {
    const wrong = new SmppProvider(...channel("nope"));
    expect(
      await wrong.send({ ref: "m6", to: "+8613800138000", from: "", text: "x", encoding: "GSM-7", segments: 1 }),
    ).toMatchObject({
      ok: false,
      error: { kind: "retryable", code: "connect" },
    });
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
  const own = new FakeSmsc();
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

/** Parts grouped by their concatenation reference, each group's text in part order. */
function messagesByReference(parts: Part[], bits: 8 | 16) {
  const by = new Map<number, Part[]>();
  for (const part of parts) {
    const u = part.udh as number[];
    const ref = bits === 16 ? (u[2] as number) * 256 + (u[3] as number) : (u[2] as number);
    by.set(ref, [...(by.get(ref) ?? []), part]);
  }
  return [...by.values()].map((ps) =>
    ps
      .sort((a, b) => (a.udh?.at(-1) as number) - (b.udh?.at(-1) as number))
      .map((p) => p.text)
      .join(""),
  );
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
    own.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
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
