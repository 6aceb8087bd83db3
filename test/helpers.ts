import { createApp } from "../src/app";
import { ProviderRegistry } from "../src/delivery/registry";
import { type Deps, defaultAppConfig } from "../src/deps";
import { ManualClock } from "../src/lib/clock";
import { IdGenerator } from "../src/lib/ids";
import { importSecretKey, newSecretKeyBase64 } from "../src/lib/secretbox";
import { migrateDatabase, openDatabase } from "../src/node/db";
import { loadDefaultTemplates } from "../src/node/templates";
import type { TenantInput } from "../src/tenants/schemas";
import { createTenant } from "../src/tenants/service";

const shipped = loadDefaultTemplates();
const secretKey = await importSecretKey(newSecretKeyBase64());

/** A fresh in-memory database with the migrations applied, and an app over it. */
export function setup(start = "2026-11-23T04:00:00Z") {
  const db = openDatabase(":memory:");
  migrateDatabase(db);
  const clock = new ManualClock(start);
  const ids = new IdGenerator(clock);
  const providers = new ProviderRegistry(secretKey, clock);
  const deps: Deps = {
    db,
    clock,
    ids,
    config: { ...defaultAppConfig },
    defaultTemplates: shipped,
    secretKey,
    providers,
  };
  const app = createApp(deps);
  return { db, clock, ids, deps, app };
}

export type TestEnv = ReturnType<typeof setup>;

export async function tenant(env: TestEnv, overrides: Partial<TenantInput> = {}) {
  const slug = overrides.slug ?? `t${Math.random().toString(36).slice(2, 10)}`;
  const { tenant, apiKey } = await createTenant(env.deps, {
    name: "Test Gym",
    slug,
    default_country: "CN",
    time_zone: "Asia/Shanghai",
    locale: "zh-CN",
    brand_signature: "【Test Gym】",
    ...overrides,
  });
  return { tenant, key: apiKey, client: client(env, apiKey) };
}

export type Client = ReturnType<typeof client>;

/** Small HTTP client over app.request(): real routing, middleware and JSON. */
export function client(env: TestEnv, key: string | null) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const h: Record<string, string> = { ...headers };
    if (key) h.authorization = `Bearer ${key}`;
    let payload: BodyInit | undefined;
    if (typeof body === "string") payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    const res = await env.app.request(path, { method, headers: h, body: payload });
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, body: json, headers: res.headers };
  };
  return {
    get: (p: string, h?: Record<string, string>) => call("GET", p, undefined, h),
    post: (p: string, b?: unknown, h?: Record<string, string>) => call("POST", p, b, h),
    put: (p: string, b?: unknown, h?: Record<string, string>) => call("PUT", p, b, h),
    patch: (p: string, b?: unknown, h?: Record<string, string>) => call("PATCH", p, b, h),
    delete: (p: string, b?: unknown, h?: Record<string, string>) => call("DELETE", p, b, h),
  };
}
