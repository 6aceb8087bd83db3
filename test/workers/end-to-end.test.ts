// End to end on workerd: a workspace, customers and a broadcast through the API; the Cron
// Trigger plans it and hands due ids to the queue; the queue consumer sends them through the
// simulator and a signed status callback marks them delivered; then a signed STOP webhook opts a customer
// out and their planned marketing is skipped.
import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hmacBase64 } from "../../src/lib/secretbox";
import { createTenant } from "../../src/tenants/service";
import worker, { type DispatchBatch, depsFor, type WebhookBatch } from "../../src/worker";

const SECRET = "workers-webhook-secret-0123456789";

/** The API as a workspace's key calls it, through the Worker's fetch with these bindings. */
function apiOf(apiKey: string, bindings: unknown) {
  return async (method: string, path: string, body?: unknown) => {
    const res = await worker.fetch(
      new Request(`http://edge.test${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
      bindings,
      createExecutionContext(),
    );
    return { status: res.status, body: (await res.json()) as any };
  };
}

describe("Tidings on Workers", () => {
  it("plans, queues, sends, records receipts, and honours STOP", async () => {
    const { deps } = await depsFor(env);
    const { apiKey } = await createTenant(deps, {
      name: "Edge Bank",
      slug: "edge-bank",
      default_country: "CN",
      time_zone: "Asia/Shanghai",
      locale: "zh-CN",
      brand_signature: "【Edge】",
      quiet_hours: null,
    });
    const api = apiOf(apiKey, env);
    const ch = await api("POST", "/v1/channels", {
      name: "Sim",
      provider: "simulator",
      // Receipts come later, by status callback (as from a real provider).
      config: { from: "+8610690000", receipt_delay_ms: 3_600_000 },
      credentials: { secret: SECRET },
      default: true,
    });
    expect(ch.status).toBe(201);
    const phones = ["+8613800000001", "+8613800000002"];
    const people = [];
    for (const phone of phones) {
      const c = await api("POST", "/v1/customers", { phone, name: "会员", consent: { state: "subscribed" } });
      expect(c.status).toBe(201);
      people.push(c.body.id as string);
    }
    const offer = await api("POST", "/v1/campaigns", {
      name: "Offer",
      kind: "broadcast",
      template: "member_promotion",
      variables: { tierName: "金卡", offer: "八折", validUntil: "2026-12-31", link: "edge.example/o" },
      audience: { all: true },
    });
    expect(offer.status).toBe(201);
    expect((await api("POST", `/v1/campaigns/${offer.body.id}/schedule`, {})).status).toBe(200);

    // The Cron Trigger: plan, then the due ids go to the queue (captured here to drive the consumer).
    const queued: { body: DispatchBatch }[] = [];
    const capture = {
      ...env,
      DISPATCH_QUEUE: { sendBatch: async (m: { body: DispatchBatch }[]) => void queued.push(...m) },
    };
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), capture);
    expect(queued.flatMap((q) => q.body.messages.map((k) => k[1]))).toHaveLength(2);

    const batch = createMessageBatch<DispatchBatch>(
      "tidings-dispatch",
      queued.map((q, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body: q.body })),
    );
    const ctx = createExecutionContext();
    await worker.queue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(queued.map((_, i) => `m${i}`));
    const sent = await api("GET", `/v1/messages?campaign_id=${offer.body.id}`);
    expect(sent.body.data.map((m: any) => m.status)).toEqual(["sent", "sent"]);
    expect(sent.body.data[0].text).toContain("八折");
    // The provider's status callback, signed: both delivered.
    const receipts = JSON.stringify({
      updates: sent.body.data.map((m: any) => ({ providerRef: m.provider_ref, status: "delivered" })),
    });
    const callback = await worker.fetch(
      new Request(`http://edge.test/webhooks/simulator/${ch.body.id}/status`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-simulator-signature": hmacBase64("SHA-256", SECRET, receipts),
        },
        body: receipts,
      }),
      env,
      createExecutionContext(),
    );
    expect(callback.status).toBe(200);
    const done = await api("GET", `/v1/messages?campaign_id=${offer.body.id}`);
    expect(done.body.data.map((m: any) => m.status)).toEqual(["delivered", "delivered"]);
    // The queue may deliver a batch twice: the second time there is nothing left to claim.
    await worker.queue(batch, env);
    expect((await api("GET", `/v1/usage?month=${new Date().toISOString().slice(0, 7)}`)).status).toBe(200);

    // One message through POST /v1/messages is queued as soon as the response is out.
    queued.length = 0;
    const ctxOne = createExecutionContext();
    const one = await worker.fetch(
      new Request("http://edge.test/v1/messages", {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ customer_id: people[1], text: "Your card is on its way", kind: "notification" }),
      }),
      capture,
      ctxOne,
    );
    expect(one.status).toBe(201);
    await waitOnExecutionContext(ctxOne);
    const oneId = ((await one.json()) as { id: string }).id;
    expect(queued.flatMap((q) => q.body.messages.map((k) => k[1]))).toContain(oneId);

    // A second offer in a few minutes: planned. Then the first customer texts STOP.
    const later = await api("POST", "/v1/campaigns", {
      name: "Later offer",
      kind: "broadcast",
      template: "member_promotion",
      variables: { tierName: "金卡", offer: "七折", validUntil: "2026-12-31", link: "edge.example/o" },
      audience: { all: true },
      send_at: new Date(Date.now() + 3 * 60_000).toISOString(),
    });
    await api("POST", `/v1/campaigns/${later.body.id}/schedule`, {});
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), capture);
    const planned = await api("GET", `/v1/messages?campaign_id=${later.body.id}`);
    expect(planned.body.data.map((m: any) => m.status)).toEqual(["planned", "planned"]);

    const body = JSON.stringify({ id: "sim-in-1", from: phones[0], to: "+8610690000", text: "STOP" });
    const ctxHook = createExecutionContext();
    const hook = await worker.fetch(
      new Request(`http://edge.test/webhooks/simulator/${ch.body.id}/inbound`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-simulator-signature": hmacBase64("SHA-256", SECRET, body),
        },
        body,
      }),
      env,
      ctxHook,
    );
    expect(hook.status).toBe(200);
    const forged = await worker.fetch(
      new Request(`http://edge.test/webhooks/simulator/${ch.body.id}/inbound`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-simulator-signature": "bad" },
        body,
      }),
      env,
      createExecutionContext(),
    );
    expect(forged.status).toBe(403);
    // The pipeline runs as soon as the webhook has answered, not at the next Cron Trigger.
    await waitOnExecutionContext(ctxHook);
    const after = await api("GET", `/v1/messages?campaign_id=${later.body.id}&customer_id=${people[0]}`);
    expect(after.body.data[0]).toMatchObject({ status: "skipped", reason: "opted_out" });
    const other = await api("GET", `/v1/messages?campaign_id=${later.body.id}&customer_id=${people[1]}`);
    expect(other.body.data[0].status).toBe("planned");
    const me = await api("GET", `/v1/customers/${people[0]}`);
    expect(me.body.consent.state).toBe("unsubscribed");
  });

  it("hands due webhook deliveries to the queue, whose consumer sends them and records the answer", async () => {
    const queued: { body: DispatchBatch | WebhookBatch }[] = [];
    // A closed port on this machine: refused at once, as an integrator's system that is down.
    const hooks = {
      ...env,
      TIDINGS_WEBHOOKS_ALLOW_PRIVATE: "true",
      DISPATCH_QUEUE: { sendBatch: async (m: { body: DispatchBatch | WebhookBatch }[]) => void queued.push(...m) },
    };
    const { deps } = await depsFor(hooks);
    const { apiKey } = await createTenant(deps, {
      name: "Hook Bank",
      slug: "hook-bank",
      default_country: "CN",
      time_zone: "Asia/Shanghai",
      locale: "zh-CN",
    });
    const api = apiOf(apiKey, hooks);
    const hook = await api("POST", "/v1/webhooks", { url: "http://127.0.0.1:9/events", events: ["*"] });
    expect(hook.status).toBe(201);
    const test = await api("POST", `/v1/webhooks/${hook.body.id}/test`, {});
    expect(test.status).toBe(202);

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), hooks);
    const batches = queued.filter((q): q is { body: WebhookBatch } => "webhooks" in q.body);
    expect(batches.flatMap((q) => q.body.webhooks)).toHaveLength(1);
    const batch = createMessageBatch(
      "tidings-dispatch",
      batches.map((q, i) => ({ id: `w${i}`, timestamp: new Date(), attempts: 1, body: q.body })),
    );
    const ctx = createExecutionContext();
    await worker.queue(batch, hooks);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["w0"]);
    const [delivery] = (await api("GET", `/v1/webhooks/${hook.body.id}/deliveries`)).body.data;
    expect(delivery).toMatchObject({ event_type: "webhook.test", status: "pending", attempts: 1 });
    expect(delivery.response).not.toBeNull();
    // The queue may deliver it twice: the second time it is not due, and nothing is sent.
    await worker.queue(batch, hooks);
    expect((await api("GET", `/v1/webhooks/${hook.body.id}/deliveries`)).body.data[0].attempts).toBe(1);
  });
});
