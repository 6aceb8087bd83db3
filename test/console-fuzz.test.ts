// Every console page, reached by following the console's own links from its home page, read
// with fuzzed query strings and path ids; and every form found on those pages posted with fuzzed
// fields (and the session's CSRF token, so the handler is reached). Nothing answers 5xx.

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seedDemo } from "../src/demo/seed";
import { runPlan } from "../src/jobs/plan";
import { hmacBase64 } from "../src/lib/secretbox";
import { csrfOf, ORIGIN, signIn } from "./console-helpers";
import { GARBAGE } from "./fuzz-gen";
import { client, setup } from "./helpers";
import { SECRET, SERVICE, settle } from "./two-way";

/** The demo gym, with what the demo lacks: campaigns of two kinds, a template and an open inbox. */
async function workspace() {
  const env = setup();
  const demo = await seedDemo(env.deps);
  const api = client(env, demo.apiKey);
  const ok = async (p: Promise<{ status: number; body: any }>) => {
    const res = await p;
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  const channel = await ok(
    api.post("/v1/channels", {
      name: "Sim",
      provider: "simulator",
      config: { from: SERVICE },
      credentials: { secret: SECRET },
    }),
  );
  await ok(
    api.post("/v1/templates", { key: "promo", locale: "zh-CN", kind: "marketing", source: "{{name}}: 10% off" }),
  );
  const promo = await ok(
    api.post("/v1/campaigns", { name: "Promo", kind: "broadcast", template: "promo", audience: { groups: ["01"] } }),
  );
  await ok(api.post(`/v1/campaigns/${promo.id}/schedule`, {}));
  await ok(api.post("/v1/campaigns", { name: "Draft", kind: "broadcast", template: "promo", audience: { all: true } }));
  await ok(
    api.post("/v1/campaigns", {
      name: "After delivery",
      kind: "after_delivery",
      template: "promo",
      after_delivery: { item_kind: "membership_kit" },
    }),
  );
  await runPlan(env.deps);
  const customers = (await ok(api.get("/v1/customers?limit=3"))).data as { phone: string }[];
  for (const [i, c] of customers.entries()) {
    const body = JSON.stringify({
      id: `in-${i}`,
      from: c.phone,
      to: SERVICE,
      text: ["Is the pool open?", "The shower is broken", "YOGA"][i],
    });
    await env.app.request(`/webhooks/simulator/${channel.id}/inbound`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-simulator-signature": hmacBase64("SHA-256", SECRET, body) },
      body,
    });
  }
  await settle(env);
  const readKey = (await ok(api.post("/v1/api-keys", { name: "viewer", scope: "read" }))).key as string;
  const sessions: Record<string, string> = { admin: await signIn(env, demo.apiKey), read: await signIn(env, readKey) };
  const csrf: Record<string, string> = {
    admin: await csrfOf(env, sessions.admin as string),
    read: await csrfOf(env, sessions.read as string),
  };
  return { env, sessions, csrf };
}

const ID = /\b[a-z]{3}_[0-9A-HJKMNP-TV-Z]{26}\b/;
const decode = (s: string) =>
  s
    .replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

type Page = { path: string; params: Record<string, string> };
type Form = { action: string; multipart: boolean; fields: Record<string, string> };

/** The console's pages and forms, found by following its links from the home page. */
async function crawl(ws: Awaited<ReturnType<typeof workspace>>) {
  const pages = new Map<string, Page>();
  const forms = new Map<string, Form>();
  const queue = ["/console"];
  const seen = new Set<string>();
  const visits = new Map<string, number>();
  while (queue.length && seen.size < 100) {
    const url = queue.shift() as string;
    const u = new URL(url, ORIGIN);
    // A few of each page (a customer's page stands for all of them) and of each set of
    // parameters: a draft campaign's page and a running one's differ.
    const shape = u.pathname.replace(ID, "{id}");
    const key = `${shape}?${[...u.searchParams.keys()].sort().join("&")}`;
    if (seen.has(url) || (visits.get(key) ?? 0) >= 3) continue;
    seen.add(url);
    visits.set(key, (visits.get(key) ?? 0) + 1);
    const res = await ws.env.app.request(`${ORIGIN}${url}`, { headers: { cookie: ws.sessions.admin as string } });
    if (res.status !== 200 || !res.headers.get("content-type")?.includes("html")) continue;
    const html = await res.text();
    const page = pages.get(shape) ?? { path: u.pathname, params: {} };
    for (const [k, v] of u.searchParams) page.params[k] ??= v;
    for (const m of html.matchAll(/<form([^>]*)>([\s\S]*?)<\/form>/g)) {
      const attrs = m[1] as string;
      const action = decode(/action="([^"]*)"/.exec(attrs)?.[1] ?? u.pathname);
      const fields: Record<string, string> = {};
      for (const f of (m[2] as string).matchAll(/<(?:input|select|textarea)([^>]*)>/g)) {
        const name = /name="([^"]+)"/.exec(f[1] as string)?.[1];
        if (name) fields[name] ??= decode(/value="([^"]*)"/.exec(f[1] as string)?.[1] ?? "");
      }
      if (/method="get"/i.test(attrs)) {
        for (const [k, v] of Object.entries(fields)) page.params[k] ??= v;
        continue;
      }
      const key = `${action.replace(ID, "{id}")} ${Object.keys(fields).sort().join(",")}`;
      if (!forms.has(key)) forms.set(key, { action, multipart: /multipart/.test(attrs), fields });
    }
    pages.set(shape, page);
    // Links, and the URLs a page's scripts fetch (a live count, a running campaign's stats).
    for (const m of html.matchAll(/["'](\/console[^"'#\s<>]*)/g)) queue.push(decode(m[1] as string));
  }
  return { pages: [...pages.values()], forms: [...forms.values()] };
}

// What a person (or a link from elsewhere) might put in a form field or a query value.
const VALUES = [
  "",
  " ",
  "x",
  "99",
  "0",
  "-1",
  "1.5",
  "1e309",
  "NaN",
  "null",
  "on",
  "\u0000",
  "a\u0000b",
  "😀 王芳",
  "\u202e",
  "x".repeat(70),
  "x".repeat(201),
  "x".repeat(3000),
  "2026-13-45",
  "2026-02-30T25:61",
  "25:99",
  "<script>alert(1)</script>",
  "{{constructor}}",
  "../../v1/tenant",
  "/console/../admin",
  "https://evil.example/",
  "grp_00000000000000000000000000",
  "01",
];
const value = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VALUES) },
  fc.string({ unit: "binary", maxLength: 100 }),
);
// Raw query values, already encoded as a browser would (or would not).
const rawValue = fc.oneof(fc.constantFrom(...GARBAGE), value.map(encodeURIComponent));

// Sampled cases per page and per form, beyond the boundary cases. FUZZ_RUNS=200 looks harder.
const RUNS = Number(process.env.FUZZ_RUNS ?? 15);
const ws = await workspace();
const { pages, forms } = await crawl(ws);
// Parameters any page might be sent: every one seen on any page, and those a page reads that
// a small workspace's pages may not link to (the next page of a list, a live fragment).
const EXTRA = ["cursor", "fragment", "next", "limit"];
const ALL_PARAMS = [...new Set([...pages.flatMap((p) => Object.keys(p.params)), ...EXTRA])];

/** A path with its id, if it has one, sometimes replaced by garbage. */
const pathOf = (path: string) =>
  ID.test(path)
    ? fc.oneof(
        fc.constant(path),
        rawValue.map((v) => path.replace(ID, v || "x")),
      )
    : fc.constant(path);

describe("console fuzz", () => {
  const logged: unknown[][] = [];
  beforeAll(() => void vi.spyOn(console, "error").mockImplementation((...args) => void logged.push(args)));
  afterAll(() => vi.restoreAllMocks());

  it("finds the console's pages and forms", () => {
    expect(pages.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        "/console",
        "/console/customers",
        "/console/activation",
        "/console/settings",
        "/console/inbox",
      ]),
    );
    expect(forms.length).toBeGreaterThan(15);
  });

  /** Sends a request in a transaction rolled back after it, so every case starts alike. */
  async function send(scope: string, path: string, init: RequestInit = {}) {
    logged.length = 0;
    const db = ws.env.db.sqlite;
    db.exec("savepoint fuzz");
    try {
      const headers = {
        cookie: ws.sessions[scope] as string,
        origin: ORIGIN,
        ...(init.headers as Record<string, string>),
      };
      const res = await ws.env.app.request(`${ORIGIN}${path}`, { ...init, headers });
      await res.arrayBuffer();
      return res.status;
    } finally {
      db.exec("rollback to fuzz; release fuzz");
    }
  }

  function expectNoServerError(status: number, what: string) {
    if (status < 500) return;
    const err = logged.flat().find((x): x is Error => x instanceof Error);
    const frames = (err?.stack ?? "")
      .split("\n")
      .filter((l) => l.includes("/src/"))
      .slice(0, 3);
    // The console's own refusal of an API answer carries the API's words.
    const api = (err as { body?: { error?: { message?: string } } } | undefined)?.body?.error?.message;
    throw new Error(
      [
        `${what} → ${status}`,
        err && `${err.name}: ${err.message}${api ? ` (${api})` : ""}`,
        ...frames.map((l) => `  ${l.trim()}`),
      ]
        .filter(Boolean)
        .join("\n"),
    );
  }

  for (const page of pages) {
    it(`GET ${page.path.replace(ID, "{id}")}`, async () => {
      const own = Object.keys(page.params);
      const names = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...(own.length ? own : ALL_PARAMS)) },
        fc.constantFrom(...ALL_PARAMS),
      );
      const seen = Object.values(page.params).map(encodeURIComponent);
      const values = seen.length ? fc.oneof(rawValue, fc.constantFrom(...seen)) : rawValue;
      const query = fc
        .array(fc.tuple(names, values), { maxLength: 5 })
        .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&"));
      const request = fc.record({ scope: fc.constantFrom("admin", "admin", "read"), path: pathOf(page.path), query });
      // Each of the page's own parameters (and the extras) at a few values, and its id at a few,
      // first; then sampled queries.
      type Get = [{ scope: string; path: string; query: string }];
      const ids = ID.test(page.path)
        ? ["x".repeat(70), "%00", "%F0%9F%98%80"].map((v) => page.path.replace(ID, v))
        : [];
      const examples: Get[] = [
        ...[...own, ...EXTRA]
          .flatMap((k) => ["x", "99", "%00", "x".repeat(201)].map((v) => `${k}=${v}`))
          .map((query) => [{ scope: "admin", path: page.path, query }] as Get),
        // (With and without the query the page was found with: ?fragment=stats is another path.)
        ...ids.flatMap((path) =>
          ["", new URLSearchParams(page.params).toString()].map((query) => [{ scope: "admin", path, query }] as Get),
        ),
      ];
      await fc.assert(
        fc.asyncProperty(request, async ({ scope, path, query }) => {
          const url = query ? `${path}?${query}` : path;
          expectNoServerError(await send(scope, url), `GET ${url} (${scope} session)`);
        }),
        { numRuns: examples.length + RUNS, examples },
      );
    });
  }

  for (const form of forms) {
    it(`POST ${form.action.replace(ID, "{id}")}`, async () => {
      const names = Object.keys(form.fields).filter((k) => k !== "_csrf");
      // Each field keeps its value, is left out, or takes a fuzzed one; a field may be added.
      const fields = fc
        .tuple(
          fc.tuple(...names.map((n) => fc.oneof(fc.constant(form.fields[n] as string), fc.constant(null), value))),
          fc.option(fc.tuple(fc.constantFrom("back", "next", "id", "group:x", "x"), value)),
        )
        .map(([values, extra]) => {
          const out: Record<string, string> = {};
          names.forEach((n, i) => {
            if (values[i] !== null && values[i] !== undefined) out[n] = values[i] as string;
          });
          if (extra) out[extra[0]] = extra[1];
          return out;
        });
      const request = fc.record({
        scope: fc.constantFrom("admin", "admin", "read"),
        path: pathOf(form.action),
        fields,
      });
      const examples = names.flatMap((n) =>
        ["", "x", "99", "x".repeat(201)].map(
          (v) =>
            [{ scope: "admin", path: form.action, fields: { ...form.fields, [n]: v } }] as [
              { scope: string; path: string; fields: Record<string, string> },
            ],
        ),
      );
      await fc.assert(
        fc.asyncProperty(request, async ({ scope, path, fields }) => {
          const all = { ...fields, _csrf: ws.csrf[scope] as string };
          let body: BodyInit;
          const headers: Record<string, string> = {};
          if (form.multipart) {
            const data = new FormData();
            for (const [k, v] of Object.entries(all)) data.append(k, v);
            data.set("file", new File([fields.file ?? ""], "members.csv", { type: "text/csv" }));
            body = data;
          } else {
            body = new URLSearchParams(all).toString();
            headers["content-type"] = "application/x-www-form-urlencoded";
          }
          const status = await send(scope, path, { method: "POST", headers, body });
          expectNoServerError(
            status,
            `POST ${path} (${scope} session) ${new URLSearchParams(fields).toString().slice(0, 300)}`,
          );
        }),
        { numRuns: examples.length + RUNS, examples },
      );
    });
  }
});
