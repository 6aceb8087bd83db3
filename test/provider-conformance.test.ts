// One suite, every provider (bullmq's adapter-conformance idea): the in-process simulator, the
// simulator provider against the simulator server, and the Twilio adapter against the
// simulator server's Twilio-shaped API, all over real HTTP on loopback.
import { createServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AliyunProvider, classifyAliyunError } from "../src/delivery/aliyun";
import type { InboundSms, SmsProvider, StatusUpdate, WebhookRequest } from "../src/delivery/provider";
import { httpProviders, ProviderRegistry } from "../src/delivery/registry";
import { type SimulatorConfig, SimulatorProvider } from "../src/delivery/simulator";
import { classifyTencentError, TencentProvider } from "../src/delivery/tencent";
import { type TwilioConfig, TwilioProvider, twilioSignature } from "../src/delivery/twilio";
import { runDispatch } from "../src/jobs/dispatch";
import { systemClock } from "../src/lib/clock";
import { hmacBase64 } from "../src/lib/secretbox";
import { nodeHmac } from "../src/node/hmac";
import { type SimulatorServer, startSimulatorServer } from "../src/node/simulator-server";
import { CloudSmsFake } from "./fakes/cloud-sms";
import { simulatorTenant } from "./harness";
import { setup, tenant } from "./helpers";
import { until } from "./wait";

const TOKEN = "conformance-auth-token-000000000";
const SID = "ACconformance0000000000000000000";
const SECRET = "conformance-simulator-secret-0000";
const DEAD_DEADLINE_MS = 1500;

/** Collects whatever providers post to it, as the app's webhook would receive it. */
class Receiver {
  readonly requests: WebhookRequest[] = [];
  private server!: Server;
  origin = "";
  url = "";
  async start() {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        const headers = new Headers(Object.entries(req.headers).map(([k, v]): [string, string] => [k, String(v)]));
        this.requests.push({ url: `${this.origin}${req.url}`, headers, body });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    const a = this.server.address();
    this.origin = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
    this.url = `${this.origin}/hook`;
  }
  close() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

type Harness = {
  name: string;
  make(config: SimulatorConfig, optedOut?: string[]): Promise<SmsProvider>;
  /** Receipts for what was sent: pulled from the provider, or caught by the receiver. */
  receipts(p: SmsProvider): Promise<StatusUpdate[]>;
  /** A signed inbound webhook as this provider would send it. */
  inbound(fields: { id: string; from: string; to: string; text: string }): Promise<WebhookRequest>;
  /** A signed status webhook as this provider would send it. */
  statusWebhook(providerRef: string, status: string): Promise<WebhookRequest>;
  /** What a provider's own message ids look like (Twilio's SM…, by default). */
  ref?: RegExp;
  /** One such id, for a status webhook ("SMabc" by default). */
  sampleRef?: string;
  /** The inbound SMS the provider's webhook says, when it does not carry the fields as given. */
  expectInbound?(f: { id: string; from: string; to: string; text: string }): InboundSms;
  /** Requests that must not pass: by default the body changed and the signature dropped. */
  forgeries?(req: WebhookRequest): WebhookRequest[];
};

const servers: SimulatorServer[] = [];
const receiver = new Receiver();

async function server(config: SimulatorConfig, optedOut: string[] = []) {
  const s = await startSimulatorServer({
    config: { receipt_delay_ms: 5, ...config },
    accountSid: SID,
    authToken: TOKEN,
    secret: SECRET,
    optedOut,
  });
  servers.push(s);
  return s;
}

// Returns as soon as n are in; the deadline only matters on a machine busy with the other test project.
async function waitFor<T>(fn: () => T[], n = 1, ms = 15_000): Promise<T[]> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const got = fn();
    if (got.length >= n) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
  return fn();
}

const simulatorSigned = async (body: string, contentType = "application/json"): Promise<WebhookRequest> => ({
  url: "http://127.0.0.1/webhooks/simulator/chn/x",
  headers: new Headers({ "content-type": contentType, "x-simulator-signature": hmacBase64("SHA-256", SECRET, body) }),
  body,
});

const twilioSigned = async (params: Record<string, string>): Promise<WebhookRequest> => {
  const url = "https://tidings.example/webhooks/twilio/chn_1/inbound";
  return {
    url,
    headers: new Headers({
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": await twilioSignature(TOKEN, url, params),
    }),
    body: new URLSearchParams(params).toString(),
  };
};

const harnesses: Harness[] = [
  {
    name: "simulator (in-process)",
    make: async (config) => new SimulatorProvider(config, systemClock, SECRET),
    receipts: async (p) => p.pollStatus?.() ?? [],
    inbound: (f) => simulatorSigned(JSON.stringify(f)),
    statusWebhook: (ref, status) => simulatorSigned(JSON.stringify({ updates: [{ providerRef: ref, status }] })),
  },
  {
    name: "simulator (remote server)",
    make: async (config) => new SimulatorProvider({ ...config, url: (await server(config)).url }, systemClock, SECRET),
    receipts: async () =>
      (await waitFor(() => receiver.requests.filter((r) => r.headers.get("x-simulator-signature")))).flatMap(
        (r) => (JSON.parse(r.body) as { updates: StatusUpdate[] }).updates,
      ),
    inbound: (f) => simulatorSigned(JSON.stringify(f)),
    statusWebhook: (ref, status) => simulatorSigned(JSON.stringify({ updates: [{ providerRef: ref, status }] })),
  },
  {
    name: "twilio (against the simulator's Twilio API)",
    make: async (config, optedOut) =>
      new TwilioProvider(
        { account_sid: SID, from: "+15005550006", base_url: (await server(config, optedOut)).url },
        TOKEN,
      ),
    receipts: async (p) => {
      const hooks = await waitFor(() => receiver.requests.filter((r) => r.headers.get("x-twilio-signature")), 2);
      for (const h of hooks) expect(await p.verifyRequest(h)).toBe(true);
      return hooks.flatMap((h) => p.parseStatus(h));
    },
    inbound: (f) => twilioSigned({ MessageSid: f.id, From: f.from, To: f.to, Body: f.text, AccountSid: SID }),
    statusWebhook: (ref, status) => twilioSigned({ MessageSid: ref, MessageStatus: status, AccountSid: SID }),
  },
];

// Aliyun and Tencent: loopback fakes that check each call's signature and push reports to the
// channel's keyed status URL. Neither signs callbacks: the key in the URL is what is checked.
const WEBHOOK_KEY = "0f3c2a9d41b7e8c65a0d2e4f6b8c1a3e5d7f9b21";
const fakes: CloudSmsFake[] = [];
async function cloudFake(kind: "aliyun" | "tencent", config: SimulatorConfig, optedOut: string[] = []) {
  const fake = await new CloudSmsFake({
    kind,
    keyId: CLOUD_KEY_ID,
    secret: CLOUD_SECRET,
    reportUrl: `${receiver.url}?key=${WEBHOOK_KEY}&from=${kind}`,
    throttle: config.throttle_rate === 1,
    retryable: config.retryable_rate === 1,
    optedOut,
  }).start();
  fakes.push(fake);
  return fake;
}
const CLOUD_KEY_ID = "LTAI5tConformance0000";
const CLOUD_SECRET = "conformance-cloud-secret-000000";
const keyed = (kind: string, kindOf: "status" | "inbound", items: unknown, key = WEBHOOK_KEY): WebhookRequest => ({
  url: `https://tidings.example/webhooks/${kind}/chn_1/${kindOf}?key=${key}`,
  headers: new Headers({ "content-type": "application/json" }),
  body: JSON.stringify(items),
});
const keyForgeries = (req: WebhookRequest) => [
  { ...req, url: req.url.replace(/key=\w+/, "key=0000") },
  { ...req, url: req.url.replace(/\?key=\w+/, "") },
];
const cloudReceipts = (kind: string) => async (p: SmsProvider) => {
  const hooks = await waitFor(() => receiver.requests.filter((r) => r.url.includes(`from=${kind}`)));
  for (const h of hooks) expect(await p.verifyRequest(h)).toBe(true);
  return hooks.flatMap((h) => p.parseStatus(h));
};
harnesses.push(
  {
    name: "aliyun (against a loopback Dysmsapi)",
    make: async (config) =>
      new AliyunProvider(
        { access_key_id: CLOUD_KEY_ID, sign_name: "北门健身", endpoint: (await cloudFake("aliyun", config)).url },
        CLOUD_SECRET,
        WEBHOOK_KEY,
        () => new Date(),
      ),
    receipts: cloudReceipts("aliyun"),
    inbound: async (f) =>
      keyed("aliyun", "inbound", [
        {
          phone_number: f.from,
          content: f.text,
          sequence_id: f.id,
          dest_code: f.to,
          sign_name: "北门健身",
          send_time: "2026-12-07 09:00:00",
        },
      ]),
    statusWebhook: async (ref, status) => {
      // A reference is the call's BizId and the number, as a report names them.
      const [bizId, phone] = ref.split("#");
      return keyed("aliyun", "status", [{ biz_id: bizId, phone_number: phone, success: status === "delivered" }]);
    },
    ref: /^\d+\^0#\d+$/,
    sampleRef: "900001^0#13800138000",
    forgeries: keyForgeries,
  },
  {
    name: "tencent (against a loopback SMS API)",
    make: async (config, optedOut) =>
      new TencentProvider(
        {
          secret_id: CLOUD_KEY_ID,
          sdk_app_id: "1400787878",
          sign_name: "北门健身",
          endpoint: (await cloudFake("tencent", config, optedOut)).url,
        },
        CLOUD_SECRET,
        WEBHOOK_KEY,
        () => new Date(),
      ),
    receipts: cloudReceipts("tencent"),
    inbound: async (f) =>
      keyed("tencent", "inbound", {
        mobile: f.from.replace("+86", ""),
        nationcode: "86",
        text: f.text,
        time: 1796620541,
        sign: "北门健身",
        extend: "",
      }),
    statusWebhook: async (ref, status) =>
      keyed("tencent", "status", [
        { sid: ref, report_status: status === "delivered" ? "SUCCESS" : "FAIL", errmsg: "DELIVRD" },
      ]),
    ref: /^2028:\d+$/,
    // Tencent gives a reply no id: one is made of the number, the second and the text.
    expectInbound: (f) => ({
      providerMessageId: `${f.from}:1796620541:${f.text.length}:${f.text}`,
      from: f.from,
      to: "",
      text: f.text,
    }),
    forgeries: keyForgeries,
  },
);

beforeAll(() => receiver.start());
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(fakes.map((f) => f.close()));
  await receiver.close();
});

describe.each(harnesses)("provider conformance: $name", (h) => {
  const req = (ref: string, to = "+8613800138000") => ({
    ref,
    to,
    from: "+15005550006",
    text: "Your card ending 1234 has arrived",
    encoding: "GSM-7" as const,
    segments: 1,
    statusCallback: receiver.url,
    // Ignored by providers that send any text; the approved template for those that do not.
    template: { code: "SMS_465001", params: [{ name: "last4", value: "1234" }] },
  });

  it("accepts a message, reports its delivery, and de-duplicates by our reference if it says so", async () => {
    receiver.requests.length = 0;
    const p = await h.make({});
    const first = await p.send(req("msg_conf_1"));
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.providerRef).toMatch(h.ref ?? /^SM[0-9a-f]+/);
    const receipts = await h.receipts(p);
    expect(receipts.filter((r) => r.providerRef === first.providerRef).at(-1)?.status).toBe("delivered");
    const again = await p.send(req("msg_conf_1"));
    if (p.dedupesByRef) expect(again).toEqual(first);
    else expect(again.ok && again.providerRef !== first.providerRef).toBe(true);
  });

  it("classifies errors: invalid number (permanent), throttled, retryable", async () => {
    const bad = await (await h.make({})).send(req("msg_conf_2", "12345"));
    expect(bad).toMatchObject({ ok: false, error: { kind: "permanent", reason: "invalid_number" } });
    const slow = await (await h.make({ throttle_rate: 1 })).send(req("msg_conf_3"));
    expect(slow).toMatchObject({ ok: false, error: { kind: "throttled" } });
    if (!slow.ok) expect(slow.error.retryAfterMs).toBeGreaterThan(0);
    const flaky = await (await h.make({ retryable_rate: 1 })).send(req("msg_conf_4"));
    expect(flaky).toMatchObject({ ok: false, error: { kind: "retryable" } });
  });

  it("verifies signatures on status and inbound webhooks and rejects forgeries", async () => {
    const p = await h.make({});
    const sample = h.sampleRef ?? "SMabc";
    const status = await h.statusWebhook(sample, "delivered");
    expect(await p.verifyRequest(status)).toBe(true);
    expect(p.parseStatus(status)).toEqual([{ providerRef: sample, status: "delivered" }]);
    const inbound = await h.inbound({ id: "SMin1", from: "+8613800138000", to: "+15005550006", text: "退订" });
    expect(await p.verifyRequest(inbound)).toBe(true);
    const f = { id: "SMin1", from: "+8613800138000", to: "+15005550006", text: "退订" };
    expect(p.parseInbound(inbound)).toEqual([
      h.expectInbound?.(f) ?? { providerMessageId: f.id, from: f.from, to: f.to, text: f.text },
    ]);
    const forgeries = h.forgeries?.(inbound) ?? [
      { ...inbound, body: inbound.body.replace(/SMin1/, "SMin2") },
      { ...inbound, headers: new Headers() },
    ];
    for (const forged of forgeries) expect(await p.verifyRequest(forged)).toBe(false);
  });
});

describe("webhook signatures", () => {
  it("are standard HMACs (RFC 4231 and RFC 2202 vectors), the same for every call with a secret", () => {
    const data = "what do ya want for nothing?";
    expect(hmacBase64("SHA-256", "Jefe", data)).toBe("W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    expect(hmacBase64("SHA-1", "Jefe", data)).toBe("7/zfauXrL6LSdBbV8YTfnCWafHk=");
    // The keyed state is reused: a second text does not carry the first one along.
    expect(hmacBase64("SHA-256", "Jefe", "")).not.toBe(hmacBase64("SHA-256", "Jefe", data));
    expect(hmacBase64("SHA-256", "Jefe", data)).toBe("W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
  });

  it("are the same from node:crypto (the Node edge's) as from the pure-JS HMAC (the Worker's)", async () => {
    const data = "what do ya want for nothing?";
    expect(nodeHmac("SHA-256", "Jefe", data)).toBe("W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    expect(nodeHmac("SHA-1", "Jefe", data)).toBe("7/zfauXrL6LSdBbV8YTfnCWafHk=");
    // Keys and texts beyond ASCII are UTF-8 in both.
    for (const [secret, text] of [
      ["密钥-🔑", '{"text":"退订 ｓｔｏｐ 👍"}'],
      ["k".repeat(100), "x".repeat(5000)],
    ] as const) {
      for (const hash of ["SHA-1", "SHA-256"] as const) {
        expect(nodeHmac(hash, secret, text)).toBe(hmacBase64(hash, secret, text));
      }
    }
    // A provider given node:crypto's accepts what the pure-JS one signed.
    const body = JSON.stringify({ id: "m1", from: "+8613800138000", to: "+8610690000", text: "激活1234" });
    const p = new SimulatorProvider({}, systemClock, SECRET, nodeHmac);
    const req = {
      url: "http://x/",
      headers: new Headers({ "x-simulator-signature": hmacBase64("SHA-256", SECRET, body) }),
      body,
    };
    expect(await p.verifyRequest(req)).toBe(true);
    expect(await p.verifyRequest({ ...req, body: body.replace("1234", "1235") })).toBe(false);
  });
});

describe("twilio specifics", () => {
  it("maps 21610 to an opt-out and signs callbacks over the exact URL", async () => {
    const s = await server({}, ["+8613900139000"]);
    const p = new TwilioProvider(
      { account_sid: SID, from: "MG0000000000000000000000000000000", base_url: s.url },
      TOKEN,
    );
    const r = await p.send({
      ref: "m1",
      to: "+8613900139000",
      from: "",
      text: "Offer",
      encoding: "GSM-7",
      segments: 1,
    });
    expect(r).toMatchObject({ ok: false, error: { kind: "permanent", reason: "opted_out", code: "21610" } });
    // A messaging service SID goes as MessagingServiceSid, not From.
    expect(s.twilioRequests.at(-1)).toMatchObject({
      MessagingServiceSid: "MG0000000000000000000000000000000",
      To: "+8613900139000",
    });
    const wrong = new TwilioProvider({ account_sid: SID, from: "+1500", base_url: s.url }, "not-the-token-0000000");
    expect(
      await wrong.send({ ref: "m2", to: "+8613800138000", from: "", text: "x", encoding: "GSM-7", segments: 1 }),
    ).toMatchObject({
      ok: false,
      error: { kind: "permanent" },
    });
    const signed = await twilioSigned({ MessageSid: "SM1", MessageStatus: "delivered" });
    expect(await p.verifyRequest({ ...signed, url: `${signed.url}?x=1` })).toBe(false);
  });
});

describe("a provider that never answers (rule 10)", () => {
  it("holds a send only until its deadline, then says what that means for sending again", async () => {
    // Accepts the connection and the request, then says nothing, as a hung gateway does.
    const sockets = new Set<import("node:net").Socket>();
    const silent = createNetServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const send = (p: SmsProvider) =>
        p.send({ ref: "m_silent", to: "+8613800138000", from: "", text: "x", encoding: "GSM-7", segments: 1 });
      const started = Date.now();
      const twilio = await send(
        new TwilioProvider({ account_sid: SID, from: "+15005550006", base_url: url }, TOKEN, hmacBase64, 300),
      );
      // Twilio cannot be asked to send the same message once: it may have gone, a person checks.
      expect(twilio).toMatchObject({ ok: false, error: { kind: "unknown_outcome", code: "timeout" } });
      const sim = await send(new SimulatorProvider({ url }, systemClock, SECRET, hmacBase64, 300));
      // The simulator de-duplicates by our reference: sending again is safe.
      expect(sim).toMatchObject({ ok: false, error: { kind: "retryable", code: "timeout" } });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(sockets.size).toBeGreaterThanOrEqual(2);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe("a dead provider in the dispatcher (rule 10)", () => {
  it("holds only its own channel's messages, then rests the channel and says so", async () => {
    const sockets = new Set<import("node:net").Socket>();
    const silent = createNetServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const env = setup();
    // Twilio as registered, with a deadline a test can wait for.
    env.deps.providers = new ProviderRegistry(env.deps.secretKey, env.clock, {
      ...httpProviders,
      twilio: (ch, cred, e) =>
        new TwilioProvider(ch.config as TwilioConfig, cred.auth_token ?? "", e.hmac, DEAD_DEADLINE_MS),
    });
    try {
      const dead = await tenant(env, { locale: "en" });
      const channel = await dead.client.post("/v1/channels", {
        name: "Twilio",
        provider: "twilio",
        config: { account_sid: SID, from: "+15005550006", base_url: url },
        credentials: { auth_token: TOKEN },
        default: true,
      });
      const live = await simulatorTenant(env);
      const queue = async (t: typeof dead, phone: string, text: string) => {
        const c = await t.client.post("/v1/customers", { phone, consent: { state: "subscribed" } });
        return (await t.client.post("/v1/messages", { customer_id: c.body.id, text, kind: "notification" })).body
          .id as string;
      };
      const get = async (t: typeof dead, id: string) => (await t.client.get(`/v1/messages/${id}`)).body;
      const stuck = await queue(dead, "+8613800138000", "Your card is on its way");
      const fine = await queue(live, "+8613800138001", "Welcome to the gym");
      const run = runDispatch(env.deps);
      // The other workspace's message is recorded while the dead provider still holds its own.
      await until("the simulator message sent", async () => (await get(live, fine)).status !== "queued", 1500);
      expect((await get(dead, stuck)).status).toBe("sending");
      await run;
      expect(await get(dead, stuck)).toMatchObject({ status: "unknown", reason: "provider_error" });
      // The channel rests: the next message waits without a try, and the channel says why.
      const next = await queue(dead, "+8613800138002", "Your PIN guide");
      const started = Date.now();
      await runDispatch(env.deps);
      expect(Date.now() - started).toBeLessThan(DEAD_DEADLINE_MS);
      expect(await get(dead, next)).toMatchObject({ status: "queued", reason: "channel_down", attempts: 0 });
      const health = (await dead.client.get(`/v1/channels/${channel.body.id}`)).body.health;
      expect(health).toMatchObject({ link: "down", waiting: 1 });
      expect(health.last_error).toMatch(/^timeout: /);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe("aliyun and tencent specifics", () => {
  const req = { ref: "m1", to: "+8613900139000", from: "", text: "x", encoding: "GSM-7" as const, segments: 1 };
  const template = { code: "SMS_465001", params: [{ name: "name", value: "王芳" }] };

  it("maps Tencent's blacklist (the person replied 退订) to an opt-out, and a wrong key to a refusal", async () => {
    const fake = await cloudFake("tencent", {}, ["+8613900139000"]);
    const config = { secret_id: CLOUD_KEY_ID, sdk_app_id: "1400787878", sign_name: "北门健身", endpoint: fake.url };
    const p = new TencentProvider(config, CLOUD_SECRET, WEBHOOK_KEY, () => new Date());
    expect(await p.send({ ...req, template })).toMatchObject({
      ok: false,
      error: { kind: "permanent", reason: "opted_out", code: "FailedOperation.PhoneNumberInBlacklist" },
    });
    const wrong = new TencentProvider(config, "not-the-secret-key-000000", WEBHOOK_KEY, () => new Date());
    expect(await wrong.send({ ...req, to: "+8613800138000", template })).toMatchObject({
      ok: false,
      error: { kind: "permanent", code: "AuthFailure.SignatureFailure" },
    });
    // Without a template nothing is called.
    const before = fake.refused.length + fake.sends.length;
    expect(await p.send(req)).toMatchObject({ ok: false, error: { code: "no_template" } });
    expect(fake.refused.length + fake.sends.length).toBe(before);
  });

  it("refuses a template Aliyun did not approve, and sends mainland numbers as 11 digits", async () => {
    const fake = await new CloudSmsFake({
      kind: "aliyun",
      keyId: CLOUD_KEY_ID,
      secret: CLOUD_SECRET,
      approved: ["SMS_465001"],
    }).start();
    fakes.push(fake);
    const p = new AliyunProvider(
      { access_key_id: CLOUD_KEY_ID, sign_name: "北门健身", endpoint: fake.url },
      CLOUD_SECRET,
      WEBHOOK_KEY,
      () => new Date(),
    );
    expect(await p.send({ ...req, template: { ...template, code: "SMS_999" } })).toMatchObject({
      ok: false,
      error: { kind: "permanent", reason: "rejected", code: "isv.SMS_TEMPLATE_ILLEGAL" },
    });
    expect(await p.send({ ...req, template })).toMatchObject({ ok: true });
    expect(fake.sends.at(-1)).toMatchObject({ phone: "13900139000", params: { name: "王芳" } });
  });

  it("answers sends still waiting to share a call, when it stops, as not sent", async () => {
    const fake = await cloudFake("tencent", {});
    const config = { secret_id: CLOUD_KEY_ID, sdk_app_id: "1400787878", sign_name: "北门健身", endpoint: fake.url };
    const p = new TencentProvider(config, CLOUD_SECRET, WEBHOOK_KEY, () => new Date());
    const waiting = p.send({ ...req, template });
    await p.close();
    expect(await waiting).toMatchObject({ ok: false, error: { kind: "unavailable", code: "not_sent" } });
    expect(fake.sends).toEqual([]);
  });

  it("classifies limits per number (deferred), throttling (slowed) and an empty account (held)", () => {
    // The day's and month's limits set in Aliyun's console are the account's.
    expect(classifyAliyunError(200, "isv.DAY_LIMIT_CONTROL", "")).toMatchObject({ kind: "unavailable" });
    expect(classifyAliyunError(200, "isv.BUSINESS_LIMIT_CONTROL", "")).toMatchObject({
      kind: "throttled",
      retryAfterMs: 3_600_000,
    });
    expect(classifyAliyunError(400, "Throttling.User", "")).toMatchObject({ kind: "throttled", retryAfterMs: 1000 });
    expect(classifyAliyunError(200, "isv.AMOUNT_NOT_ENOUGH", "")).toMatchObject({ kind: "unavailable" });
    expect(classifyTencentError(200, "LimitExceeded.PhoneNumberThirtySecondLimit", "")).toMatchObject({
      kind: "throttled",
      retryAfterMs: 30_000,
    });
    expect(classifyTencentError(200, "FailedOperation.InsufficientBalanceInSmsPackage", "")).toMatchObject({
      kind: "unavailable",
    });
    expect(classifyTencentError(200, "InvalidParameterValue.IncorrectPhoneNumber", "")).toMatchObject({
      reason: "invalid_number",
    });
    // A timeout inside the provider, or a gateway's, may have sent it: never sent again blindly.
    expect(classifyTencentError(200, "InternalError.Timeout", "")).toMatchObject({ kind: "unknown_outcome" });
    expect(classifyTencentError(200, "InternalError.OtherError", "")).toMatchObject({ kind: "retryable" });
    expect(classifyAliyunError(504, "", "Gateway Timeout")).toMatchObject({ kind: "unknown_outcome" });
    expect(classifyAliyunError(500, "isp.SYSTEM_ERROR", "")).toMatchObject({ kind: "retryable" });
  });
});
