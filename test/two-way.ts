// Helpers for two-way tests: a workspace with a simulator channel whose webhook secret we know,
// signed inbound webhooks, and a settle() that runs the pipeline and the dispatcher.

import { expect } from "vitest";
import { runDispatch } from "../src/jobs/dispatch";
import { runInbound } from "../src/jobs/inbound";
import { hmacBase64 } from "../src/lib/secretbox";
import { type Client, type TestEnv, tenant } from "./harness";

export const SECRET = "test-webhook-secret-0123456789";
export const SERVICE = "+8610690000";

export async function twoWay(env: TestEnv, overrides: Record<string, unknown> = {}) {
  const t = await tenant(env, overrides);
  const ch = await t.client.post("/v1/channels", {
    name: "Sim",
    provider: "simulator",
    config: { from: SERVICE },
    credentials: { secret: SECRET },
    default: true,
  });
  expect(ch.status).toBe(201);
  let n = 0;
  /** Posts a signed inbound webhook, as the provider would. */
  const sms = async (from: string, text: string, opts: { to?: string; id?: string } = {}) => {
    const body = JSON.stringify({ id: opts.id ?? `in-${++n}-${Math.random()}`, from, to: opts.to ?? SERVICE, text });
    const res = await env.app.request(`/webhooks/simulator/${ch.body.id}/inbound`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-simulator-signature": hmacBase64("SHA-256", SECRET, body),
      },
      body,
    });
    return res.status;
  };
  return { ...t, channel: ch.body, sms };
}

/** Runs the inbound pipeline, then sends what it queued. */
export async function settle(env: TestEnv) {
  const handled = await runInbound(env.deps);
  await runDispatch(env.deps);
  return handled;
}

export async function customer(c: Client, body: Record<string, unknown>) {
  const res = await c.post("/v1/customers", { consent: { state: "subscribed" }, ...body });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

/** The texts sent to a customer (or staff member), oldest first. */
export async function textsTo(c: Client, customerId: string): Promise<string[]> {
  const res = await c.get(`/v1/messages?customer_id=${customerId}&limit=500`);
  return (res.body.data as any[])
    .filter((m) => m.status === "delivered" || m.status === "sent")
    .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1))
    .map((m) => m.text as string);
}

/** The latest inbound message in the log. */
export async function lastInbound(c: Client) {
  return (await c.get("/v1/inbound?limit=1")).body.data[0];
}
