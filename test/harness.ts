// Test helpers that run on both runtimes (Node and workerd): a workspace with its API key, and
// a small HTTP client over app.request(). Each runtime's setup() is in runtime-node.ts and
// runtime-workers.ts; a shared test file imports it as "test-runtime" (vitest alias per project).
import { createApp } from "../src/app";
import type { Database } from "../src/db/client";
import { ProviderRegistry } from "../src/delivery/registry";
import { type Deps, defaultAppConfig } from "../src/deps";
import { ManualClock } from "../src/lib/clock";
import { IdGenerator } from "../src/lib/ids";
import type { SecretKey } from "../src/lib/secretbox";
import type { DefaultTemplate } from "../src/templates/library";
import type { TenantInput } from "../src/tenants/schemas";
import { createTenant } from "../src/tenants/service";

export type TestEnv = {
  db: Database;
  clock: ManualClock;
  ids: IdGenerator;
  deps: Deps;
  app: ReturnType<typeof createApp>;
};

/** An app over a runtime's fresh database, on a manual clock starting at `start`. */
export function testEnv<D extends Database>(
  db: D,
  opts: { start: string; config: Partial<Deps["config"]>; templates: readonly DefaultTemplate[]; secretKey: SecretKey },
): TestEnv & { db: D } {
  const clock = new ManualClock(opts.start);
  const ids = new IdGenerator(clock);
  const deps: Deps = {
    db,
    clock,
    ids,
    config: { ...defaultAppConfig, ...opts.config },
    defaultTemplates: opts.templates,
    secretKey: opts.secretKey,
    providers: new ProviderRegistry(opts.secretKey, clock),
  };
  return { db, clock, ids, deps, app: createApp(deps) };
}

export async function tenant(env: Pick<TestEnv, "deps" | "app">, overrides: Partial<TenantInput> = {}) {
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

/** A workspace whose default channel is the in-process simulator, receipts at once: the healthy one beside a broken one. */
export async function simulatorTenant(env: Pick<TestEnv, "deps" | "app">, overrides: Partial<TenantInput> = {}) {
  const t = await tenant(env, { locale: "en", ...overrides });
  const ch = await t.client.post("/v1/channels", {
    name: "Sim",
    provider: "simulator",
    config: { receipt_delay_ms: 0 },
    credentials: {},
    default: true,
  });
  if (ch.status !== 201) throw new Error(`simulator channel: ${JSON.stringify(ch.body)}`);
  return t;
}

/** `n` subscribed customers, imported as one CSV file; their ids. */
export async function subscribers(c: Client, n: number): Promise<string[]> {
  const rows = Array.from({ length: n }, (_, i) => `+86138${String(20_000_000 + i)},Member ${i},subscribed`);
  const res = await c.post("/v1/customers/import", ["phone,name,consent", ...rows].join("\n"), {
    "content-type": "text/csv",
  });
  if (res.body?.created !== n) throw new Error(`import: ${JSON.stringify(res.body)}`);
  const ids: string[] = [];
  for (let cursor: string | null = null; ; ) {
    const page: { data: { id: string }[]; next_cursor: string | null } = (
      await c.get(`/v1/customers?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`)
    ).body;
    ids.push(...page.data.map((x: { id: string }) => x.id));
    cursor = page.next_cursor;
    if (!cursor) return ids;
  }
}

export type Client = ReturnType<typeof client>;

/** Small HTTP client over app.request(): real routing, middleware and JSON. */
export function client(env: Pick<TestEnv, "app">, key: string | null) {
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
