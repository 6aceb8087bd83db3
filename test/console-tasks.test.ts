// Everyday tasks on the customer list without the API: add one customer, see how many match,
// sort, and put the selected ones in a group or tag them, all at once. The API underneath:
// GET /v1/customers with sort and total, POST /v1/customers/tags.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { csrfOf, form, noticeOf, page, signIn, withNotice } from "./console-helpers";
import { tenant } from "./harness";

describe("customers: sort, count and tag many at once (API)", () => {
  it("pages through a name order with unnamed last, newest first, and counts what the filters match", async () => {
    const env = await setup();
    const t = await tenant(env);
    const names = ["Zoe", null, "Ann", "王芳", "Bob", null, "Ann"];
    const ids: string[] = [];
    for (const [i, name] of names.entries()) {
      const res = await t.client.post("/v1/customers", {
        ...(name && { name }),
        phone: `1380013810${i}`,
        tier: i % 2 ? "gold" : "silver",
      });
      ids.push(res.body.id);
    }
    const walk = async (query: string) => {
      const seen: (string | null)[] = [];
      let cursor = "";
      for (let pages = 0; pages < 10; pages++) {
        const res = await t.client.get(`/v1/customers?limit=2&${query}${cursor && `&cursor=${cursor}`}`);
        expect(res.status).toBe(200);
        seen.push(...res.body.data.map((c: { name: string | null }) => c.name));
        if (!res.body.next_cursor) return seen;
        cursor = res.body.next_cursor;
      }
      throw new Error("no end");
    };
    expect(await walk("sort=name")).toEqual(["Ann", "Ann", "Bob", "Zoe", "王芳", null, null]);
    expect(await walk("sort=newest")).toEqual([...names].reverse());
    expect(await walk("")).toEqual(names);
    const gold = await t.client.get("/v1/customers?tier=gold&total=true&limit=1");
    expect(gold.body).toMatchObject({ total: 3 });
    expect(gold.body.data).toHaveLength(1);
    expect((await t.client.get("/v1/customers")).body.total).toBeUndefined();
    // A cursor from one order is refused in another, not misread.
    const byName = (await t.client.get("/v1/customers?sort=name&limit=1")).body.next_cursor;
    const bad = await t.client.get(`/v1/customers?cursor=${byName}`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe("cursor");
    expect((await t.client.get("/v1/customers?sort=age")).status).toBe(422);
  });

  it("adds and removes tags on many customers; an unknown id changes nothing", async () => {
    const env = await setup();
    const t = await tenant(env);
    const other = await tenant(env, { slug: "other-gym" });
    const a = (await t.client.post("/v1/customers", { phone: "13800138001", tags: ["yoga"] })).body;
    const b = (await t.client.post("/v1/customers", { phone: "13800138002" })).body;
    const foreign = (await other.client.post("/v1/customers", { phone: "13800138003" })).body;
    const tags = async (id: string) => (await t.client.get(`/v1/customers/${id}`)).body.tags;

    const added = await t.client.post("/v1/customers/tags", { customer_ids: [a.id, b.id], add: ["vip", "yoga"] });
    expect(added.body).toEqual({ updated: 2 });
    expect(await tags(a.id)).toEqual(["vip", "yoga"]);
    expect(await tags(b.id)).toEqual(["vip", "yoga"]);
    expect((await t.client.post("/v1/customers/tags", { customer_ids: [a.id], add: ["vip"] })).body.updated).toBe(0);
    const removed = await t.client.post("/v1/customers/tags", { customer_ids: [a.id, b.id], remove: ["yoga"] });
    expect(removed.body.updated).toBe(2);
    expect(await tags(a.id)).toEqual(["vip"]);

    const mixed = await t.client.post("/v1/customers/tags", { customer_ids: [a.id, foreign.id], add: ["x"] });
    expect(mixed.status).toBe(404);
    expect(await tags(a.id)).toEqual(["vip"]);
    expect((await t.client.post("/v1/customers/tags", { customer_ids: [a.id] })).status).toBe(422);
    expect((await t.client.post("/v1/customers/tags", { customer_ids: [], add: ["x"] })).status).toBe(422);
    const timeline = (await t.client.get(`/v1/customers/${a.id}/timeline`)).body.data;
    expect(timeline.filter((e: { type: string }) => e.type === "customer.updated")).toHaveLength(2);
  });
});

describe("console: the customer list's everyday tasks", () => {
  it("adds a customer, keeps what was typed when the phone is wrong, and opens their profile", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const csrf = await csrfOf(env, cookie);
    const fields = { _csrf: csrf, name: "赵敏", phone: "12345", tier: "gold", locale: "zh-CN", tags: "早课, vip" };
    const bad = await form(
      env,
      "/console/customers/new",
      { ...fields, consent: "subscribed", evidence: "前台登记" },
      cookie,
    );
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toMatch(/role="alert">[^<]*phone/);
    expect(html).toContain('<details class="card" open="">');
    expect(html).toContain('value="赵敏"');
    expect(html).toContain('value="12345"');
    expect(html).toContain('value="早课, vip"');
    expect(html).toContain('value="前台登记"');
    expect(html).toMatch(/<option value="subscribed" selected="">/);
    expect((await t.client.get("/v1/customers?total=true")).body.total).toBe(0);

    const good = await form(
      env,
      "/console/customers/new",
      { ...fields, phone: "139 0013 9000", consent: "subscribed", evidence: "前台登记" },
      cookie,
    );
    expect(good.status).toBe(303);
    expect(noticeOf(good)).toBe("Added.");
    const id = (good.headers.get("location") as string).split("/").pop() as string;
    const made = (await t.client.get(`/v1/customers/${id}`)).body;
    expect(made).toMatchObject({ name: "赵敏", phone: "+8613900139000", tier: "gold", tags: ["vip", "早课"] });
    expect(made.consent).toMatchObject({ state: "subscribed", source: "console" });
    const profile = await (await page(env, `/console/customers/${id}`, withNotice(cookie, "Added."))).text();
    expect(profile).toContain('<p role="status" class="">Added.</p>');
    expect(profile).toContain("<dd>139 0013 9000</dd>");
  });

  it("counts, sorts, and adds the selected customers to a group with a tag, then takes them out", async () => {
    const env = await setup();
    const t = await tenant(env);
    const group = (await t.client.post("/v1/groups", { name: "Spin", code: "07", kind: "static" })).body;
    const ids: string[] = [];
    for (const [i, name] of ["Cleo", "Abe", "Bea"].entries()) {
      ids.push((await t.client.post("/v1/customers", { name, phone: `1380013820${i}` })).body.id);
    }
    const cookie = await signIn(env, t.key);
    const list = await (await page(env, "/console/customers?sort=name", cookie)).text();
    expect(list).toContain('<p data-testid="total">3 customers</p>');
    const order = [...list.matchAll(/<a href="\/console\/customers\/cus_\w+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(order).toEqual(["Abe", "Bea", "Cleo"]);
    expect(list).toContain('aria-label="Select Abe"');
    const zh = await (await page(env, "/console/customers?tier=gold", cookie, "zh-CN")).text();
    expect(zh).toContain('<p data-testid="total">共 0 位客户</p>');

    const csrf = await csrfOf(env, cookie);
    const back = "/console/customers?sort=name&q=%20b";
    const body = new URLSearchParams({ _csrf: csrf, group: group.id, tag: "spin", do: "add", back });
    body.append("ids", ids[1] as string);
    body.append("ids", ids[2] as string);
    const res = await env.app.request("http://localhost/console/customers/bulk", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost", cookie },
      body: body.toString(),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(back);
    expect(noticeOf(res)).toBe("Done for 2 customers.");
    const members = (await t.client.get(`/v1/customers?group=${group.id}`)).body.data.map(
      (c: { name: string }) => c.name,
    );
    expect(members.sort()).toEqual(["Abe", "Bea"]);
    expect((await t.client.get("/v1/customers?tag=spin&total=true")).body.total).toBe(2);

    body.set("do", "remove");
    body.delete("ids");
    body.append("ids", ids[1] as string);
    const out = await env.app.request("http://localhost/console/customers/bulk", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost", cookie },
      body: body.toString(),
    });
    expect(noticeOf(out)).toBe("Removed for 1 customers.");
    expect((await t.client.get(`/v1/customers?group=${group.id}&total=true`)).body.total).toBe(1);
    expect((await t.client.get("/v1/customers?tag=spin&total=true")).body.total).toBe(1);

    const none = await form(env, "/console/customers/bulk", { _csrf: csrf, group: group.id, do: "add" }, cookie);
    expect(noticeOf(none)).toBe("!Select at least one customer first.");
  });
});
