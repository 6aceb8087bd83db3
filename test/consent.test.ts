// One writer of consent: an opt-out from any source (the API, the console, an import, the
// customer's STOP, a carrier's opt-out report) writes the ledger and the profile and skips the
// customer's planned marketing at once, in the same way; notifications stay.
import { afterAll, describe, expect, it } from "vitest";
import { runDispatch } from "../src/jobs/dispatch";
import { type SimulatorServer, startSimulatorServer } from "../src/node/simulator-server";
import { csrfOf, form, signIn } from "./console-helpers";
import type { TestEnv } from "./harness";
import { setup } from "./helpers";
import { settle, twoWay } from "./two-way";

const PHONE = "+8613800138000";
const servers: SimulatorServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});

type World = { env: TestEnv; t: Awaited<ReturnType<typeof twoWay>>; customerId: string };

/** A subscribed customer with a birthday promotion and a reminder planned for tomorrow. */
async function world(): Promise<World & { promotion: string; reminder: string }> {
  const env = setup();
  const t = await twoWay(env, { locale: "en", brand_signature: "" });
  const c = await t.client.post("/v1/customers", {
    name: "Emma Li",
    phone: PHONE,
    locale: "en",
    consent: { state: "subscribed", evidence: "front desk form" },
  });
  const tomorrow = new Date(env.clock.now().getTime() + 86_400_000).toISOString();
  const plan = async (kind: string, text: string) =>
    (await t.client.post("/v1/messages", { customer_id: c.body.id, text, kind, send_at: tomorrow })).body.id as string;
  return {
    env,
    t,
    customerId: c.body.id,
    promotion: await plan("marketing", "20% off this week"),
    reminder: await plan("notification", "Your class is tomorrow at 7"),
  };
}

const sources: [string, string, (w: World) => Promise<void>][] = [
  [
    "the API",
    "api",
    async ({ t, customerId }) => {
      const res = await t.client.patch(`/v1/customers/${customerId}`, {
        consent: { state: "unsubscribed", evidence: "asked by phone" },
      });
      expect(res.status).toBe(200);
    },
  ],
  [
    "the console",
    "console",
    async ({ env, t, customerId }) => {
      const cookie = await signIn(env, t.key);
      const fields = { name: "Emma Li", phone: PHONE, consent: "unsubscribed", evidence: "at the desk" };
      const res = await form(
        env,
        `/console/customers/${customerId}`,
        { ...fields, _csrf: await csrfOf(env, cookie) },
        cookie,
      );
      expect(res.status).toBe(303);
    },
  ],
  [
    "an import",
    "import",
    async ({ t }) => {
      const res = await t.client.post("/v1/customers/import", `phone,consent\n${PHONE},no\n`, {
        "content-type": "text/csv",
      });
      expect(res.body).toMatchObject({ updated: 1 });
    },
  ],
  [
    "the customer's STOP",
    "keyword",
    async ({ env, t }) => {
      expect(await t.sms(PHONE, "STOP")).toBe(200);
      await settle(env);
    },
  ],
  [
    "the carrier (Twilio 21610)",
    "provider",
    async ({ env, t, customerId }) => {
      const server = await startSimulatorServer({ optedOut: [PHONE], authToken: "consent-test-token-0000000000" });
      servers.push(server);
      const ch = await t.client.post("/v1/channels", {
        name: "Twilio",
        provider: "twilio",
        config: { account_sid: "ACsimulator000000000000000000000000", from: "+15005550006", base_url: server.url },
        credentials: { auth_token: "consent-test-token-0000000000" },
      });
      expect(ch.status).toBe(201);
      const now = await t.client.post("/v1/messages", {
        customer_id: customerId,
        text: "Your card has shipped",
        kind: "notification",
        channel_id: ch.body.id,
      });
      await runDispatch(env.deps);
      expect((await t.client.get(`/v1/messages/${now.body.id}`)).body).toMatchObject({
        status: "failed",
        reason: "opted_out",
      });
    },
  ],
];

describe("an opt-out, from every source", () => {
  for (const [name, source, optOut] of sources) {
    it(`from ${name}: ledger, profile, planned marketing skipped at once, notifications kept`, async () => {
      const w = await world();
      await optOut(w);
      const { t, env, customerId } = w;
      expect((await t.client.get(`/v1/customers/${customerId}`)).body.consent).toMatchObject({
        state: "unsubscribed",
        source,
      });
      const ledger = await env.db.rawAll<{ state: string; source: string }>(
        "select state, source from consent_events where customer_id = ? order by at, id",
        [customerId],
      );
      expect(ledger.map((e) => [e.state, e.source])).toEqual([
        ["subscribed", "api"],
        ["unsubscribed", source],
      ]);
      expect((await t.client.get(`/v1/messages/${w.promotion}`)).body).toMatchObject({
        status: "skipped",
        reason: "opted_out",
      });
      expect((await t.client.get(`/v1/messages/${w.reminder}`)).body.status).toBe("planned");
    });
  }

  it("a carrier's opt-out, like the customer's STOP, cannot be undone by the API", async () => {
    const w = await world();
    await (sources[4] as (typeof sources)[number])[2](w);
    const res = await w.t.client.patch(`/v1/customers/${w.customerId}`, { consent: { state: "subscribed" } });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("consent.state");
  });
});
