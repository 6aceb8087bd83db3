import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { type TestEnv, tenant } from "./harness";

const CSV = { "content-type": "text/csv; charset=utf-8" };

async function count(env: TestEnv): Promise<number> {
  const [row] = await env.db.rawAll<{ n: number }>("select count(*) as n from customers", []);
  return row?.n ?? Number.NaN;
}

describe("CSV import", () => {
  it("handles a BOM, CRLF, quoted commas and Chinese names, with per-row rejections", async () => {
    const env = await setup();
    const t = await tenant(env);
    const csv = [
      "\ufeff姓名,手机号,member_id,tier,birthday,birthday_lunar,tags,consent,last_visit,points",
      '"Wang, Fang",138 0013 8000,M1,Gold,1988-08-15,,yoga;early-bird,yes,2026-10-01,120',
      "李娜,13900139000,M2,silver,08-15,true,,no,2026-11-01,80",
      "Bad Phone,12345,M3,,,,,,,",
      "Dup Phone,+8613800138000,M4,,,,,,,",
      '"Multi\nline",13700137000,M5,platinum,1990-13-01,,,,,',
      "Bad Consent,13600136000,M6,,,,,maybe,,",
      "",
    ].join("\r\n");
    const res = await t.client.post("/v1/customers/import", csv, CSV);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 6, created: 2, updated: 0, unchanged: 0, rejected: 4 });
    expect(res.body.errors).toEqual([
      // Each with a stable code and its figures, for a page to say in its own language.
      { line: 4, column: "手机号", reason: "'12345' is too short", code: "phone_too_short", value: "12345" },
      {
        line: 5,
        column: "手机号",
        reason: "duplicate phone +8613800138000: already on line 2",
        code: "duplicate",
        value: "+8613800138000",
        first_line: 2,
      },
      // A row spanning lines (a quoted line break) is reported by the line it starts on.
      { line: 6, column: "birthday", reason: "month must be 1-12", code: "not_real_date" },
      {
        line: 6,
        column: "tier",
        reason: "'platinum' is not one of this workspace's tiers (ordinary, silver, gold, diamond)",
        code: "one_of",
        values: ["ordinary", "silver", "gold", "diamond"],
      },
      {
        line: 8,
        column: "consent",
        reason: "'maybe' is not subscribed, unsubscribed or never_asked",
        code: "not_consent",
        value: "maybe",
      },
    ]);
    expect(res.body.new_attributes).toEqual([
      { key: "last_visit", type: "date" },
      { key: "points", type: "number" },
    ]);
    const list = await t.client.get("/v1/customers");
    expect(list.body.data.map((c: any) => [c.name, c.phone, c.external_id, c.tier, c.consent.state])).toEqual([
      ["Wang, Fang", "+8613800138000", "M1", "gold", "subscribed"],
      ["李娜", "+8613900139000", "M2", "silver", "unsubscribed"],
    ]);
    expect(list.body.data[0]).toMatchObject({
      tags: ["early-bird", "yoga"],
      birthday: { year: 1988, month: 8, day: 15, lunar: false },
      attributes: { last_visit: "2026-10-01", points: 120 },
      consent: { source: "import", at: env.clock.now().toISOString() },
      source: "import",
    });
    // Rows written as the parse stage prepared them still get their consent on the ledger.
    const ledger = await env.db.rawAll(
      "select state, source, evidence from consent_events where tenant_id = ? order by state",
      [t.tenant.id],
    );
    expect(ledger).toEqual([
      { state: "subscribed", source: "import", evidence: null },
      { state: "unsubscribed", source: "import", evidence: null },
    ]);
    expect(list.body.data[1].birthday).toEqual({ year: null, month: 8, day: 15, lunar: true });
  });

  it("reads the files spreadsheet programs save: Chinese Excel (GBK), Unicode text (UTF-16, tabs), semicolons", async () => {
    const env = await setup();
    const t = await tenant(env);
    const hex = (h: string) => new Uint8Array((h.match(/../g) as string[]).map((b) => Number.parseInt(b, 16)));
    const utf16le = (text: string) => {
      const out = new Uint8Array(2 + text.length * 2);
      out.set([0xff, 0xfe]);
      for (let i = 0; i < text.length; i++) out.set([text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8], 2 + i * 2);
      return out;
    };
    const upload = async (bytes: Uint8Array<ArrayBuffer>) => {
      const res = await env.app.request("/v1/customers/import", {
        method: "POST",
        headers: { authorization: `Bearer ${t.key}`, "content-type": "text/csv" },
        body: bytes,
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    // "姓名,手机号,等级" and two members, as Excel saves a CSV on Chinese Windows (GB18030/GBK).
    const gbk = hex(
      "d0d5c3fb2ccad6bbfabac52cb5c8bcb60d0ad5d4c3f42c31333930303133393030302c676f6c640d0ac7aeb6e0b6e02c31333930303133393030312c73696c7665720d0a",
    );
    expect(await upload(gbk)).toMatchObject({ status: 200, body: { created: 2, rejected: 0 } });
    // Excel's "Unicode text": UTF-16 with a BOM, tab-separated.
    expect(await upload(utf16le("姓名\t手机号\t等级\r\n孙悦\t13900139003\tsilver\r\n"))).toMatchObject({
      status: 200,
      body: { created: 1, rejected: 0 },
    });
    // A European Excel: semicolons, a quoted cell holding one.
    const semi = new Uint8Array(new TextEncoder().encode('姓名;手机号;标签\n周杰;13900139002;"早课;瑜伽"\n'));
    expect(await upload(semi)).toMatchObject({ status: 200, body: { created: 1, rejected: 0 } });
    const list = (await t.client.get("/v1/customers?sort=name")).body.data;
    expect(list.map((c: { name: string; tier: string | null }) => [c.name, c.tier])).toEqual([
      ["周杰", null],
      ["孙悦", "silver"],
      ["赵敏", "gold"],
      ["钱多多", "silver"],
    ]);
    // The quoted cell was one cell; the tags column then splits it, as it does any cell.
    expect(list[0].tags).toEqual(["早课", "瑜伽"]);
  });

  it("new rows get the workspace's locale and zone, and 'never asked', unless the file says otherwise", async () => {
    const env = await setup();
    const t = await tenant(env, { locale: "en", time_zone: "Europe/London", default_country: "GB" });
    const csv = [
      "phone,name,locale,time_zone,consent",
      "07911 123456,Plain,,,",
      "07911 123457,Own,zh-CN,Asia/Shanghai,yes",
    ].join("\n");
    expect((await t.client.post("/v1/customers/import", csv, CSV)).body).toMatchObject({ created: 2 });
    const list = (await t.client.get("/v1/customers")).body.data;
    expect(list.map((c: any) => [c.name, c.locale, c.time_zone, c.consent.state, c.source])).toEqual([
      ["Plain", "en", "Europe/London", "never_asked", "import"],
      ["Own", "zh-CN", "Asia/Shanghai", "subscribed", "import"],
    ]);
  });

  it("re-importing the same file changes nothing; a changed file updates only what changed", async () => {
    const env = await setup();
    const t = await tenant(env);
    const rows = ["phone,name,external_id,tier"];
    for (let i = 0; i < 30; i++) rows.push(`1380013${8000 + i},Member ${i},E${i},ordinary`);
    const csv = rows.join("\n");
    const first = await t.client.post("/v1/customers/import", csv, CSV);
    expect(first.body).toMatchObject({ created: 30, updated: 0, unchanged: 0, rejected: 0 });
    env.clock.advance(60_000);
    const before = (await t.client.get("/v1/customers?limit=500")).body.data;
    const second = await t.client.post("/v1/customers/import", csv, CSV);
    expect(second.body).toMatchObject({ created: 0, updated: 0, unchanged: 30, rejected: 0 });
    expect((await t.client.get("/v1/customers?limit=500")).body.data).toEqual(before);

    rows[5] = "13800138004,Member 4 renamed,E4,gold";
    const third = await t.client.post("/v1/customers/import", rows.join("\n"), CSV);
    expect(third.body).toMatchObject({ created: 0, updated: 1, unchanged: 29 });
    const changed = (await t.client.get("/v1/customers?q=E4")).body.data[0];
    expect(changed).toMatchObject({ name: "Member 4 renamed", tier: "gold", updated_at: "2026-11-23T04:01:00.000Z" });
    // The update is on the timeline with the fields that changed.
    const tl = await t.client.get(`/v1/customers/${changed.id}/timeline`);
    expect(tl.body.data.at(-1)).toMatchObject({ type: "customer.updated", data: { fields: ["name", "tier"] } });
  });

  it("matches by external id first, and empty cells leave stored values alone", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.post("/v1/customers", { phone: "13800138000", external_id: "CARD-1", name: "Old", tier: "gold" });
    const res = await t.client.post(
      "/v1/customers/import",
      "external_id,phone,name,tier\nCARD-1,13900139000,New,\n",
      CSV,
    );
    expect(res.body).toMatchObject({ created: 0, updated: 1 });
    const [c] = (await t.client.get("/v1/customers")).body.data;
    expect(c).toMatchObject({ phone: "+8613900139000", name: "New", tier: "gold" });
  });

  it("a phone given up earlier in the same file can be taken by a later row", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.post("/v1/customers", { phone: "13800138000", external_id: "A" });
    // A moves to a new number; B, new, takes A's old one.
    const res = await t.client.post("/v1/customers/import", "external_id,phone\nA,13900139000\nB,13800138000\n", CSV);
    expect(res.body).toMatchObject({ updated: 1, created: 1, rejected: 0 });
    const list = (await t.client.get("/v1/customers")).body.data;
    expect(list.map((c: any) => [c.external_id, c.phone])).toEqual([
      ["A", "+8613900139000"],
      ["B", "+8613800138000"],
    ]);
  });

  it("a phone given up earlier in the batch is free for a row looked up later (another lookup slice)", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.post("/v1/customers", { phone: "13800138000", external_id: "A", name: "A" });
    await t.client.post("/v1/customers", { phone: "13700137000", external_id: "C", name: "C" });
    // Rows are looked up a thousand at a time. In the first slice A moves to a new number and C
    // takes A's old one; 1,500 rows later B takes the number C gave up (the database still
    // shows C there until the batch commits), and D asks for A's new one.
    const lines = ["external_id,phone,name", "A,13900139000,A", "C,13800138000,C"];
    for (let i = 0; i < 1500; i++) lines.push(`F${i},1350000${String(i).padStart(4, "0")},Filler`);
    lines.push("B,13700137000,B", "D,13900139000,D");
    const res = await t.client.post("/v1/customers/import", lines.join("\n"), CSV);
    expect(res.body).toMatchObject({ updated: 2, created: 1501, rejected: 1 });
    // D asks for the number A took in this same batch: A holds it now, as the database will say.
    expect(res.body.errors).toEqual([
      {
        line: 1505,
        column: "phone",
        reason: "duplicate phone +8613900139000: already on line 2",
        code: "duplicate",
        value: "13900139000",
        first_line: 2,
      },
    ]);
    const who = async (q: string) => (await t.client.get(`/v1/customers?q=${q}`)).body.data.map((c: any) => c.phone);
    expect(await who("A")).toEqual(["+8613900139000"]);
    expect(await who("C")).toEqual(["+8613800138000"]);
    expect(await who("B")).toEqual(["+8613700137000"]);
  });

  it("refuses a row whose phone belongs to another customer", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.post("/v1/customers", { phone: "13800138000", external_id: "A" });
    await t.client.post("/v1/customers", { phone: "13900139000", external_id: "B" });
    const res = await t.client.post("/v1/customers/import", "external_id,phone\nA,13900139000\n", CSV);
    expect(res.body.rejected).toBe(1);
    expect(res.body.errors[0]).toEqual({
      line: 2,
      column: "phone",
      reason: "phone +8613900139000 belongs to another customer",
      code: "taken_customer",
      value: "+8613900139000",
    });
  });

  // More than one batch (10,000 rows) is test/import-thread.test.ts's 25,000-row file, inline and threaded.
  it("streams a file delivered in pieces that split lines and characters (several lookup slices here)", async () => {
    const env = await setup();
    const t = await tenant(env);
    const lines = ["phone,name,visits"];
    for (let i = 0; i < 2500; i++) lines.push(`+86138${String(10_000_000 + i)},Member ${i},${i}`);
    const body = new TextEncoder().encode(lines.join("\n"));
    // Deliver in small chunks that split lines and multi-byte characters.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let o = 0; o < body.length; o += 777) c.enqueue(body.slice(o, o + 777));
        c.close();
      },
    });
    const res = await env.app.request("/v1/customers/import", {
      method: "POST",
      headers: { authorization: `Bearer ${t.key}`, "content-type": "text/csv" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ rows: 2500, created: 2500, rejected: 0 });
    const preview = await t.client.post("/v1/segments/preview", {
      filter: { field: "attributes.visits", op: "gte", value: 2000 },
    });
    expect(preview.body.count).toBe(500);
  });

  it("rejects a bad header as a whole with 422, and a non-CSV body with 415", async () => {
    const env = await setup();
    const t = await tenant(env);
    const noPhone = await t.client.post("/v1/customers/import", "name,tier\nA,gold\n", CSV);
    expect(noPhone.status).toBe(422);
    expect(noPhone.body.error.details[0]).toMatchObject({ path: "header" });
    const badColumn = await t.client.post("/v1/customers/import", "phone,会员积分\n13800138000,5\n", CSV);
    expect(badColumn.status).toBe(422);
    expect(badColumn.body.error.details[0].message).toContain("'会员积分'");
    const dupColumn = await t.client.post("/v1/customers/import", "phone,mobile\n13800138000,13800138000\n", CSV);
    expect(dupColumn.status).toBe(422);
    const empty = await t.client.post("/v1/customers/import", "", CSV);
    expect(empty.status).toBe(422);
    const json = await t.client.post("/v1/customers/import", { phone: "1" });
    expect(json.status).toBe(415);
    expect((await t.client.get("/v1/customers")).body.data).toEqual([]);
  });

  it("reports a broken CSV (unclosed quote) with 422", async () => {
    const env = await setup();
    const t = await tenant(env);
    const res = await t.client.post("/v1/customers/import", 'phone,name\n13800138000,"unclosed\n', CSV);
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("could not be read");
    expect(res.body.error.details[0]).toMatchObject({ path: "body", line: 2 });
    expect((await t.client.get("/v1/customers")).body.data).toEqual([]);
  });

  it("a file broken after rows were stored answers what it stored and where it stopped; fixed, it converges", async () => {
    const env = await setup();
    const t = await tenant(env);
    const rows = Array.from({ length: 1500 }, (_, i) => `+86138${String(i).padStart(8, "0")},Member ${i}`);
    const broken = ["phone,name", ...rows.slice(0, 1400), '13900000000,"unclosed', ...rows.slice(1400)].join("\n");
    const res = await t.client.post("/v1/customers/import", broken, CSV);
    expect(res.status).toBe(200);
    expect(res.body.complete).toBe(false);
    const { from_line, code, reason } = res.body.stopped;
    expect(code).toBe("csv_syntax");
    expect(reason).toContain("line 1402");
    // Exactly the rows before from_line are stored (line 1 is the header).
    expect(from_line).toBeGreaterThan(1000);
    expect(from_line).toBeLessThanOrEqual(1402);
    expect(res.body.created).toBe(from_line - 2);
    expect(await count(env)).toBe(from_line - 2);
    // The fixed file, sent again: the stored rows are unchanged, the rest are created.
    const fixed = await t.client.post("/v1/customers/import", ["phone,name", ...rows].join("\n"), CSV);
    expect(fixed.body).toMatchObject({ complete: true, stopped: null, created: 1500 - (from_line - 2) });
    expect(fixed.body.unchanged).toBe(from_line - 2);
    expect(await count(env)).toBe(1500);
    // A row whose quoted cell spans lines: the file stops after its last line, not inside it.
    const spanning = [
      "phone,name",
      ...Array.from({ length: 999 }, (_, i) => `+86137${String(i).padStart(8, "0")},Member ${i}`),
      '+8613600000000,"Multi\nline\nname"',
      '13900000001,"unclosed',
    ].join("\n");
    const cut = await t.client.post("/v1/customers/import", spanning, CSV);
    expect(cut.body).toMatchObject({
      complete: false,
      created: 1000,
      stopped: { code: "csv_syntax", from_line: 1004 },
    });
  });

  it("a chunked upload that passes the limit after rows were stored says where it stopped; the rest completes it", async () => {
    const env = await setup();
    env.deps.config.maxImportBytes = 64 * 1024;
    const t = await tenant(env);
    const rows = Array.from({ length: 4000 }, (_, i) => `+86138${String(i).padStart(8, "0")},Member ${i}\n`);
    const upload = (lines: string[]) => {
      const bytes = new TextEncoder().encode(["phone,name\n", ...lines].join(""));
      let at = 0;
      // Without a Content-Length, in pieces, as a chunked upload arrives.
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (at >= bytes.length) return c.close();
          c.enqueue(bytes.slice(at, at + 4096));
          at += 4096;
        },
      });
      return env.app.request("/v1/customers/import", {
        method: "POST",
        headers: { authorization: `Bearer ${t.key}`, "content-type": "text/csv" },
        body,
        duplex: "half",
      } as RequestInit);
    };
    const res = await upload(rows);
    expect(res.status).toBe(200);
    const report = (await res.json()) as { complete: boolean; stopped: { from_line: number }; created: number };
    expect(report.complete).toBe(false);
    expect(report.stopped).toMatchObject({ code: "payload_too_large" });
    const from = report.stopped.from_line;
    expect(report.created).toBe(from - 2);
    expect(await count(env)).toBe(from - 2);
    // The lines from there on, sent as a file of their own, complete the import.
    const rest = await upload(rows.slice(from - 2));
    expect(await rest.json()).toMatchObject({ complete: true, created: 4000 - (from - 2) });
    expect(await count(env)).toBe(4000);
    // Too large before any row was stored: 413, and nothing changes.
    env.deps.config.maxImportBytes = 4 * 1024;
    expect((await upload(rows)).status).toBe(413);
    expect(await count(env)).toBe(4000);
  });

  it("a refused row defines no attribute and fixes no type", async () => {
    const env = await setup();
    const t = await tenant(env);
    const refused = await t.client.post("/v1/customers/import", "phone,loyalty_score\n12,abc\n", CSV);
    expect(refused.body).toMatchObject({ rejected: 1, created: 0, new_attributes: [] });
    const wide = ["phone", ...Array.from({ length: 3000 }, (_, i) => `extra_${i}`)];
    const many = await t.client.post(
      "/v1/customers/import",
      `${wide.join(",")}\n12,${wide
        .slice(1)
        .map(() => "x")
        .join(",")}\n`,
      CSV,
    );
    expect(many.body).toMatchObject({ rejected: 1, new_attributes: [] });
    expect((await t.client.get("/v1/attributes")).body.data).toEqual([]);
    // The first row that is taken decides the type.
    const taken = await t.client.post("/v1/customers/import", "phone,loyalty_score\n13800138000,42\n", CSV);
    expect(taken.body.new_attributes).toEqual([{ key: "loyalty_score", type: "number" }]);
    // A row the parse stage takes but the writer refuses (its phone belongs to another
    // customer) defines nothing either; the next row that is written does.
    await t.client.post("/v1/customers", { external_id: "E1", phone: "13800138010" });
    await t.client.post("/v1/customers", { external_id: "E2", phone: "13800138011" });
    const late = await t.client.post("/v1/customers/import", "external_id,phone,secret_attr\nE1,13800138011,12\n", CSV);
    expect(late.body).toMatchObject({ rejected: 1, new_attributes: [] });
    const later = await t.client.post(
      "/v1/customers/import",
      "external_id,phone,secret_attr\nE1,13800138011,12\nE2,,7\n",
      CSV,
    );
    expect(later.body).toMatchObject({
      rejected: 1,
      updated: 1,
      new_attributes: [{ key: "secret_attr", type: "number" }],
    });
    // A row the parse stage could not take alone (no phone) but the writer matches by external
    // id and writes does define its new attribute.
    const matched = await t.client.post("/v1/customers/import", "external_id,visits_left\nE2,5\n", CSV);
    expect(matched.body).toMatchObject({ updated: 1, new_attributes: [{ key: "visits_left", type: "number" }] });
    // The same through the API: a refused customer defines nothing.
    const api = await t.client.post("/v1/customers", { phone: "12", attributes: { tier_note: "abc" } });
    expect(api.status).toBe(422);
    expect((await t.client.get("/v1/attributes")).body.data.map((a: { key: string }) => a.key).sort()).toEqual([
      "loyalty_score",
      "secret_attr",
      "visits_left",
    ]);
  });

  it("a phone whose last ledger entry is an opt-out is imported as unsubscribed", async () => {
    const env = await setup();
    const t = await tenant(env);
    const a = await t.client.post("/v1/customers", { phone: "13800138000", consent: { state: "unsubscribed" } });
    await t.client.delete(`/v1/customers/${a.body.id}`);
    const res = await t.client.post("/v1/customers/import", "phone,name\n13800138000,Back Again\n", CSV);
    expect(res.body.created).toBe(1);
    const [c] = (await t.client.get("/v1/customers")).body.data;
    expect(c.consent.state).toBe("unsubscribed");
  });

  it("indexes date attributes for date campaigns, and keeps the index in step with edits", async () => {
    const env = await setup();
    const t = await tenant(env);
    const csv = [
      "phone,name,last_visit,joined,note",
      "13800138000,A,2026-10-01,2020-02-29,hello",
      "13900139000,B,,2021-05-06,2026-01-01x",
    ].join("\n");
    const res = await t.client.post("/v1/customers/import", csv, CSV);
    expect(res.body, JSON.stringify(res.body.errors)).toMatchObject({ created: 2 });
    const dates = () =>
      env.db.rawAll(
        `select c.name, d.key, d.month_day, d.value from customer_dates d join customers c on c.id = d.customer_id
          where d.tenant_id = ? order by c.name, d.key`,
        [t.tenant.id],
      );
    expect(await dates()).toEqual([
      { name: "A", key: "joined", month_day: "02-29", value: "2020-02-29" },
      { name: "A", key: "last_visit", month_day: "10-01", value: "2026-10-01" },
      { name: "B", key: "joined", month_day: "05-06", value: "2021-05-06" },
    ]);
    const a = (await t.client.get("/v1/customers?q=A")).body.data.find((c: any) => c.name === "A");
    const patched = await t.client.patch(`/v1/customers/${a.id}`, {
      attributes: { last_visit: "2026-11-20", joined: null },
    });
    expect(patched.status).toBe(200);
    expect(await dates()).toEqual([
      { name: "A", key: "last_visit", month_day: "11-20", value: "2026-11-20" },
      { name: "B", key: "joined", month_day: "05-06", value: "2021-05-06" },
    ]);
    // A re-import that changes a date replaces its row; a deleted customer takes its rows along.
    const again = await t.client.post("/v1/customers/import", "phone,last_visit\n13800138000,2026-11-21\n", CSV);
    expect(again.body).toMatchObject({ updated: 1 });
    const b = (await t.client.get("/v1/customers?q=B")).body.data.find((c: any) => c.name === "B");
    expect((await t.client.delete(`/v1/customers/${b.id}`)).status).toBe(204);
    expect(await dates()).toEqual([{ name: "A", key: "last_visit", month_day: "11-21", value: "2026-11-21" }]);
    const left = await env.db.rawAll("select count(*) as n from customer_dates where tenant_id = ?", [t.tenant.id]);
    expect(left).toEqual([{ n: 1 }]);
  });
});
