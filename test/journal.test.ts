// The inbound journal (src/node/journal.ts): webhooks' SMS in a file of their own,
// moved into inbound_messages by the jobs thread. Real files, both connections, no thread: the
// thread's side is a function, called here as the pipeline calls it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import type { InboundSms } from "../src/delivery/provider";
import { systemClock } from "../src/lib/clock";
import { IdGenerator } from "../src/lib/ids";
import { countClicks } from "../src/links/clicks";
import { migrateDatabase, openDatabase } from "../src/node/db";
import { clickIntake, journalIntake, journalLink, openJournal } from "../src/node/journal";
import { until } from "./wait";

const dir = mkdtempSync(join(tmpdir(), "tidings-journal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const channel = { id: "chn_1", tenantId: "ten_1" };
const sms = (id: string, text: string): InboundSms => ({
  providerMessageId: id,
  from: "+8613800138000",
  to: "+8610690000",
  text,
});

function setup(name: string) {
  const path = join(dir, `${name}.db`);
  const db = openDatabase(path);
  migrateDatabase(db);
  // inbound_messages rows belong to a workspace and a channel (foreign keys).
  db.sqlite.exec(`insert into tenants (id, name, slug, default_country, time_zone, locale, tiers, created_at, updated_at)
      values ('ten_1', 'T', 't', 'CN', 'Asia/Shanghai', 'zh-CN', '[]', 0, 0);
    insert into channels (id, tenant_id, name, provider, config, credentials, counting, is_default, created_at, updated_at)
      values ('chn_1', 'ten_1', 'Sim', 'simulator', '{}', 'x', 'standard', 1, 0, 0)`);
  const link = journalLink(path);
  const deps = { clock: systemClock, ids: new IdGenerator(systemClock) };
  return { path, db, link, deps };
}

/** A look at the journal file itself, as a third connection. */
function journalFile<T>(path: string, read: (file: BetterSqlite3.Database) => T): T {
  const file = new BetterSqlite3(`${path}-inbound`, { readonly: true });
  try {
    return read(file);
  } finally {
    file.close();
  }
}

const stored = (db: ReturnType<typeof openDatabase>) =>
  db.sqlite
    .prepare("select id, provider_message_id, body, raw from inbound_messages order by provider_message_id")
    .all() as {
    id: string;
    provider_message_id: string;
    body: string;
    raw: string;
  }[];

describe("the inbound journal", () => {
  it("keeps webhooks' SMS out of the database until the jobs thread moves them in, once each", async () => {
    const { db, link, deps } = setup("move");
    const journal = openJournal(link, deps);
    const text = "退订 'stop'; drop table customers; -- {{name}} 👍";
    expect(await journal.append(channel, [sms("p1", text), sms("p2", "ok")], (m) => `raw:${m.providerMessageId}`)).toBe(
      2,
    );
    // The provider sends p1 again (no answer reached it): journaled again, stored once.
    expect(await journal.append(channel, [sms("p1", text)], () => "raw:p1 again")).toBe(1);
    expect(journal.size()).toBe(3);
    expect(stored(db)).toEqual([]);

    const { intake, close } = journalIntake(link, db);
    await intake();
    const rows = stored(db);
    expect(rows.map((r) => [r.provider_message_id, r.body, r.raw])).toEqual([
      ["p1", text, "raw:p1"],
      ["p2", "ok", "raw:p2"],
    ]);
    expect(rows.every((r) => r.id.startsWith("inb_"))).toBe(true);
    expect(Atomics.load(link.moved, 0)).toBe(3n);

    // The next commit here prunes what was moved; only the new message is left.
    await journal.append(channel, [sms("p3", "later")], () => "raw:p3");
    expect(journal.size()).toBe(1);
    await intake();
    expect(stored(db).map((r) => r.provider_message_id)).toEqual(["p1", "p2", "p3"]);
    close();
    journal.close();
    db.close();
  });

  it("journals short links' clicks beside the SMS, moved in by the click job once each, then pruned", async () => {
    const { db, link, deps } = setup("clicks");
    const journal = openJournal(link, deps);
    const click = (id: string, at: number) => ({
      id,
      tenantId: "ten_1",
      code: "AbCdEfGh12",
      at,
      agent: "browser" as const,
      userAgent: "Mozilla/5.0 'x'; --",
    });
    // A click waiting for its commit goes with the next SMS's; alone, within milliseconds.
    journal.appendClick(click("clk_1", 1000));
    await journal.append(channel, [sms("s1", "hi")], () => "{}");
    expect(journal.size()).toBe(2);
    journal.appendClick(click("clk_2", 2000));
    await until("the lone click committed", () => journal.size() === 3 || null);
    const clicksIn = () =>
      db.sqlite.prepare("select id, code, at, agent, user_agent from link_clicks order by at").all();
    expect(clicksIn()).toEqual([]);

    // A thread that moved them, died before pruning, and a new one that moves them again.
    for (let run = 0; run < 2; run++) {
      const { intake, close } = clickIntake(link, db);
      await intake();
      close();
      expect(clicksIn()).toEqual([
        { id: "clk_1", code: "AbCdEfGh12", at: 1000, agent: "browser", user_agent: "Mozilla/5.0 'x'; --" },
        { id: "clk_2", code: "AbCdEfGh12", at: 2000, agent: "browser", user_agent: "Mozilla/5.0 'x'; --" },
      ]);
    }
    // Moving clicks leaves the SMS where they are, for the pipeline.
    expect(stored(db)).toEqual([]);
    expect(Atomics.load(link.moved, 1)).toBe(2n);
    journal.appendClick(click("clk_3", 3000));
    await until("the moved clicks pruned", () => journal.size() === 2 || null);
    const sms1 = journalIntake(link, db);
    await sms1.intake();
    sms1.close();
    expect(stored(db).map((r) => r.provider_message_id)).toEqual(["s1"]);
    journal.close();
    db.close();
  });

  it("counts a click once when a restarted thread moves it in again after it was counted", async () => {
    const { db, link, deps } = setup("recount");
    db.sqlite.exec(`insert into links (code, tenant_id, message_id, customer_id, position, url, created_at)
      values ('AbCdEfGh12', 'ten_1', 'msg_1', 'cus_gone', 0, 'https://gym.example/a', 0)`);
    const journal = openJournal(link, deps);
    journal.appendClick({
      id: "clk_1",
      tenantId: "ten_1",
      code: "AbCdEfGh12",
      at: Date.now(),
      agent: "browser",
      userAgent: "Mozilla/5.0 (iPhone)",
    });
    await until("the click committed", () => journal.size() === 1 || null);
    // Moved and counted; the jobs thread dies before the journal is pruned; a new one moves it again.
    for (let run = 0; run < 2; run++) {
      const intake = clickIntake(link, db);
      await countClicks({ ...deps, db, intake: intake.intake });
      intake.close();
    }
    expect(db.sqlite.prepare("select clicks, bot_clicks from links").get()).toEqual({ clicks: 1, bot_clicks: 0 });
    journal.close();
    db.close();
  });

  it("moves again what a restarted thread finds unpruned, and stores nothing twice", async () => {
    const { db, link, deps } = setup("restart");
    const journal = openJournal(link, deps);
    await journal.append(channel, [sms("a", "1"), sms("b", "2")], () => "{}");
    const first = journalIntake(link, db);
    await first.intake();
    first.close();
    expect(journal.size()).toBe(2); // moved, not yet pruned
    // A new thread starts from the beginning of the journal.
    const second = journalIntake(link, db);
    await second.intake();
    expect(stored(db).map((r) => r.provider_message_id)).toEqual(["a", "b"]);
    second.close();
    journal.close();
    db.close();
  });

  it("never reuses a seq, even once every row is pruned and the file reopened", async () => {
    const { path, db, link, deps } = setup("seq");
    let journal = openJournal(link, deps);
    await journal.append(channel, [sms("x1", "1"), sms("x2", "2")], () => "{}");
    const { intake, close } = journalIntake(link, db);
    await intake();
    // No webhook comes: the idle pruner empties the journal.
    await until("the journal to be pruned", () => journal.size() === 0, 5000);
    journal.close();
    journal = openJournal(link, deps);
    await journal.append(channel, [sms("x3", "3")], () => "{}");
    // Had seq 1 come back, the thread (already past 2) would never move it.
    expect(journalFile(path, (f) => f.prepare("select seq from inbound_journal").pluck().all())).toEqual([3]);
    await intake();
    expect(stored(db).map((r) => r.provider_message_id)).toEqual(["x1", "x2", "x3"]);
    close();
    journal.close();
    db.close();
  });

  it("waits while the HTTP thread is busy, at most two seconds, then moves anyway", async () => {
    const { db, link, deps } = setup("busy");
    let journal = openJournal(link, deps);
    await journal.append(channel, [sms("q1", "1")], () => "{}");
    // Closed, so its own meter (this thread, idle) does not overwrite the stand-in below.
    journal.close();
    const { intake, close } = journalIntake(link, db);
    // What a busy HTTP thread's meter would say: over half its time serving requests.
    Atomics.store(link.busy, 0, 600);
    const t0 = performance.now();
    await intake();
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(1990);
    expect(stored(db).map((r) => r.provider_message_id)).toEqual(["q1"]);
    // Not busy: no wait.
    Atomics.store(link.busy, 0, 100);
    journal = openJournal(link, deps);
    await journal.append(channel, [sms("q2", "2")], () => "{}");
    const t1 = performance.now();
    await intake();
    expect(performance.now() - t1).toBeLessThan(900);
    expect(stored(db).map((r) => r.provider_message_id)).toEqual(["q1", "q2"]);
    close();
    journal.close();
    db.close();
  });

  it("gives the disk back once a storm's rows are all moved", async () => {
    const { path, db, link, deps } = setup("shrink");
    const journal = openJournal(link, deps, { shrinkOverBytes: 256 * 1024 });
    const pages = () => journalFile(path, (f) => f.pragma("page_count", { simple: true }) as number);
    const storm = Array.from({ length: 2000 }, (_, i) => sms(`s${i}`, "x".repeat(200)));
    await journal.append(channel, storm, () => "r".repeat(300));
    expect(pages() * 4096).toBeGreaterThan(1024 * 1024);
    const { intake, close } = journalIntake(link, db);
    await intake(); // a thousand at a time
    await new Promise((r) => setTimeout(r, 1100));
    // Half moved: pruned, but rows remain, so the file keeps its size.
    expect(journal.size()).toBe(1000);
    expect(pages() * 4096).toBeGreaterThan(1024 * 1024);
    await intake();
    await until("the journal to shrink", () => pages() * 4096 < 64 * 1024, 5000);
    expect(journal.size()).toBe(0);
    // Still a journal: the next webhook goes in and is moved as before.
    await journal.append(channel, [sms("after", "hi")], () => "{}");
    expect(journalFile(path, (f) => f.prepare("select seq from inbound_journal").pluck().all())).toEqual([2001]); // not 1
    await intake();
    expect(db.sqlite.prepare("select count(*) from inbound_messages").pluck().get()).toBe(2001);
    close();
    journal.close();
    db.close();
  });

  it("measures how busy this thread's event loop is, for the jobs thread to yield to", async () => {
    const { db, link, deps } = setup("meter");
    const journal = openJournal(link, deps);
    const spin = performance.now() + 300;
    while (performance.now() < spin) {} // a webhook storm, as the event loop sees it
    // Its timer was due during the spin, so it has measured it by now (and not the next 100 ms).
    await new Promise((r) => setTimeout(r, 30));
    expect(Atomics.load(link.busy, 0)).toBeGreaterThan(850);
    await new Promise((r) => setTimeout(r, 350));
    expect(Atomics.load(link.busy, 0)).toBeLessThan(200);
    journal.close();
    db.close();
  });
});
