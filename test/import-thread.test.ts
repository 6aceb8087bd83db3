// Imports parsed on their own thread (src/node/import-parser.ts), as `npm start` and the CLI
// run them: a real worker thread, real files through the real import.
import { afterAll, describe, expect, it } from "vitest";
import { importCustomers } from "../src/customers/import";
import { type NewAttribute, type RowChunk, rowAt, type StagedRow } from "../src/customers/import-chunk";
import { parseInline } from "../src/customers/import-parse";
import type { PrepareRules } from "../src/customers/model";
import { COLUMNS, completeNewValues } from "../src/customers/row-values";
import { insertStatements, newCustomersDates } from "../src/customers/store";
import { CsvSyntaxError } from "../src/lib/csv";
import { startImportParser } from "../src/node/import-parser";
import { setup, tenant } from "./helpers";
import { until } from "./wait";

const parser = startImportParser();
afterAll(() => parser.stop());

/** A stream of `text` cut into pieces of `size` bytes (cuts fall inside UTF-8 sequences too). */
function bytes(text: string, size = 1 << 16): ReadableStream<Uint8Array> {
  const all = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= all.length) return c.close();
      c.enqueue(all.slice(at, at + size));
      at += size;
    },
  });
}

const RULES: PrepareRules = {
  tenantId: "ten_x",
  defaultCountry: "CN",
  defaultTimeZone: "Asia/Shanghai",
  defaultLocale: "zh-CN",
  tiers: ["ordinary", "gold"],
  attributeTypes: [],
  staffIds: [],
};

/** Everything a parse stage gave: the header, the rows, the attribute types it inferred. */
async function staged(source: AsyncIterable<RowChunk>) {
  let header: string[] | undefined;
  const rows: StagedRow[] = [];
  const newAttributes: NewAttribute[] = [];
  for await (const chunk of source) {
    if (chunk.header) header = chunk.header;
    for (let i = 0; i < chunk.lines.length; i++) rows.push(rowAt(chunk, i));
    newAttributes.push(...chunk.newAttributes);
  }
  return { header, rows, newAttributes };
}

const rows = async (source: AsyncIterable<RowChunk>) => (await staged(source)).rows;

const FILE = [
  "\ufeff姓名,手机号,member_id,note",
  '"Wang, Fang",138 0013 8000,M1,"two\r\nlines"',
  "李娜,12345,M2,",
  "No Phone,,M3,x",
  "Ragged,13900139000",
  "",
].join("\r\n");

describe("the import parse thread", () => {
  it("gives the rows, phones and prepared values the inline parse stage gives, however the bytes are cut", async () => {
    const inline = await staged(parseInline(bytes(FILE), RULES));
    expect(inline.header).toEqual(["姓名", "手机号", "member_id", "note"]);
    expect(inline.rows.map((r) => [r.line, r.cells[0], r.phone, r.externalId, r.values?.slice(2, 5)])).toEqual([
      [2, "Wang, Fang", { ok: true, e164: "+8613800138000" }, "M1", ["M1", "Wang, Fang", "+8613800138000"]],
      // Not valid as a new customer (its phone), but it may update one: the writer decides.
      [4, "李娜", { ok: false, reason: "is too short", problem: "too_short" }, "M2", undefined],
      [5, "No Phone", undefined, "M3", undefined],
      [6, "Ragged", { ok: true, e164: "+8613900139000" }, undefined, [null, "Ragged", "+8613900139000"]],
    ]);
    expect(inline.newAttributes).toEqual([{ key: "note", type: "string" }]);
    expect(await staged(parser.parse(bytes(FILE), RULES))).toEqual(inline);
    expect(await staged(parser.parse(bytes(FILE, 3), RULES))).toEqual(inline);
  });

  it("rejects bad cells and repeated phones or external ids itself, naming the line first seen", async () => {
    const csv = "phone,member_id,tier\n13800138000,M1,gold\n13800138000,M2,\n13900139000,M1,\n13700137000,M3,bronze\n";
    const threaded = await rows(parser.parse(bytes(csv), RULES));
    const dup = (value: string) => ({ code: "duplicate", value, first_line: 2 });
    expect(threaded.map((r) => [r.line, r.rejected, r.values === undefined])).toEqual([
      [2, undefined, false],
      [
        3,
        [{ column: "phone", reason: "duplicate phone +8613800138000: already on line 2", ...dup("13800138000") }],
        true,
      ],
      [4, [{ column: "member_id", reason: "duplicate external id M1: already on line 2", ...dup("M1") }], true],
      // An unknown tier is the writer's to report (the row might update a customer, and fail there too).
      [5, undefined, true],
    ]);
    expect(threaded).toEqual(await rows(parseInline(bytes(csv), RULES)));
  });

  it("reports a broken file with its line, and the upload's own failure as it is", async () => {
    const broken = 'name,phone\nA,13800138000\n"unclosed,13900139000\n';
    const error = await rows(parser.parse(bytes(broken), RULES)).catch((e) => e);
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect(error).toMatchObject({ line: 3 });
    expect(error.reason).toMatch(/quote/i);

    const cut = new Error("connection reset");
    let sent = false;
    const failing = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent) return c.error(cut);
        sent = true;
        c.enqueue(new TextEncoder().encode("name,phone\nA,13800138000\n"));
      },
    });
    await expect(rows(parser.parse(failing, RULES))).rejects.toBe(cut);
  });

  it("imports a large file (the reader waits for the writer) exactly as inline does", async () => {
    const lines = ["phone,name,member_id,last_visit,points"];
    for (let i = 0; i < 25_000; i++)
      lines.push(
        `13${5 + (i % 5)}${String(10_000_000 + i).slice(-8)},M ${i},E${i},2026-0${1 + (i % 9)}-1${i % 10},${i}`,
      );
    lines.push("13500000001,Dup,E0,2026-01-01,1"); // a duplicate external id
    lines.push("999,Bad,E-bad,,"); // an invalid phone
    const csv = lines.join("\n");

    const a = setup();
    const b = setup();
    const ta = await tenant(a);
    const tb = await tenant(b);
    const threaded = await importCustomers({ ...a.deps, tenantId: ta.tenant.id }, bytes(csv), parser.parse);
    const inline = await importCustomers({ ...b.deps, tenantId: tb.tenant.id }, bytes(csv));
    expect(threaded).toMatchObject({ rows: 25_002, created: 25_000, rejected: 2 });
    expect(threaded.errors.map((e) => [e.line, e.column])).toEqual([
      [25_002, "member_id"],
      [25_003, "phone"],
    ]);
    expect(threaded).toEqual(inline);
    const dates = (env: typeof a) =>
      env.db.sqlite.prepare("select count(*) as n, count(distinct customer_id) as c from customer_dates").get();
    expect(dates(a)).toEqual({ n: 25_000, c: 25_000 });
  });

  it("sends the thread at most about a mebibyte it has not read yet, however fast the upload is", async () => {
    // An upload that is always ready (as a local file is): 40 MB if read whole.
    let sent = 0;
    const enc = new TextEncoder();
    let line = 0;
    const fast = new ReadableStream<Uint8Array>({
      pull(c) {
        let text = line === 0 ? "phone,name\n" : "";
        for (let k = 0; k < 1000; k++, line++)
          text += `13${5 + (line % 5)}${String(10_000_000 + line).slice(-8)},M ${line}\n`;
        const b = enc.encode(text);
        sent += b.byteLength;
        c.enqueue(b);
        if (sent > 40_000_000) c.close();
      },
    });
    let seenAtFirstRows = -1;
    for await (const chunk of parser.parse(fast, RULES)) {
      if (chunk.lines.length === 0) continue;
      seenAtFirstRows = sent;
      break;
    }
    // One mebibyte ahead, plus the piece read and the one waiting in the stream.
    expect(seenAtFirstRows).toBeGreaterThan(0);
    expect(seenAtFirstRows).toBeLessThan((1 << 20) + 3 * 30_000);
  });

  it("fails the import under way when the thread dies, and the next import gets a new thread", async () => {
    const env = setup();
    const t = await tenant(env);
    const ctx = { ...env.deps, tenantId: t.tenant.id };
    await parser.ready;
    const dying = parser.thread;
    let sent = 0;
    const slow = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (sent++ === 0) c.enqueue(new TextEncoder().encode("phone,name\n13800138000,A\n"));
        else await new Promise((r) => setTimeout(r, 50));
        if (sent === 3) await dying?.terminate();
      },
    });
    await expect(importCustomers(ctx, slow, parser.parse)).rejects.toThrow(/exited/);
    const report = await importCustomers(ctx, bytes("phone,name\n13900139000,B\n"), parser.parse);
    expect(report).toMatchObject({ created: 1, rejected: 0 });
    expect(parser.thread).not.toBe(dying);
  });

  it("ends the thread when idle, and starts it again for the next import", async () => {
    const brief = startImportParser({ idleMs: 50 });
    try {
      await brief.ready;
      const first = brief.thread;
      expect(first).not.toBeNull();
      await until("the idle thread ends", () => brief.thread === null, 5000);
      const again = await rows(brief.parse(bytes(FILE), RULES));
      expect(again).toEqual(await rows(parseInline(bytes(FILE), RULES)));
      expect(brief.thread).not.toBe(first);
    } finally {
      await brief.stop();
    }
  });

  it("writes new customers' dates with one lookup by id each, never a walk of the workspace", () => {
    const env = setup();
    const st = newCustomersDates("ten_x", ["cus_a", "cus_b"]);
    const plan = env.db.sqlite
      .prepare(`explain query plan ${st.sql}`)
      .all(...st.params)
      .map((r) => (r as { detail: string }).detail);
    expect(plan.some((d) => /^SEARCH c USING INDEX sqlite_autoindex_customers_1 \(id=\?\)/.test(d))).toBe(true);
    expect(plan.some((d) => /^SCAN c\b/.test(d))).toBe(false);
  });

  it("inserts new rows with what they share written in the statement, quotes and all", async () => {
    const env = setup();
    const t = await tenant(env);
    const shared = { tenantId: t.tenant.id, locale: "en", timeZone: "Europe/London", source: "Tom's import" };
    // As the parse stage ships a row: the shared columns null, except a zone of its own.
    const values: unknown[] = COLUMNS.map(() => null);
    const at = (c: (typeof COLUMNS)[number]) => COLUMNS.indexOf(c);
    values[at("name")] = "O'Brien";
    values[at("phone")] = "+447700900123";
    values[at("time_zone")] = "Europe/Dublin";
    values[at("birthday_lunar")] = 0;
    values[at("tags")] = "[]";
    values[at("attributes")] = "{}";
    const zones = new Set<string>();
    const ctx = { ...env.deps, tenantId: t.tenant.id };
    await env.db.batch(insertStatements(ctx, completeNewValues(values, "cus_shared", 5), null, zones, shared));
    const row = env.db.sqlite
      .prepare(
        "select tenant_id, name, locale, time_zone, consent_state, source, created_at from customers where id = 'cus_shared'",
      )
      .get();
    expect(row).toEqual({
      tenant_id: t.tenant.id,
      name: "O'Brien",
      locale: "en",
      time_zone: "Europe/Dublin",
      consent_state: "never_asked",
      source: "Tom's import",
      created_at: 5,
    });
    expect(zones).toEqual(new Set(["Europe/Dublin"]));
  });
});
