import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { tenant } from "./harness";

const CSV = { "content-type": "text/csv; charset=utf-8" };

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
      { line: 4, column: "手机号", reason: "'12345' is too short" },
      { line: 5, column: "手机号", reason: "duplicate phone +8613800138000: already on line 2" },
      // A row spanning lines (a quoted line break) is reported by the line it starts on.
      { line: 6, column: "birthday", reason: "month must be 1-12" },
      {
        line: 6,
        column: "tier",
        reason: "'platinum' is not one of this workspace's tiers (ordinary, silver, gold, diamond)",
      },
      { line: 8, column: "consent", reason: "'maybe' is not subscribed, unsubscribed or never_asked" },
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
      { line: 1505, column: "phone", reason: "duplicate phone +8613900139000: already on line 2" },
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
    expect(res.body.error.details[0]).toMatchObject({ path: "body", rows_stored_before_error: 0 });
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
