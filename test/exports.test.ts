// Exports as a person opens them and a program reads them: CSV safe in a spreadsheet (formulas
// made plain, a byte-order mark for Excel, times in the workspace's zone with the offset),
// NDJSON one object a line, the list routes' filters, every row once across pages, and nothing
// of another workspace. On both runtimes.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { csvCell } from "../src/exports/csv";
import { page, signIn } from "./console-helpers";
import { type TestEnv, tenant } from "./harness";

const CSV = { "content-type": "text/csv" };

async function download(env: TestEnv, key: string, path: string) {
  const res = await env.app.request(path, { headers: { authorization: `Bearer ${key}` } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  // TextDecoder drops a byte-order mark: the bytes say whether there was one.
  return { status: res.status, headers: res.headers, bytes, text: new TextDecoder().decode(bytes) };
}

/** A CSV's records (quoted cells with commas, quotes and line breaks read as one cell). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  if (cell !== "" || row.length > 0) rows.push([...row, cell]);
  return rows;
}

describe("exports", () => {
  it("gives customers as CSV a spreadsheet opens safely, in the workspace's zone, with the list's filters", async () => {
    const env = await setup("2026-11-23T04:00:00Z");
    const t = await tenant(env);
    await t.client.post("/v1/customers", { name: "王芳", phone: "13800138000", tier: "gold", tags: ["vip", "早鸟"] });
    await t.client.post("/v1/customers", {
      name: '=HYPERLINK("http://evil.example","点我")',
      phone: "13900139000",
      tier: "silver",
      external_id: "-42",
    });
    const other = await tenant(env);
    await other.client.post("/v1/customers", { name: "Not ours", phone: "13700137000", tier: "gold" });

    const all = await download(env, t.key, "/v1/exports/customers?bom=true");
    expect(all.status).toBe(200);
    expect(all.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(all.headers.get("content-disposition")).toBe('attachment; filename="tidings-customers-2026-11-23.csv"');
    expect([...all.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(all.text.startsWith("id,external_id,name,phone,")).toBe(true);
    const rows = parseCsv(all.text);
    const head = rows[0] as string[];
    const byName = new Map(rows.slice(1).map((r) => [r[head.indexOf("name")], r]));
    expect(rows).toHaveLength(3);
    const wang = byName.get("王芳") as string[];
    expect(wang[head.indexOf("tags")]).toBe("vip; 早鸟");
    // A phone number is written as it is stored, made plain so that it is not read as a sum.
    expect(wang[head.indexOf("phone")]).toBe("'+8613800138000");
    expect(wang[head.indexOf("created_at")]).toBe("2026-11-23T12:00:00+08:00");
    const evil = rows.slice(1).find((r) => r[head.indexOf("tier")] === "silver") as string[];
    expect(evil[head.indexOf("name")]).toBe('\'=HYPERLINK("http://evil.example","点我")');
    expect(evil[head.indexOf("external_id")]).toBe("'-42");
    expect(csvCell(" =1+1")).toBe("' =1+1");
    expect(csvCell("＝SUM(A1)")).toBe("'＝SUM(A1)");
    expect(csvCell(-42)).toBe("-42");
    expect(all.text).not.toContain("Not ours");

    const gold = parseCsv((await download(env, t.key, "/v1/exports/customers?tier=gold")).text);
    expect([...(await download(env, t.key, "/v1/exports/customers")).bytes.slice(0, 2)]).toEqual([0x69, 0x64]);
    expect(gold.map((r) => r[2])).toEqual(["name", "王芳"]);
  });

  it("pages through every row once, as NDJSON too, and refuses a bad filter naming it", async () => {
    const env = await setup("2026-11-23T04:00:00Z");
    const t = await tenant(env);
    const lines = ["phone,name"];
    for (let i = 0; i < 1203; i++) lines.push(`+86139${String(i).padStart(8, "0")},会员${i}`);
    expect((await t.client.post("/v1/customers/import", `${lines.join("\n")}\n`, CSV)).body).toMatchObject({
      created: 1203,
    });
    const csv = parseCsv((await download(env, t.key, "/v1/exports/customers")).text);
    expect(csv).toHaveLength(1204);
    expect(new Set(csv.slice(1).map((r) => r[0])).size).toBe(1203);

    const nd = await download(env, t.key, "/v1/exports/customers?format=ndjson&q=%E4%BC%9A%E5%91%98120");
    expect(nd.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const objects = nd.text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    // The same rows as the list route gives for the same filter.
    const listed = (await t.client.get("/v1/customers?q=%E4%BC%9A%E5%91%98120&limit=500")).body.data;
    expect(objects.map((o) => o.id).sort()).toEqual(listed.map((c: { id: string }) => c.id).sort());
    expect(objects.length).toBeGreaterThanOrEqual(4);
    expect(objects[0]).toMatchObject({ consent: "never_asked", created_at: "2026-11-23T12:00:00+08:00" });

    const bad = await download(env, t.key, "/v1/exports/messages?status=lost");
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.text).error.details[0].path).toBe("query.status");
    expect((await download(env, t.key, "/v1/exports/customers?format=xlsx")).status).toBe(422);
  });

  it("gives the consent ledger and a campaign's results; another workspace's campaign is not found", async () => {
    const env = await setup("2026-11-23T04:00:00Z");
    const t = await tenant(env);
    const c = await t.client.post("/v1/customers", {
      name: "李娜",
      phone: "13800138000",
      consent: { state: "subscribed", evidence: "入会表格" },
    });
    await t.client.patch(`/v1/customers/${c.body.id}`, { consent: { state: "unsubscribed", evidence: "电话里说的" } });
    const ledger = parseCsv((await download(env, t.key, "/v1/exports/consent")).text);
    const head = ledger[0] as string[];
    expect(head).toEqual(["id", "customer_id", "phone", "state", "source", "evidence", "at"]);
    expect(ledger.slice(1).map((r) => [r[3], r[5]])).toEqual([
      ["unsubscribed", "电话里说的"],
      ["subscribed", "入会表格"],
    ]);

    const campaign = await t.client.post("/v1/campaigns", {
      name: "通知",
      kind: "broadcast",
      template: "appointment_reminder",
      audience: { all: true },
      message_kind: "notification",
      variables: { service: "私教课", staffName: "王教练", appointmentAt: "2026-11-24T11:00:00Z", servicePhone: "021" },
    });
    expect(campaign.status).toBe(201);
    const results = await download(env, t.key, `/v1/exports/campaign-results?campaign_id=${campaign.body.id}`);
    expect(results.status).toBe(200);
    expect(parseCsv(results.text)[0]?.slice(0, 3)).toEqual(["customer_name", "customer_external_id", "id"]);
    const other = await tenant(env);
    const foreign = await download(env, other.key, `/v1/exports/campaign-results?campaign_id=${campaign.body.id}`);
    expect(foreign.status).toBe(404);
  });

  it("downloads from the console: the customer list as filtered, with a byte-order mark for Excel", async () => {
    const env = await setup("2026-11-23T04:00:00Z");
    const t = await tenant(env);
    await t.client.post("/v1/customers", { name: "王芳", phone: "13800138000", tier: "gold" });
    await t.client.post("/v1/customers", { name: "李娜", phone: "13900139000", tier: "silver" });
    const cookie = await signIn(env, t.key);
    const html = await (await page(env, "/console/customers?tier=gold", cookie, "zh-CN")).text();
    const link = /<a href="(\/console\/export\/customers\?[^"]*)">下载表格（CSV，可用 Excel 打开）<\/a>/.exec(
      html,
    )?.[1];
    expect(link).toBe("/console/export/customers?tier=gold");
    const res = await page(env, link as string, cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toContain("tidings-customers-2026-11-23.csv");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parseCsv(new TextDecoder().decode(bytes));
    expect(rows.map((r) => r[2])).toEqual(["name", "王芳"]);
    // Signed out, nothing.
    expect((await page(env, link as string)).status).not.toBe(200);
  });
});
