// Every /v1 operation in the app's OpenAPI document, sent bad bodies, queries and path ids with
// keys of each scope: no request gets a 5xx, a refusal has the standard error shape (a
// validation error names its fields), a refused request leaves the database as it was, another
// workspace's ids are not found, and a list's filters hold for what it returns.

import { createHash } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  boundaries,
  CONTENT_TYPES,
  GARBAGE,
  type Ids,
  MALFORMED_JSON,
  mutate,
  mutation,
  nasty,
  type Operation,
  operations,
  places,
  plausible,
  propertyNames,
  type Spec,
  toJson,
} from "./fuzz-gen";
import { setup, type TestEnv } from "./helpers";
import { settle, twoWay } from "./two-way";

type Sent = { method: string; path: string; body: unknown };

/**
 * A workspace with something of every kind; the ids of what it holds, by collection; and the
 * bodies it was built with, which passed every check and are mutated below to get deep. A
 * create that names something unique (a template key, a phone) would conflict when sent again,
 * which hides what is checked after; so bodies for creates are also probed: sent, seen to
 * succeed, and rolled back.
 */
async function workspace(env: TestEnv) {
  const t = await twoWay(env, { locale: "en" });
  const sent: Sent[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const m = method.toLowerCase() as "post" | "put" | "patch" | "delete";
    const res = method === "GET" ? await t.client.get(path) : await t.client[m](path, body);
    expect(res.status, `${method} ${path} ${JSON.stringify(res.body)}`).toBeLessThan(300);
    if (body !== undefined) sent.push({ method, path, body });
    return res.body;
  };
  const probe = async (method: string, path: string, body: unknown) => {
    env.db.sqlite.exec("savepoint probe");
    try {
      await call(method, path, body);
    } finally {
      env.db.sqlite.exec("rollback to probe; release probe");
    }
  };
  await call("PUT", "/v1/attributes/card_last4", { type: "string" });
  await call("PUT", "/v1/attributes/points", { type: "number" });
  await call("PATCH", "/v1/tenant", {
    quiet_hours: { start: "21:00", end: "08:00" },
    frequency_cap: { messages: 2, days: 7 },
  });
  const staff = await call("POST", "/v1/staff", {
    name: "Wang",
    phone: "+8613700137000",
    email: "wang@example.com",
    role: "operator",
  });
  await call("PATCH", `/v1/staff/${staff.id}`, { name: "Wang Wei" });
  const people = [
    { name: "Emma Li", phone: "+8613800138000", external_id: "CARD-1", tier: "gold", tags: ["yoga"] },
    { name: "王芳", phone: "13800138001", birthday: "1990-03-14", owner_id: staff.id },
    { name: "Lei", phone: "+8613900139000", consent: { state: "unsubscribed" } },
  ];
  const customers = [];
  for (const [i, p] of people.entries()) {
    const attributes = { card_last4: `123${i}`, points: 10 * i };
    customers.push(await call("POST", "/v1/customers", { consent: { state: "subscribed" }, attributes, ...p }));
  }
  const [emma, fang] = customers.map((c) => c.id as string);
  await call("PUT", "/v1/customers", { external_id: "CARD-1", name: "Emma", tags: ["yoga", "spin"] });
  await call("PATCH", `/v1/customers/${fang}`, {
    tier: "gold",
    attributes: { points: 5 },
    birthday: { month: 2, day: 29 },
  });
  const group = await call("POST", "/v1/groups", { name: "Yoga", kind: "static", code: "01" });
  await call("POST", `/v1/groups/${group.id}/members`, { customer_ids: [emma, fang] });
  await call("POST", `/v1/groups/${group.id}/members/remove`, { phones: ["+8613900139000"] });
  await call("PATCH", `/v1/groups/${group.id}`, { description: "Morning class" });
  const filter = {
    and: [
      { field: "tier", op: "eq", value: "gold" },
      { field: "attributes.points", op: "gte", value: 1 },
    ],
  };
  await call("POST", "/v1/groups", { name: "Gold", kind: "segment", filter });
  await call("POST", "/v1/segments/preview", { filter });
  const tpl = await call("POST", "/v1/templates", {
    key: "welcome",
    locale: "en",
    kind: "notification",
    source: "Hi {{name}}",
    variables: { name: "Emma", card: { last4: "1234" } },
  });
  await call("PATCH", `/v1/templates/${tpl.id}`, { source: "Hello {{name}}!" });
  await call("POST", "/v1/templates/preview", { template_id: tpl.id, customer_id: emma });
  await call("POST", "/v1/templates/lint", {
    source: "Hi {{name}}",
    kind: "marketing",
    locale: "zh-CN",
    variables: { name: "E" },
  });
  await call("POST", "/v1/templates/preview", {
    source: "Hi {{name}}",
    kind: "notification",
    locale: "en",
    variables: { name: "E" },
  });
  await call("PATCH", `/v1/channels/${t.channel.id}`, { name: "Sim 2", rate_per_second: 10 });
  const draft = await call("POST", "/v1/campaigns", {
    name: "Promo",
    kind: "broadcast",
    template: "welcome",
    variables: { offer: "10%" },
    audience: { filter },
  });
  await call("PATCH", `/v1/campaigns/${draft.id}`, {
    name: "Promo 2",
    send_at: "2026-11-25T02:00:00Z",
    variables: { offer: "20%" },
  });
  const later = await call("POST", "/v1/campaigns", {
    name: "Weekly",
    kind: "recurring",
    cron: "0 10 * * 1",
    template: "welcome",
    audience: { groups: ["01"], exclude_groups: [], exclude_marketing_within_days: 7 },
  });
  await call("POST", `/v1/campaigns/${later.id}/schedule`, {});
  await call("POST", "/v1/campaigns", {
    name: "Birthday",
    kind: "date_relative",
    anchor: "birthday",
    template: "welcome",
    delivery_time: "09:00",
  });
  await call("POST", "/v1/campaigns", {
    name: "Festival",
    kind: "holiday",
    holiday: "mid_autumn",
    template: "welcome",
  });
  await call("POST", "/v1/campaigns", {
    name: "After visit",
    kind: "event",
    template: "welcome",
    event: { type: "visit", delay: { value: 2, unit: "hours" }, cancel_on: ["card.activated"] },
  });
  await call("POST", "/v1/keywords", { preset: "card_activation" });
  const kw = await call("POST", "/v1/keywords", {
    name: "Join yoga",
    words: ["YOGA", "瑜伽"],
    match: "whole",
    actions: [
      { type: "add_to_group", group: "01" },
      { type: "reply", template: "welcome", variables: { name: "you" } },
    ],
  });
  await call("PATCH", `/v1/keywords/${kw.id}`, { enabled: false, words: ["YOGA"] });
  await call("POST", "/v1/messages", { customer_id: emma, text: "Hello", kind: "notification" });
  await call("POST", "/v1/messages", {
    external_id: "CARD-1",
    template: "welcome",
    variables: { name: "E" },
    priority: "high",
  });
  await call("POST", "/v1/messages", {
    phone: "+8613900139001",
    text: "Hi",
    kind: "marketing",
    send_at: "2026-11-24T02:00:00Z",
  });
  await call("POST", "/v1/events", {
    customer_id: emma,
    type: "visit",
    properties: { room: "A" },
    occurred_at: "2026-11-23T01:00:00Z",
  });
  await call("POST", "/v1/events", { external_id: "CARD-1", type: "card.activated", event_id: "ev-1" });
  const shipment = {
    customer_id: emma,
    reference: "1230",
    courier: "ZTO",
    region: "Shanghai",
    shipped_at: "2026-11-20T02:00:00Z",
  };
  const shipped = await call("POST", "/v1/shipments", { shipments: [shipment] });
  await call("POST", "/v1/shipments/updates", {
    updates: [{ shipment_id: shipped.data[0].id, delivered_at: "2026-11-22T02:00:00Z" }],
  });
  // Questions from customers open inbox items.
  await t.sms("+8613800138000", "What time is yoga tomorrow?");
  await t.sms("13800138001", "Is the pool open on Sunday?");
  await settle(env);
  const inbox = (await call("GET", "/v1/inbox")).data;
  await call("PATCH", `/v1/inbox/${inbox[0].id}`, { assignee_id: staff.id });
  await call("POST", `/v1/inbox/${inbox[0].id}/reply`, { reply: { text: "At 7." }, done: false });
  await call("POST", "/v1/inbox/reply", {
    category: "question",
    reply: { template: "welcome", variables: { name: "E" } },
    done: false,
  });
  await call("POST", "/v1/inbox/group", { group: group.id, category: "question" });
  await probe("PUT", "/v1/attributes/joined_on", { type: "date", label: "Joined", description: "First visit" });
  await probe("POST", "/v1/staff", { name: "Li", phone: "+8613700137001", email: "li@example.com", role: "viewer" });
  await probe("POST", "/v1/customers", {
    name: "New",
    phone: "+8613600136000",
    external_id: "CARD-9",
    locale: "zh-CN",
    time_zone: "Asia/Shanghai",
    tier: "gold",
    tags: ["spin"],
    birthday: { month: 3, day: 14, year: 1990, lunar: true },
    attributes: { card_last4: "9999", points: 1, joined_on: "2026-01-02" },
    owner_id: staff.id,
    consent: { state: "subscribed", evidence: "signed form" },
  });
  await probe("POST", "/v1/groups", { name: "Spin", kind: "static", code: "02", description: "Evening" });
  await probe("POST", "/v1/templates", {
    key: "promo",
    locale: "zh-CN",
    kind: "marketing",
    description: "Offer",
    source: "{{name}}, {{offer}}",
    variables: { name: "E", offer: "10%" },
  });
  await probe("POST", "/v1/templates", {
    key: "birthday_greeting",
    locale: "en",
    copy_of: { key: "birthday_greeting", locale: "en" },
  });
  await probe("PATCH", `/v1/templates/${tpl.id}`, {
    source: "Hey {{name}}",
    kind: "marketing",
    variables: { name: "E" },
  });
  await probe("POST", "/v1/channels", {
    name: "Backup",
    provider: "simulator",
    config: { from: "+8610690001" },
    credentials: { secret: "another-secret-0123456789" },
    rate_per_second: 5,
  });
  await probe("POST", "/v1/keywords", {
    name: "Join spin",
    words: ["SPIN"],
    match: "first_word",
    actions: [{ type: "reply", template: "welcome", variables: { name: "you" } }],
    groups: ["01"],
    starts_at: "2026-11-24T00:00:00Z",
  });
  await probe("PATCH", `/v1/keywords/${kw.id}`, { actions: [{ type: "reply", text: "Hi", variables: { name: "E" } }] });
  await probe("POST", "/v1/events", { phone: "+8613800138000", type: "visit", event_id: "ev-2" });
  const segment = (await call("GET", "/v1/groups")).data.find((g: { kind: string }) => g.kind === "segment");
  await probe("PATCH", `/v1/groups/${segment.id}`, {
    filter: { or: [{ field: "tags", op: "has", value: "yoga" }, { not: filter }] },
  });
  await probe("PATCH", `/v1/campaigns/${draft.id}`, { audience: { filter, exclude_groups: ["01"] } });
  await probe("POST", `/v1/inbox/${inbox[1].id}/reply`, { reply: { template: "welcome", variables: { name: "E" } } });
  const keys: Record<string, string> = { admin: t.key };
  for (const scope of ["read", "write"]) keys[scope] = (await call("POST", "/v1/api-keys", { name: scope, scope })).key;

  const ids: Ids = {};
  for (const name of [
    "customers",
    "groups",
    "staff",
    "templates",
    "channels",
    "messages",
    "campaigns",
    "keywords",
    "shipments",
    "inbox",
    "inbound",
    "api-keys",
    "attributes",
  ]) {
    const list = (await call("GET", `/v1/${name}`)).data as { id?: string; key?: string }[];
    ids[name] = list.map((x) => (x.id ?? x.key) as string);
  }
  return { keys, ids, sent };
}

/** Every table of workspace data, as a hash per table (both workspaces: neither may change). */
function snapshot(env: TestEnv): Record<string, string> {
  const db = env.db.sqlite;
  const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const cols = db.prepare(`pragma table_info("${name}")`).all() as { name: string }[];
    // Nothing is left out: no table counts requests, and /v1 writes no console sessions.
    if (name !== "tenants" && !cols.some((c) => c.name === "tenant_id")) continue;
    const rows = db.prepare(`select * from "${name}"`).raw(true).all();
    out[name] = createHash("sha1").update(JSON.stringify(rows)).digest("hex");
  }
  return out;
}

type Req = {
  scope: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  type?: string;
  body?: string;
  foreign?: boolean;
};
type Res = { status: number; body: any };

/** What is wrong with an answer, if anything. */
function problem(op: Operation, req: Req, res: Res): string | null {
  const { status, body } = res;
  if (status >= 500) return `server error ${status}`;
  if (status < 400) {
    if (req.foreign) return "another workspace's id was served";
    return req.method === "GET" ? listProblem(op, req.url, body) : null;
  }
  const e = body?.error;
  if (typeof e?.code !== "string" || typeof e.message !== "string" || typeof e.requestId !== "string" || !e.requestId) {
    return "the error body is not { error: { code, message, requestId } }";
  }
  if (e.code === "validation_failed") {
    if (status !== 422) return `validation_failed with status ${status}`;
    if (!Array.isArray(e.details) || e.details.length === 0) return "a validation error that names no field";
    if (!e.details.every((d: any) => typeof d?.path === "string" && d.path !== "" && typeof d.message === "string")) {
      return "a validation detail without a path";
    }
  }
  return null;
}

/**
 * A list honours its query: no more than `limit` items; for a parameter named as a field of
 * the items (customer_id, status, courier...), only items with that value; and a customer
 * search finds only customers that contain its text.
 */
function listProblem(op: Operation, url: string, body: any): string | null {
  if (!Array.isArray(body?.data)) return null;
  const q = new URL(url, "http://x").searchParams;
  const once = (k: string) => (q.getAll(k).length === 1 ? q.get(k) : null);
  const limit = Number(once("limit"));
  if (Number.isInteger(limit) && limit > 0 && body.data.length > limit)
    return `${body.data.length} items for limit=${limit}`;
  for (const p of op.params) {
    const v = once(p.name);
    // (An empty value is no filter; a date bounds a range, it is not a value to equal.)
    if (!v || p.in !== "query" || p.schema?.format || ["limit", "cursor"].includes(p.name)) continue;
    const several = /comma/i.test(p.schema?.description ?? "") ? v.split(",") : [v];
    const off = body.data.find((item: any) => typeof item?.[p.name] === "string" && !several.includes(item[p.name]));
    if (off) return `${p.name}=${JSON.stringify(v)} returned an item with ${p.name}=${JSON.stringify(off[p.name])}`;
  }
  const text = once("q")?.trim();
  if (url.startsWith("/v1/customers?") && text) {
    const digits = text.replace(/\D/g, "");
    const off = body.data.find(
      (c: any) =>
        !(c.name ?? "").toLowerCase().includes(text.toLowerCase()) &&
        c.external_id !== text &&
        !(digits.length >= 3 && (c.phone ?? "").includes(digits)),
    );
    if (off) return `q=${JSON.stringify(text)} found ${JSON.stringify(off.name)} (${off.phone}, ${off.external_id})`;
  }
  return null;
}

const env = setup();
const spec = (await (await env.app.request("/openapi.json")).json()) as Spec;
const OPS = operations(spec);
// Sampled cases per operation, beyond the boundary cases: enough to reach each kind of mistake
// within the time budget. FUZZ_RUNS=2000 looks harder, locally.
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);

describe("API fuzz", () => {
  let ws: Awaited<ReturnType<typeof workspace>>;
  let other: Awaited<ReturnType<typeof workspace>>;
  // What every case starts from: each runs in a transaction rolled back after it, so a failing
  // case replays the same way while fast-check shrinks it.
  let baseline: Record<string, string>;
  const logged: unknown[][] = [];
  beforeAll(async () => {
    other = await workspace(env);
    ws = await workspace(env);
    baseline = snapshot(env);
    // The app logs each 5xx's stack; kept to say where it came from.
    vi.spyOn(console, "error").mockImplementation((...args) => void logged.push(args));
  }, 60_000);
  afterAll(() => vi.restoreAllMocks());

  it("covers every operation in the document", () => {
    expect(OPS.length).toBeGreaterThan(80);
  });

  for (const op of OPS) {
    it(`${op.method} ${op.path}`, async () => {
      const seeds = ws.sent.filter((s) => s.method === op.method && templateOf(s.path) === op.path);
      // First, a few cases that are too rare to sample but find most crashes: each place in each
      // body the workspace was built with, and each query parameter, at its boundaries.
      const base =
        seeds[0]?.path ??
        op.path.replace(/\{[^}]+\}/g, (p) =>
          p === "{version}" ? "1" : (ws.ids[op.path.split("/")[2] ?? ""]?.[0] ?? "x"),
        );
      const examples: [Req][] = [
        ...seeds.flatMap((s) =>
          boundaries(s.body).map((body) => ({ url: s.path, type: "application/json", body: toJson(body) })),
        ),
        ...op.params
          .filter((p) => p.in === "query")
          .flatMap((p) =>
            ["%00", "%", "-1", "x".repeat(201), "99999999999999999999"].map((v) => ({ url: `${base}?${p.name}=${v}` })),
          ),
      ].map((r) => [printable({ scope: "admin", method: op.method, ...r })]);
      await fc.assert(
        fc.asyncProperty(requestFor(op, seeds, ws, other), async (req) => {
          logged.length = 0;
          const db = env.db.sqlite;
          const writes = () => (db.prepare("select total_changes() as n").get() as { n: number }).n;
          const before = writes();
          db.exec("savepoint fuzz");
          let res: Res;
          let after = baseline;
          try {
            res = await send(req, ws.keys);
            // (Only a request that wrote something can have changed anything.)
            if (res.status >= 400 && writes() !== before) after = snapshot(env);
          } finally {
            db.exec("rollback to fuzz; release fuzz");
          }
          const changed = Object.keys(after).filter((t) => after[t] !== baseline[t]);
          const wrong =
            problem(op, req, res) ??
            (res.status >= 400 && changed.length > 0 ? `a refused request changed ${changed.join(", ")}` : null);
          if (wrong) {
            throw new Error(
              `${wrong}\n${describeRequest(req)}\n→ ${res.status} ${JSON.stringify(res.body).slice(0, 500)}${whereFrom(logged)}`,
            );
          }
        }),
        // (Examples count toward numRuns.)
        { numRuns: examples.length + RUNS, examples },
      );
    });
  }
});

function templateOf(path: string): string | undefined {
  return OPS.find((op) => new RegExp(`^${op.path.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path))?.path;
}

async function send(req: Req, keys: Record<string, string>): Promise<Res> {
  const headers: Record<string, string> = { ...req.headers, authorization: `Bearer ${keys[req.scope]}` };
  if (req.type !== undefined) headers["content-type"] = req.type;
  const res = await env.app.request(req.url, {
    method: req.method,
    headers,
    ...(req.body !== undefined && { body: req.body }),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

function describeRequest(r: Req): string {
  // Deep nesting as (its unit ×count), so the request reads in one line.
  const short = r.body
    ?.replace(/((?:[{[][^{}[\]]{0,10}?)+?)\1{20,}/g, (run, unit: string) => `(${unit} ×${run.length / unit.length})`)
    .replace(/([}\]]{1,4}?)\1{20,}/g, (run, unit: string) => `(${unit} ×${run.length / unit.length})`);
  const body = short === undefined ? "" : short.length > 400 ? `${short.slice(0, 200)}…(${short.length} chars)` : short;
  const type = [...Object.entries(r.headers ?? {}), ...(r.type === undefined ? [] : [["content-type", r.type]])]
    .map(([k, v]) => ` ${k}: ${JSON.stringify(v).slice(0, 80)}`)
    .join("");
  return `${r.method} ${r.url} (${r.scope} key${r.foreign ? ", another workspace's id" : ""})${type} ${body}`;
}

/** The first line of a logged error and its first frames in src/. */
function whereFrom(logged: unknown[][]): string {
  const err = logged.flat().find((x): x is Error => x instanceof Error);
  if (!err) return "";
  const stack = (err.stack ?? "").split("\n").slice(1);
  const ours = stack.filter((l) => l.includes("/src/"));
  const frames = ours.length ? ours : stack;
  return [`${err.name}: ${err.message}`, ...frames.slice(0, 3).map((l) => `  ${l.trim()}`)]
    .map((l) => `\n${l}`)
    .join("");
}

type Workspace = { ids: Ids };

/** The path with each parameter a real id (of this workspace or the other), or garbage. */
function pathArb(op: Operation, ws: Workspace, other: Workspace) {
  const segments = op.params
    .filter((p) => p.in === "path")
    .map((p) => {
      const parts = op.path.split("/");
      const collection = parts[parts.indexOf(`{${p.name}}`) - 1] ?? "";
      const real = (w: Workspace) => (p.name === "version" ? ["1", "2"] : (w.ids[collection] ?? []));
      return fc
        .tuple(fc.nat(), fc.constantFrom("real", "real", "other", "garbage"), fc.constantFrom(...GARBAGE))
        .map(([i, kind, junk]) => {
          if (kind === "garbage") return { name: p.name, value: junk, foreign: false };
          const list = real(kind === "real" ? ws : other);
          const value = list[i % list.length] ?? "";
          // (An attribute's key or a version number is a name both workspaces may use.)
          const foreign = kind === "other" && !real(ws).includes(value);
          return { name: p.name, value: encodeURIComponent(value), foreign };
        });
    });
  return fc.tuple(...segments).map((values) => ({
    path: values.reduce((path, v) => path.replace(`{${v.name}}`, v.value), op.path),
    foreign: values.some((v) => v.foreign),
  }));
}

/** A query of the declared parameters: plausible values, garbage, any text; some repeated. */
function queryArb(op: Operation, ws: Workspace): fc.Arbitrary<string> {
  const params = op.params.filter((p) => p.in === "query");
  if (params.length === 0) return fc.constantFrom("", "", "?x=1", "?limit=-1", "?%00=%00");
  const one = fc
    .constantFrom(...params)
    .chain((p) =>
      fc
        .oneof(
          { weight: 3, arbitrary: plausible(spec, p.schema, ws.ids, p.name).map((v) => encodeURIComponent(String(v))) },
          { weight: 2, arbitrary: fc.constantFrom(...GARBAGE) },
          { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 250 }).map(encodeURIComponent) },
        )
        .map((v) => `${p.name}=${v}`),
    );
  return fc.array(one, { maxLength: 4 }).map((pairs) => (pairs.length ? `?${pairs.join("&")}` : ""));
}

// A CSV upload: a header of real and made-up columns, then rows of plausible and broken cells.
const CSV_COLUMNS = [
  "name",
  "phone",
  "external_id",
  "birthday",
  "tier",
  "tags",
  "consent",
  "owner_id",
  "card_last4",
  "customer_id",
  "customer_external_id",
  "item_kind",
  "reference",
  "shipped_at",
  "courier",
  "region",
  "promised_days",
  "delivered_at",
  "手机号",
  "",
];
const CSV_CELLS = [
  "13800138000",
  "+8613800138000",
  "2026-11-20T02:00:00Z",
  "ZTO",
  "gold",
  "a;b",
  '"x""y"',
  "=1+1",
  "",
  "1e999",
  "\u0000",
  "😀".repeat(50),
  "x".repeat(300),
];
const csv: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.uniqueArray(fc.constantFrom(...CSV_COLUMNS), { minLength: 1, maxLength: 8 }),
      fc.array(
        fc.array(fc.oneof(fc.constantFrom(...CSV_CELLS), fc.string({ unit: "binary", maxLength: 20 })), {
          maxLength: 9,
        }),
        { maxLength: 4 },
      ),
      fc.constantFrom("\n", "\r\n", "\r"),
    )
    .map(([head, rows, nl]) => [head.join(","), ...rows.map((r) => r.join(","))].join(nl)),
  fc.constantFrom("", "\ufeff", '"unterminated\nphone\n1', "phone\n\u0000", "a,a,a\n1,2,3", "\r\n\r\n"),
);

type Body = { type?: string; body?: string };

function bodyArb(op: Operation, seeds: Sent[], ws: Workspace): fc.Arbitrary<Body> {
  const typed = (body: fc.Arbitrary<string>, usual: string) =>
    fc
      .tuple(body, fc.oneof({ weight: 6, arbitrary: fc.constant(usual) }, fc.constantFrom(...CONTENT_TYPES)))
      .map(([body, type]): Body => ({ type, body }));
  if (!op.body) {
    // A body where none is expected: ignored or refused, never a crash (a GET cannot carry one).
    if (op.method === "GET") return fc.constant({});
    return fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, typed(nasty.map(toJson), "application/json"));
  }
  if (op.body.type === "text/csv") return typed(csv, "text/csv");
  const fromSchema = plausible(spec, op.body.schema, ws.ids);
  const valid = seeds.length
    ? fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...seeds.map((s) => s.body)) },
        { weight: 1, arbitrary: fromSchema },
      )
    : fromSchema;
  const mutated = fc.tuple(valid, fc.nat(), mutation(propertyNames(spec, op.body.schema))).map(([v, i, m]) => {
    const at = places(v);
    return toJson(mutate(v, at[i % at.length] ?? [], m));
  });
  return fc.oneof(
    { weight: 8, arbitrary: typed(mutated, "application/json") },
    { weight: 1, arbitrary: typed(valid.map(toJson), "application/json") },
    { weight: 2, arbitrary: typed(nasty.map(toJson), "application/json") },
    { weight: 1, arbitrary: typed(fc.constantFrom(...MALFORMED_JSON), "application/json") },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/** The declared header parameters (an idempotency key), each plausible, odd, or left out. */
function headersArb(op: Operation): fc.Arbitrary<Record<string, string>> {
  // (Header values are bytes: a fetch refuses NUL or emoji in them before the app sees them.)
  const odd = fc.constantFrom("", " ", "x".repeat(300), "\u00e9", "a,b", "null", "-1");
  const params = op.params.filter((p) => p.in === "header");
  return fc
    .tuple(
      ...params.map((p) => fc.option(fc.oneof(fc.constant(`fuzz-${p.name}`), odd).map((v) => [p.name, v] as const))),
    )
    .map((pairs) => Object.fromEntries(pairs.filter((x) => x !== null)));
}

function requestFor(op: Operation, seeds: Sent[], ws: Workspace, other: Workspace): fc.Arbitrary<Req> {
  // A read key is refused every write at once, so it gets fewer of the cases.
  const scope = fc.constantFrom("read", "write", "write", "admin", "admin");
  return fc
    .tuple(scope, pathArb(op, ws, other), queryArb(op, ws), headersArb(op), bodyArb(op, seeds, ws))
    .map(([scope, { path, foreign }, query, headers, body]) =>
      printable({
        scope,
        method: op.method,
        url: `${path}${query}`,
        ...(Object.keys(headers).length > 0 && { headers }),
        ...body,
        ...(foreign && { foreign }),
      }),
    );
}

/** A request that fast-check prints as one short line (a deep body would fill the screen). */
function printable(r: Req): Req {
  return Object.defineProperty(r, fc.toStringMethod, { value: () => describeRequest(r) });
}
