// The Node database adapter's statement cache: drizzle's queries reuse compiled statements.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { and, eq, type SQL, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { FINISHED } from "../src/campaigns/store";
import { prepared } from "../src/db/prepared";
import { customers, tenants } from "../src/db/schema";
import { inList, tenantFilter } from "../src/db/sql";
import { TOUCH_CUSTOMERS_SQL } from "../src/groups/store";
import { ConflictError, NotFoundError } from "../src/lib/errors";
import { MIGRATIONS_DIR, migrateDatabase, openDatabase, statementCache } from "../src/node/db";
import { claimRanges, RECOVER_SQL } from "../src/outbox/claim";
import { EXPIRING } from "../src/outbox/expire";
import { readHistory } from "../src/outbox/history";
import { getTenantRow } from "../src/tenants/store";
import { setup, tenant } from "./helpers";

describe("statement cache", () => {
  it("hands a statement drizzle left in array mode back in object mode", async () => {
    const env = setup();
    await tenant(env, { name: "Cached Gym" });
    const orm = env.deps.db.orm;
    const select = orm.select({ name: tenants.name }).from(tenants);
    // drizzle reads selected fields as arrays (raw mode) ...
    expect(await select.all()).toEqual([{ name: "Cached Gym" }]);
    // ... and the same text run as plain SQL must still come back as objects.
    expect(await orm.all(sql.raw(select.toSQL().sql))).toEqual([{ name: "Cached Gym" }]);
    expect(await select.all()).toEqual([{ name: "Cached Gym" }]);
  });

  it("reads rows as arrays (rawRows) and leaves the statement as objects for the next reader", async () => {
    const env = setup();
    await tenant(env, { name: "Rows Gym" });
    const db = env.deps.db;
    const text = "select name, 7 as seven from tenants where name = ?";
    expect(await db.rawRows(text, ["Rows Gym"])).toEqual([["Rows Gym", 7]]);
    expect(await db.rawAll(text, ["Rows Gym"])).toEqual([{ name: "Rows Gym", seven: 7 }]);
    expect(await db.rawRows(text, ["Rows Gym"])).toEqual([["Rows Gym", 7]]);
  });

  it("keeps the most recently used statements, up to its size", () => {
    const sqlite = new BetterSqlite3(":memory:");
    const prepare = statementCache(sqlite, 2);
    const a = prepare("select 1");
    const b = prepare("select 2");
    expect(prepare("select 1")).toBe(a); // a is now the most recent
    prepare("select 3"); // evicts b, the least recently used
    expect(prepare("select 1")).toBe(a);
    expect(prepare("select 2")).not.toBe(b);
    sqlite.close();
  });

  it("migrations still apply through the cached client", () => {
    const db = openDatabase(":memory:");
    migrateDatabase(db);
    migrateDatabase(db); // a second run finds nothing to do
    expect(db.sqlite.prepare("select count(*) as n from usage_months").get()).toEqual({ n: 0 });
    db.close();
  });
});

describe("file settings", () => {
  it("gives a new file 16 KiB pages and WAL, and leaves an existing file's page size alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "tidings-pages-"));
    const old = new BetterSqlite3(join(dir, "old.db"));
    old.exec("create table t (x)");
    old.close();
    const opened = openDatabase(join(dir, "old.db"));
    expect(opened.sqlite.pragma("page_size", { simple: true })).toBe(4096);
    opened.close();
    const db = openDatabase(join(dir, "new.db"));
    migrateDatabase(db);
    expect(db.sqlite.pragma("page_size", { simple: true })).toBe(16384);
    expect(db.sqlite.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.sqlite.pragma("journal_size_limit", { simple: true })).toBe(64 * 1024 * 1024);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("group commit", () => {
  it("commits the writes handed over together once the turn ends, each all-or-nothing; a failing one fails alone", async () => {
    const db = openDatabase(":memory:");
    db.sqlite.exec("create table t (id integer primary key, v text)");
    const put = (id: number, v: string) => ({ sql: "insert into t (id, v) values (?, ?)", params: [id, v] });
    const first = db.batchGrouped([put(1, "a"), put(2, "b")]);
    const failing = db.batchGrouped([put(3, "c"), put(1, "again")]);
    const last = db.batchGrouped([put(4, "d")]);
    // Nothing is written until the turn of the event loop ends: then all of it at once.
    expect(db.sqlite.prepare("select count(*) as n from t").get()).toEqual({ n: 0 });
    await expect(failing).rejects.toBeInstanceOf(ConflictError);
    await first;
    await last;
    // The failing caller's own first row went back with it; the others' rows stayed.
    expect(db.sqlite.prepare("select id, v from t order by id").all()).toEqual([
      { id: 1, v: "a" },
      { id: 2, v: "b" },
      { id: 4, v: "d" },
    ]);
    db.close();
  });

  it("waits for another connection's write lock on a timer, so the event loop keeps turning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tidings-busy-"));
    const db = openDatabase(join(dir, "a.db"));
    db.sqlite.exec("create table t (id integer primary key)");
    // The jobs thread's connection, mid-transaction.
    const other = new BetterSqlite3(join(dir, "a.db"));
    other.exec("begin immediate; insert into t (id) values (1)");
    const stored = db.batchGrouped([{ sql: "insert into t (id) values (?)", params: [2] }]);
    let turns = 0;
    const ticking = setInterval(() => turns++, 5);
    await new Promise((r) => setTimeout(r, 60));
    // SQLite's busy handler would have slept in this thread for the whole wait: no turns at all.
    expect(turns).toBeGreaterThan(3);
    expect(db.sqlite.prepare("select count(*) as n from t").get()).toEqual({ n: 0 });
    // Meanwhile it tells a yielding connection (the jobs thread's) to hold back.
    expect(Atomics.load(db.writeWanted, 0)).toBe(1);
    other.exec("commit");
    await stored;
    expect(Atomics.load(db.writeWanted, 0)).toBe(0);
    clearInterval(ticking);
    expect(db.sqlite.prepare("select id from t order by id").all()).toEqual([{ id: 1 }, { id: 2 }]);
    // Ordinary writes still wait in SQLite as before.
    expect(db.sqlite.pragma("busy_timeout", { simple: true })).toBe(5000);
    other.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a yielding connection holds back its writes while the other one's grouped writes wait", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tidings-yield-"));
    const first = openDatabase(join(dir, "a.db"));
    first.sqlite.exec("create table t (id integer primary key)");
    const jobs = openDatabase(join(dir, "a.db"), first.writeWanted);
    const write = async (id: number) => {
      const t0 = performance.now();
      await jobs.batch([{ sql: "insert into t (id) values (?)", params: [id] }]);
      return performance.now() - t0;
    };
    expect(await write(1)).toBeLessThan(40);
    // As while webhooks wait for the lock: the jobs connection waits for its turn (here nobody
    // takes it, so up to its 50 ms bound), then writes.
    Atomics.store(first.writeWanted, 0, 1);
    expect(await write(2)).toBeGreaterThanOrEqual(45);
    Atomics.store(first.writeWanted, 0, 0);
    expect(first.sqlite.prepare("select id from t order by id").all()).toEqual([{ id: 1 }, { id: 2 }]);
    jobs.close();
    first.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("prepared queries", () => {
  it("are built once per database and read the rows as they are now, with each call's values", async () => {
    const a = setup();
    const b = setup();
    const ta = (await tenant(a, { name: "A Gym" })).tenant;
    const tb = (await tenant(b, { name: "B Gym" })).tenant;
    const query = (db: typeof a.deps.db) => prepared(db, "probe", (orm) => ({ orm }));
    expect(query(a.deps.db)).toBe(query(a.deps.db));
    expect(query(a.deps.db)).not.toBe(query(b.deps.db));
    expect((await getTenantRow(a.deps.db, ta.id)).name).toBe("A Gym");
    // Each database has its own query: A's workspace is not in B's.
    await expect(getTenantRow(b.deps.db, ta.id)).rejects.toBeInstanceOf(NotFoundError);
    expect((await getTenantRow(b.deps.db, tb.id)).name).toBe("B Gym");
    // The query is kept, not its answer: a change is read at once.
    a.db.sqlite.prepare("update tenants set name = 'A Gym & Spa' where id = ?").run(ta.id);
    expect((await getTenantRow(a.deps.db, ta.id)).name).toBe("A Gym & Spa");
  });
});

describe("schema", () => {
  it("finds every foreign key's rows by an index led by its column (a cascade must not scan)", () => {
    const db = openDatabase(":memory:");
    migrateDatabase(db);
    const s = db.sqlite;
    const names = (q: string) => (s.prepare(q).all() as { name: string }[]).map((r) => r.name);
    const unindexed: string[] = [];
    let checked = 0;
    for (const t of names("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")) {
      const leading = new Set(names(`pragma index_list("${t}")`).map((i) => names(`pragma index_info("${i}")`)[0]));
      const pk = (s.prepare(`pragma table_info("${t}")`).all() as { name: string; pk: number }[]).find(
        (c) => c.pk === 1,
      );
      if (pk) leading.add(pk.name);
      for (const fk of s.prepare(`pragma foreign_key_list("${t}")`).all() as { from: string; table: string }[]) {
        checked++;
        if (!leading.has(fk.from)) unindexed.push(`${t}.${fk.from} -> ${fk.table}`);
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(unindexed).toEqual([]);
    db.close();
  });

  it("looks customers up by a bound list of ids through the primary key, not a scan of the workspace", () => {
    const db = openDatabase(":memory:");
    migrateDatabase(db);
    const ids = Array.from({ length: 40 }, (_, i) => `cus_${i}`); // past the inlined-list size
    const plan = (tenant: SQL) => {
      const q = db.orm
        .select()
        .from(customers)
        .where(and(tenant, inList(customers.id, ids)))
        .toSQL();
      return (db.sqlite.prepare(`explain query plan ${q.sql}`).all(...q.params) as { detail: string }[])
        .map((r) => r.detail)
        .join("; ");
    };
    expect(plan(tenantFilter(customers.tenantId, "ten_1"))).toMatch(
      /^SEARCH customers USING INDEX sqlite_autoindex_customers_1 \(id=\?\)/,
    );
    // What a plain equality gets without statistics: every customer of the workspace.
    expect(plan(eq(customers.tenantId, "ten_1"))).toMatch(
      /^SEARCH customers USING INDEX customers_birthday \(tenant_id=\?\)/,
    );
    // A group membership change touches its customers by id too.
    expect(
      (db.sqlite.prepare(`explain query plan ${TOUCH_CUSTOMERS_SQL}`).all(0, "ten_1", "[]") as { detail: string }[])
        .map((r) => r.detail)
        .join("; "),
    ).toMatch(/^SEARCH customers USING INDEX sqlite_autoindex_customers_1 \(id=\?\)/);
    db.close();
  });

  it("reads a page of customers or messages in each list order from an index, never sorting the workspace", async () => {
    const env = setup();
    const { client: api } = await tenant(env);
    // The statements the list routes compile, as the service writes them.
    const texts: string[] = [];
    const sqlite = env.db.sqlite;
    const prepare = sqlite.prepare.bind(sqlite);
    sqlite.prepare = ((text: string) => {
      texts.push(text);
      return prepare(text);
    }) as typeof sqlite.prepare;
    for (const query of ["", "?sort=newest", "?sort=name", "?tier=gold", "?consent=subscribed&sort=name"]) {
      expect((await api.get(`/v1/customers${query}`)).status).toBe(200);
    }
    expect((await api.get("/v1/messages?limit=50")).status).toBe(200);
    expect((await api.get("/v1/customers?total=true")).status).toBe(200);
    // An import looks its rows up by phone and external id.
    const csv = "phone,external_id,name\n+8613800000001,M1,A\n+8613800000002,M2,B\n";
    expect((await api.post("/v1/customers/import", csv, { "content-type": "text/csv" })).status).toBe(200);
    expect((await api.post("/v1/customers/import", csv, { "content-type": "text/csv" })).status).toBe(200);
    sqlite.prepare = prepare as typeof sqlite.prepare;
    const plan = (text: string) => {
      const params = Array.from({ length: text.split("?").length - 1 }, () => "x");
      return (sqlite.prepare(`explain query plan ${text}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join("; ");
    };
    // Each lookup by phone or external id goes through its unique index. Led by (tenant_id,
    // deleted_at), the lists' indexes won that choice and an import read every live profile
    // for each batch of rows (4,500 rows/s instead of 47,000 at 100k).
    const lookups = texts.filter((t) => /^select .* from customers where .*(phone|external_id) (=|in)/.test(t));
    expect(lookups.length).toBeGreaterThanOrEqual(2);
    for (const text of lookups) expect(plan(text), text).toMatch(/USING INDEX customers_tenant_(phone|external)/);
    const lists = texts.filter((t) => /^select .* from "?(customers|messages)"? .*order by/.test(t));
    expect(lists.length).toBeGreaterThanOrEqual(4);
    expect(lists.some((t) => /from messages where tenant_id = \? .*order by id desc limit \?$/.test(t))).toBe(true);
    // The total counts the index alone (without deleted_at in it, every row was read: 280 ms at 100k).
    const total = texts.find((t) => /^select count\(\*\) from "customers"/.test(t)) as string;
    expect(plan(total)).toBe("SEARCH customers USING COVERING INDEX customers_tenant_order (tenant_id=?)");
    for (const text of lists) {
      // Without customers_tenant_order a page of 100k members took 230 ms: every one sorted.
      expect(plan(text), text).not.toMatch(/TEMP B-TREE|SCAN/);
      expect(plan(text), text).toMatch(/USING INDEX (customers_tenant_order|customers_tenant_name|messages_key)/);
    }
  });

  it("moves each message's history into its row in insertion order, and dates what settled (0034)", () => {
    const sqlite = new BetterSqlite3(":memory:");
    const apply = (file: string) => {
      for (const stmt of readFileSync(join(MIGRATIONS_DIR, file), "utf8").split("--> statement-breakpoint"))
        if (stmt.trim()) sqlite.exec(stmt);
    };
    const files = readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith(".sql"))
      .sort();
    const at = files.findIndex((f) => f.startsWith("0034_"));
    for (const f of files.slice(0, at)) apply(f);
    sqlite.pragma("foreign_keys = OFF"); // no workspace row needed for these messages
    const message =
      sqlite.prepare(`insert into messages (id, tenant_id, customer_id, campaign_id, kind, variables, is_reply,
      quiet_hours, status, send_at, due_at, sent_at, created_at, updated_at)
      values (?, 'ten_1', 'cus_1', 'cmp_1', 'notification', '{}', 0, 0, ?, 0, 0, ?, 0, ?)`);
    message.run("msg_1", "delivered", 5, 9);
    message.run("msg_2", "skipped", null, 7);
    message.run("msg_3", "queued", null, 3);
    // Ids made in SQL (planning) do not sort with generated ones: order is the insertion order.
    const event = sqlite.prepare(
      "insert into message_events (id, tenant_id, message_id, at, status, reason, detail, applied) values (?, 'ten_1', 'msg_1', ?, ?, ?, ?, ?)",
    );
    event.run("mev_c", 1, "planned", null, "Planned by campaign X", 1);
    event.run("mev_a", 5, "sent", null, null, 1);
    event.run("mev_b", 9, "delivered", null, null, 1);
    event.run("mev_0", 10, "sent", "late_report", "Reported after delivered; not applied", 0);
    apply(files[at] as string);
    const rows = sqlite.prepare("select id, settled_at, history from messages order by id").all() as {
      id: string;
      settled_at: number | null;
      history: string | null;
    }[];
    expect(rows.map((r) => [r.id, r.settled_at])).toEqual([
      ["msg_1", 5],
      ["msg_2", 7],
      ["msg_3", null],
    ]);
    expect(readHistory(rows[0]?.history ?? null)).toEqual([
      { at: 1, status: "planned", reason: null, detail: "Planned by campaign X", applied: true },
      { at: 5, status: "sent", reason: null, detail: null, applied: true },
      { at: 9, status: "delivered", reason: null, detail: null, applied: true },
      {
        at: 10,
        status: "sent",
        reason: "late_report",
        detail: "Reported after delivered; not applied",
        applied: false,
      },
    ]);
    expect(rows[1]?.history).toBeNull();
    expect(sqlite.prepare("select name from sqlite_master where name = 'message_events'").all()).toEqual([]);
    sqlite.close();
  });

  it("finds due, stale and expiring messages through the partial messages_due index, never a scan", () => {
    const db = openDatabase(":memory:");
    migrateDatabase(db);
    const plan = (q: string, params: unknown[]) =>
      (db.sqlite.prepare(`explain query plan ${q}`).all(...params) as { detail: string }[]).map((r) => r.detail);
    for (const range of [...claimRanges("rowid"), ...claimRanges("tenant_id, id")]) {
      const steps = plan(range, [0, 10, 0, 10]);
      expect(
        steps.filter((d) => /USING (COVERING )?INDEX messages_due \(status=\? AND priority=\? AND due_at<\?\)/.test(d)),
      ).toHaveLength(2);
      expect(steps.join("; ")).not.toMatch(/SCAN messages/);
    }
    expect(plan(RECOVER_SQL, [0])).toEqual(["SEARCH messages USING INDEX messages_due (status=?)"]);
    expect(plan(`select id from messages where ${EXPIRING}`, [0])).toEqual([
      "SEARCH messages USING INDEX messages_due (status=?)",
    ]);
    // Without the condition word for word, SQLite cannot use the partial index.
    expect(plan("select * from messages where status = 'sending' and lease_until < ?", [0])).toEqual(["SCAN messages"]);
    db.close();
  });

  it("finds a campaign's messages through the partial messages_campaign index", () => {
    const db = openDatabase(":memory:");
    migrateDatabase(db);
    const plan = (q: string) =>
      (db.sqlite.prepare(`explain query plan ${q}`).all("ten_a", "cmp_a") as { detail: string }[]).map((r) => r.detail);
    // The campaign's report and its pending messages: campaign_id = ? implies "is not null".
    expect(
      plan(
        "select status, reason, count(*) from messages where tenant_id = ? and campaign_id = ? group by status, reason",
      ),
    ).toContain("SEARCH messages USING INDEX messages_campaign (tenant_id=? AND campaign_id=?)");
    // Its messages still to send (to pause, resume or cancel them), and whether it has any left:
    // settled_at, not status, so that a claim and a receipt leave the index alone.
    expect(
      plan(
        "select id from messages where tenant_id = ? and campaign_id = ? and settled_at is null and status = 'planned'",
      ).join("; "),
    ).toMatch(/USING INDEX messages_campaign \(tenant_id=\? AND campaign_id=\? AND settled_at=\?\)/);
    const finished = db.sqlite.prepare(`explain query plan select id from campaigns where ${FINISHED}`).all() as {
      detail: string;
    }[];
    expect(finished.map((r) => r.detail).join("; ")).toMatch(
      /SEARCH m USING COVERING INDEX messages_campaign \(tenant_id=\? AND campaign_id=\? AND settled_at=\?\)/,
    );
    db.close();
  });
});
