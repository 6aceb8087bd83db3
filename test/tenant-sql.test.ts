// Every SQL statement the app runs against a workspace's table names tenant_id, except the
// cross-workspace jobs and lookups below, each with its reason. The statements are recorded as
// SQLite prepares them while a broad scenario runs through the API, the jobs and webhooks, so
// drizzle's builder, the sql tag and raw strings are all checked by the text SQLite sees.
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { seedDemo } from "../src/demo/seed";
import { runApprovals } from "../src/jobs/approvals";
import { runClicks } from "../src/jobs/clicks";
import { runDispatch } from "../src/jobs/dispatch";
import { runExpire } from "../src/jobs/expire";
import { runLeadTimes } from "../src/jobs/lead-times";
import { runPlan } from "../src/jobs/plan";
import { runPrune } from "../src/jobs/prune";
import { runWebhooks } from "../src/jobs/webhooks";
import { dueMessageKeys } from "../src/outbox/claim";
import { dueDeliveryIds } from "../src/webhooks-out/store";
import { page, signIn } from "./console-helpers";
import { drive } from "./drive";
import { client } from "./harness";
import { setup } from "./helpers";
import { customer, settle, twoWay } from "./two-way";

/** Statements that rightly read or write across workspaces, by what they match, with why. */
const CROSS_WORKSPACE: { match: RegExp; why: string }[] = [
  {
    match: /^update messages set status = 'sending'/,
    why: "the dispatcher claims due messages of every workspace, or a queue batch's (Workers)",
  },
  {
    match: /^select tenant_id, id from \(select tenant_id, id from \(select tenant_id, id from/,
    why: "due messages' keys for the queue (Workers), all workspaces",
  },
  {
    match: /^select \* from messages where .* status = 'sending' and lease_until </,
    why: "lease recovery: senders that died, any workspace",
  },
  {
    match: /from messages where .*status in \('planned', 'queued'\) and valid_until is not null and valid_until </,
    why: "expiry of every workspace's waiting messages",
  },
  {
    match: /^update inbound_messages set lease_until = \?, attempts = attempts \+ 1/,
    why: "the inbound pipeline claims stored SMS of every workspace",
  },
  {
    match:
      /^select .* from "campaigns" where \("campaigns"\."status" in \(.*\) and "campaigns"\."next_occurrence_at" <= \?\)/,
    why: "the planner finds due campaigns of every workspace",
  },
  {
    match: /^select .* from "channels" where "channels"\."id" in /,
    why: "channels of a claimed batch, by the ids its own rows hold",
  },
  {
    match: /^select .* from "api_keys" where \("api_keys"\."hash" = \?/,
    why: "an API key is found by its hash before its workspace is known",
  },
  {
    match: /^select \* from channels where id = \? and archived_at is null$/,
    why: "a webhook URL names its channel; the workspace comes from it",
  },
  {
    match: /^update inbound_messages set status = 'processed'/,
    why: "a claimed SMS marked done, by the id its claim returned",
  },
  { match: /^select distinct tenant_id from shipments$/, why: "the lead-time job lists the workspaces that ship" },
  {
    match:
      /^update webhook_deliveries set lease_until = \?, attempts = attempts \+ 1 where id in \( select d\.id from webhook_deliveries d join webhook_endpoints e/,
    why: "the webhooks job claims every workspace's due deliveries",
  },
  {
    match: /^select \* from channels c where c\.provider in \('aliyun', 'tencent'\) and c\.archived_at is null/,
    why: "the approvals job finds every workspace's cloud channels due a look at the provider's reviews",
  },
  {
    match: /^select \* from channels where provider in \(\?\) and archived_at is null$/,
    why: "the dispatcher keeps every workspace's SMPP sessions bound",
  },
  {
    match: /^delete from early_receipts where received_at < \?$/,
    why: "receipts no send claimed in a day, any workspace",
  },
  {
    match: /^select id, tenant_id, name, kind, planned from campaigns where status = 'running' and kind not in/,
    why: "the planner finds every workspace's campaigns with nothing left to send (each completed by its id and tenant_id)",
  },
  {
    match: /^select .* from "console_sessions" left join .* where \("console_sessions"\."hash" = \?/,
    why: "a console session is found by its cookie's hash before its workspace is known",
  },
  {
    match: /^select tenant_id, channel_id, from_phone, to_phone, reference, total from inbound_parts group by/,
    why: "long inbound SMS whose parts stopped coming, any workspace (each set is then read by its key)",
  },
  {
    match: /^select e\.id, .* from early_receipts e join messages m on /,
    why: "receipts that beat their send, matched to their message once written, any workspace",
  },
  {
    match: /^select d\.id from webhook_deliveries d join webhook_endpoints e on /,
    why: "due webhook deliveries for the queue (Workers), all workspaces",
  },
  {
    match:
      /^delete from webhook_deliveries where id in \( select id from webhook_deliveries where status != 'pending' and created_at < \?/,
    why: "the delivery log's settled entries older than a month, any workspace",
  },
  {
    match: /^delete from link_clicks where id in \( select id from link_clicks where lease_until = \d+ and at < \?/,
    why: "clicks counted more than a day ago, any workspace",
  },
  {
    match: /^select tenant_id, url from links where code = \?$/,
    why: "a short link is found by its code before its workspace is known",
  },
  {
    match: /^update link_clicks set lease_until = \? where id in \(select id from link_clicks where lease_until <= \?/,
    why: "the click job claims every workspace's clicks",
  },
  {
    match:
      /^select k\.id, .* from link_clicks k left join links l on .* where k\.id in \(select value from json_each\(\?\)\)/,
    why: "claimed clicks with their links, by the ids the claim returned",
  },
  {
    match: /^delete from unanswered_deliveries where received_at < \?$/,
    why: "records of SMPP answers past the time a redelivery could come, any workspace",
  },
];

/**
 * A statement with a condition names tenant_id in it (where, or a join's on), not merely among
 * the columns it returns; a plain insert names it among the columns it writes.
 */
function filtersOnTenant(sql: string): boolean {
  const insert = /^insert (?:or \w+ )?into \S+ \(([^)]*)\)([\s\S]*)$/i.exec(sql);
  if (insert) {
    // The rows it writes carry tenant_id; rows it copies from a workspace's table are filtered too.
    const rest = (insert[2] as string).replace(/ on conflict[\s\S]*$/i, "");
    const reads = / from (?!json_each)/i.test(rest) && / where (?!true$)/i.test(rest);
    return /tenant_id/.test(insert[1] as string) && (!reads || /tenant_id/.test(rest.slice(rest.search(/ where /i))));
  }
  // A read or change of rows with no condition at all is never scoped to a workspace.
  const cond = /\b(where|on)\b([\s\S]*)$/i.exec(sql);
  // Bound to a value: a join's "a.tenant_id = b.tenant_id" alone keeps rows together, not apart.
  return cond !== null && /tenant_id"?\s*(=\s*\?|in\s*\()/i.test(cond[2] as string);
}

const recorded = new Set<string>();
/** Statements the tests' own helpers prepare (drive.ts looks for the next due time) are not the app's. */
const fromTest = (stack: string) => {
  const frame = stack
    .split("\n")
    .find((l) => /\/(src|test)\//.test(l) && !/src\/node\/db\.ts|tenant-sql\.test/.test(l));
  return frame?.includes("/test/") === true;
};
const prepare = BetterSqlite3.prototype.prepare;

describe("tenant isolation in SQL", () => {
  afterAll(() => {
    BetterSqlite3.prototype.prepare = prepare;
  });

  it("names tenant_id in every statement on a workspace's table, but the listed jobs", async () => {
    BetterSqlite3.prototype.prepare = function (this: BetterSqlite3.Database, sql: string) {
      if (!fromTest(new Error().stack ?? "")) recorded.add(sql.replace(/\s+/g, " ").trim());
      return prepare.call(this, sql);
    } as typeof prepare;
    const env = setup("2026-11-23T04:00:00Z", { publicUrl: "https://t.example" });
    const demoKey = (await seedDemo(env.deps)).apiKey;
    const demo = client(env, demoKey);
    const t = await twoWay(env, { locale: "en" });
    const a = await customer(t.client, { phone: "+8613800138001", name: "Li" });
    const b = await customer(t.client, { phone: "+8613800138002", name: "Wang" });
    await t.client.post("/v1/events", { customer_id: a.id, type: "visit", properties: { club: "A" } });
    const c = await t.client.post("/v1/campaigns", {
      name: "Offer",
      kind: "broadcast",
      template: "member_promotion",
      variables: { offer: "20% off", validUntil: "2026-12-15", link: "https://gym.example/b" },
      audience: { all: true },
    });
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    expect((await t.client.get(`/v1/campaigns/${c.body.id}/forecast?days=3`)).status).toBe(200);
    expect((await t.client.get(`/v1/campaigns/${c.body.id}/stats`)).status).toBe(200);
    const sent = await t.client.post("/v1/messages", {
      customer_id: a.id,
      text: "Class moved to 7pm",
      kind: "notification",
    });
    expect(sent.status).toBe(201);
    expect((await t.client.get(`/v1/messages/${sent.body.id}`)).status).toBe(200);
    expect((await t.client.get(`/v1/customers/${a.id}`)).status).toBe(200);
    expect((await t.client.get(`/v1/customers/${a.id}/timeline`)).status).toBeLessThan(500);
    await runPlan(env.deps);
    await settle(env);
    // A member opens the offer's short link; the click job counts it.
    const offers = (await t.client.get(`/v1/messages?campaign_id=${c.body.id}`)).body.data as { text: string }[];
    const short = /https:\/\/t\.example(\/l\/\w+)/.exec(offers[0]?.text ?? "")?.[1] as string;
    env.clock.advance(60_000);
    expect((await env.app.request(short, { headers: { "user-agent": "Mozilla/5.0 (iPhone)" } })).status).toBe(302);
    expect(await runClicks(env.deps)).toEqual({ clicks: 1, apart: 0 });
    await t.sms("+8613800138001", "STOP");
    await t.sms("+8613800138002", "where is my card?");
    await settle(env);
    await t.client.post("/v1/customers/import", "phone,name\n+8613800138003,Zhao\n", { "content-type": "text/csv" });
    // A card team: shipments, an after-delivery campaign, the lead-time model and its re-timing.
    const card = await t.client.post("/v1/campaigns", {
      name: "Activation prompt",
      kind: "after_delivery",
      template: "card_activation_prompt",
      variables: { activationUrl: "bank.example/activate" },
      after_delivery: { item_kind: "card" },
    });
    expect((await t.client.post(`/v1/campaigns/${card.body.id}/schedule`, {})).status).toBe(200);
    const shipped = await t.client.post("/v1/shipments", {
      shipments: [
        {
          customer_id: a.id,
          reference: "1234",
          courier: "SF",
          region: "Shenzhen",
          shipped_at: "2026-11-20T02:00:00Z",
          delivered_at: "2026-11-22T02:00:00Z",
        },
        {
          customer_id: b.id,
          reference: "5678",
          courier: "SF",
          region: "Shenzhen",
          shipped_at: "2026-11-23T02:00:00Z",
          external_id: "trk-1",
        },
      ],
    });
    expect(shipped.status).toBe(200);
    await runLeadTimes(env.deps);
    await runApprovals(env.deps);
    await t.client.post("/v1/webhooks", { url: "https://bank.example/events", events: ["*"] });
    await runWebhooks(env.deps);
    await dueDeliveryIds(env.db, env.clock.now().getTime(), 10);
    await runPrune(env.deps);
    await runPlan(env.deps);
    // A queue batch of message keys, as Workers dispatch.
    await runDispatch(env.deps, { keys: await dueMessageKeys(env.db, env.clock.now().getTime(), 10) });
    await drive(env, "2026-11-26T04:00:00Z");
    await runExpire(env.deps);
    await dueMessageKeys(env.db, env.clock.now().getTime(), 10);
    const cookie = await signIn(env, demoKey);
    for (const path of ["/console", "/console/customers", "/console/campaigns", "/console/inbox"])
      expect((await page(env, path, cookie)).status).toBe(200);
    const spec = (await demo.get("/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    let reads = 0;
    for (const [path, ops] of Object.entries(spec.paths)) {
      if (!ops.get || path.includes("{") || !path.startsWith("/v1/")) continue;
      for (const cl of [demo, t.client]) expect((await cl.get(path)).status).toBeLessThan(500);
      reads++;
    }
    expect(reads).toBeGreaterThan(10);
    BetterSqlite3.prototype.prepare = prepare;

    const tables = (
      env.db.sqlite.prepare("select m.name from sqlite_master m where m.type = 'table'").all() as { name: string }[]
    )
      .map((r) => r.name)
      .filter((t) =>
        (env.db.sqlite.pragma(`table_info(${t})`) as { name: string }[]).some((c) => c.name === "tenant_id"),
      );
    expect(tables).toContain("messages");
    const names = new RegExp(`\\b(?:from|join|into|update)\\s+["\`]?(${tables.join("|")})\\b`, "i");
    const onWorkspaceTables = [...recorded].filter((s) => names.test(s));
    expect(onWorkspaceTables.length).toBeGreaterThan(100);
    const offenders = onWorkspaceTables.filter(
      (s) => !filtersOnTenant(s) && !CROSS_WORKSPACE.some((x) => x.match.test(s)),
    );
    expect(offenders).toEqual([]);
    // Each exception is still needed: one that matches nothing is stale, and goes.
    const unused = CROSS_WORKSPACE.filter((x) => !onWorkspaceTables.some((s) => x.match.test(s))).map((x) => x.why);
    expect(unused).toEqual([]);

    // Messages have no key but (tenant_id, id): a lookup by id alone would read every message.
    // No statement of the scenario reads the table (or a name for it) whole.
    const scans = onWorkspaceTables.flatMap((s) => {
      if (!/\bmessages\b/.test(s)) return [];
      const aliases = new Set(["messages"]);
      for (const m of s.matchAll(/\bmessages\s+(?:as\s+)?(\w+)/gi))
        if (!/^(where|set|on|join|left|inner|cross|group|order|limit|union|using)$/i.test(m[1] as string))
          aliases.add(m[1] as string);
      const plan = explain(env.db.sqlite, s);
      return plan.filter((d) => aliases.has(/^SCAN (\w+)$/.exec(d)?.[1] ?? "")).map((d) => `${d}: ${s}`);
    });
    expect(scans).toEqual([]);
  });
});

/** EXPLAIN QUERY PLAN of a statement, its parameters all null (their count found by trying). */
function explain(db: BetterSqlite3.Database, sql: string): string[] {
  const stmt = prepare.call(db, `explain query plan ${sql}`);
  for (let n = 0; n <= 200; n++) {
    try {
      return (stmt.all(Array(n).fill(null)) as { detail: string }[]).map((r) => r.detail);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
  }
  throw new Error(`no parameter count fits: ${sql}`);
}
