// Everyday tasks on the customer list without the API: add one customer, see how many match,
// sort, and put the selected ones in a group or tag them, all at once. The API underneath:
// GET /v1/customers with sort and total, POST /v1/customers/tags.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { runDispatch } from "../src/jobs/dispatch";
import { runPlan } from "../src/jobs/plan";
import { csrfOf, form, noticeOf, page, signIn, withNotice } from "./console-helpers";
import { tenant } from "./harness";
import { settle, twoWay } from "./two-way";

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
    expect(html).toContain('role="alert">Phone “12345” is too short.</p>');
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

describe("console: segments a person can build and change", () => {
  it("picks fields in words, takes values as people write them, and edits a saved segment", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.put("/v1/attributes/member_no", { type: "string", label: "Card number" });
    await t.client.put("/v1/attributes/pt", { type: "boolean", label: "Personal training" });
    const yoga = (await t.client.post("/v1/groups", { name: "Morning Yoga", code: "01", kind: "static" })).body;
    const people = [
      { name: "Ann", tier: "gold", consent: { state: "subscribed" }, attributes: { member_no: "0042", pt: true } },
      { name: "Bob", tier: "gold", attributes: { member_no: "0043", pt: false } },
      { name: "Cy", tier: "silver", consent: { state: "subscribed" } },
    ];
    const ids: string[] = [];
    for (const [i, p] of people.entries()) {
      ids.push((await t.client.post("/v1/customers", { ...p, phone: `1380013830${i}` })).body.id);
    }
    await t.client.post(`/v1/groups/${yoga.id}/members`, { customer_ids: [ids[2]] });
    const cookie = await signIn(env, t.key);
    const count = async (rows: Record<string, string>, lang = "en") => {
      const url = `/console/groups?${new URLSearchParams({ ...rows, fragment: "1" })}`;
      const html = await (await page(env, url, cookie, lang)).text();
      return /data-testid="count">(\d+)</.exec(html)?.[1] ?? html;
    };
    // Words and any case for known values; a member number of digits stays text (0042).
    expect(await count({ field0: "tier", op0: "eq", value0: "GOLD" })).toBe("2");
    expect(await count({ field0: "consent", op0: "eq", value0: "subscribed" })).toBe("2");
    expect(await count({ field0: "consent", op0: "in", value0: "已订阅，未询问" }, "zh-CN")).toBe("3");
    expect(await count({ field0: "groups", op0: "member_of", value0: "morning yoga" })).toBe("1");
    expect(await count({ field0: "attributes.member_no", op0: "eq", value0: "0042" })).toBe("1");
    expect(await count({ field0: "attributes.pt", op0: "eq", value0: "Yes" })).toBe("1");

    const html = await (await page(env, "/console/groups", cookie)).text();
    expect(html).toContain('<option value="attributes.member_no" data-kind="string">Card number</option>');
    expect(html).toContain('<datalist id="values-consent"><option value="Subscribed"></option>');
    expect(html).toContain('<datalist id="values-groups"><option value="Morning Yoga"></option></datalist>');
    // Every test is offered, each marked with the fields it fits (the page's script hides the rest).
    expect(html).toContain('<option value="within_next" data-kinds="date birthday">is within the next … days</option>');

    // Save, then edit: the rows come back in words, and saving changes the same segment.
    const csrf = await csrfOf(env, cookie);
    const saved = await form(
      env,
      "/console/groups",
      { _csrf: csrf, name: "Gold members", field0: "tier", op0: "eq", value0: "Gold" },
      cookie,
    );
    expect(saved.status).toBe(303);
    expect(noticeOf(saved)).toBe("Saved.");
    const seg = (await t.client.get("/v1/groups")).body.data.find((g: { name: string }) => g.name === "Gold members");
    expect(seg.filter).toEqual({ field: "tier", op: "eq", value: "gold" });
    const list = await (await page(env, "/console/groups", cookie)).text();
    expect(list).toMatch(
      />Gold members<\/a><\/td><td data-label="Code">–<\/td><td data-label="Kind">Segment<\/td><td data-label="Members">2<\/td>/,
    );
    const edit = await (await page(env, `/console/groups?edit=${seg.id}`, cookie)).text();
    expect(edit).toContain("Edit segment: Gold members");
    expect(edit).toContain('<option value="tier" data-kind="enum" selected="">Tier</option>');
    expect(edit).toContain('<input id="value0" name="value0" value="gold" list="values-tier"/>');
    expect(edit).toContain('data-testid="count">2<');
    const changed = await form(
      env,
      "/console/groups",
      {
        _csrf: csrf,
        edit: seg.id,
        name: "Gold, subscribed",
        field0: "tier",
        op0: "eq",
        value0: "gold",
        field1: "consent",
        op1: "eq",
        value1: "Subscribed",
      },
      cookie,
    );
    expect(changed.status).toBe(303);
    const after = (await t.client.get(`/v1/groups/${seg.id}`)).body;
    expect(after).toMatchObject({
      name: "Gold, subscribed",
      filter: {
        and: [
          { field: "tier", op: "eq", value: "gold" },
          { field: "consent", op: "eq", value: "subscribed" },
        ],
      },
    });
    expect((await t.client.get("/v1/groups")).body.data).toHaveLength(2);
    // "See them all" opens the customer list on the same conditions.
    const preview = await (
      await page(
        env,
        `/console/groups?${new URLSearchParams({ field0: "tier", op0: "eq", value0: "gold", fragment: "1" })}`,
        cookie,
      )
    ).text();
    const all = /href="(\/console\/customers\?filter=[^"]+)">see them all/.exec(preview)?.[1] as string;
    const listed = await (await page(env, all.replace(/&amp;/g, "&"), cookie)).text();
    expect(listed).toContain('<p data-testid="total">2 customers</p>');
    expect(listed).toContain("Only the customers who match the segment");
  });

  it("lists a segment whose condition no longer holds, so it can be fixed", async () => {
    const env = await setup();
    const t = await tenant(env);
    const seg = await t.client.post("/v1/groups", {
      name: "Silver",
      kind: "segment",
      filter: { field: "tier", op: "eq", value: "silver" },
    });
    expect(seg.status).toBe(201);
    expect((await t.client.patch("/v1/tenant", { tiers: ["ordinary", "gold"] })).status).toBe(200);
    const cookie = await signIn(env, t.key);
    const res = await page(env, "/console/groups", cookie);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(
      />Silver<\/a><\/td><td data-label="Code">–<\/td><td data-label="Kind">Segment<\/td><td data-label="Members">–<\/td>/,
    );
  });

  it("opens tomorrow's birthdays from home as a list of those members", async () => {
    const env = await setup();
    const t = await tenant(env);
    const now = env.clock.now();
    const tomorrow = new Date(now.getTime() + 86_400_000);
    const md = (d: Date) =>
      `${String(d.getUTCMonth() + 1).padStart(2, "0")}-${String(d.getUTCDate()).padStart(2, "0")}`;
    await t.client.post("/v1/customers", {
      name: "Tomorrow",
      phone: "13800138401",
      time_zone: "UTC",
      birthday: md(tomorrow),
    });
    await t.client.post("/v1/customers", { name: "Today", phone: "13800138402", time_zone: "UTC", birthday: md(now) });
    const cookie = await signIn(env, t.key);
    const home = await (await page(env, "/console", cookie)).text();
    expect(home).toContain('<a href="/console/customers?view=birthdays_tomorrow">Birthdays tomorrow: 1</a>');
    const list = await (await page(env, "/console/customers?view=birthdays_tomorrow", cookie)).text();
    expect(list).toContain("<h1>Birthdays tomorrow</h1>");
    expect(list).toContain(">Tomorrow</a>");
    expect(list).not.toContain(">Today</a>");
  });
});

describe("console: home tells what is coming and what changed today", () => {
  it("lists a campaign held by quiet hours under Upcoming with when it goes; counts only real opt-outs", async () => {
    const env = await setup("2026-11-23T14:00:00Z"); // 22:00 in Shanghai
    const t = await twoWay(env, { quiet_hours: { start: "21:00", end: "08:00" } });
    const ids: string[] = [];
    for (const i of [1, 2]) {
      const made = await t.client.post("/v1/customers", {
        name: `M${i}`,
        phone: `1380013800${i}`,
        consent: { state: "subscribed" },
      });
      ids.push(made.body.id);
    }
    const offer = await t.client.post("/v1/campaigns", {
      name: "Offer",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: { offer: "x", validUntil: "2026-12-15", link: "gym.example", tierName: "m" },
    });
    await t.client.post(`/v1/campaigns/${offer.body.id}/schedule`, {});
    await runPlan(env.deps);
    await runDispatch(env.deps);
    // Today: a file brings members who had said no long ago, and one member texts STOP.
    const csv = "phone,name,consent\n13800138101,Old No,no\n13800138102,Old Yes,yes\n";
    const imported = await env.app.request("/v1/customers/import", {
      method: "POST",
      headers: { authorization: `Bearer ${t.key}`, "content-type": "text/csv" },
      body: csv,
    });
    expect(imported.status).toBe(200);
    expect(await t.sms("+8613800138001", "STOP")).toBe(200);
    await settle(env);

    const cookie = await signIn(env, t.key);
    const home = await (await page(env, "/console", cookie)).text();
    expect(home).toMatch(
      /<td data-label="Campaigns"><a href="\/console\/campaigns\/cmp_\w+">Offer<\/a> <span class="badge">One-off<\/span><span class="badge">held for quiet hours<\/span><\/td><td data-label="Next">Nov 24, 2026, 08:00 GMT\+8<\/td><td data-label="Sending">[12]<\/td>/,
    );
    // A never-asked member set to unsubscribed at the front desk is an opt-out too.
    const walkIn = (await t.client.post("/v1/customers", { name: "Walk-in", phone: "13800138103" })).body;
    env.clock.advance(60_000);
    await t.client.patch(`/v1/customers/${walkIn.id}`, { consent: { state: "unsubscribed", evidence: "said so" } });
    const summary = (await t.client.get("/v1/reports/summary")).body;
    expect(summary.today.opt_outs).toBe(2);
    // The held member's timeline says when it goes, in their zone.
    const held = await (await page(env, `/console/customers/${ids[1]}`, cookie)).text();
    expect(held).toContain(
      '<strong>Message waiting to send</strong> <span class="muted">Member offer · marketing · Held until the end of quiet hours in the customer&#39;s time zone · goes at Nov 24, 2026, 08:00 GMT+8</span>',
    );
    const campaign = await (await page(env, `/console/campaigns/${offer.body.id}`, cookie)).text();
    expect(campaign).toMatch(
      /<p data-testid="waiting">[12] messages wait to be sent; the next goes at Nov 24, 2026, 08:00 GMT\+8\. <span class="badge">held for quiet hours: [12]<\/span><\/p>/,
    );
  });
});

describe("console: forms keep what was typed", () => {
  it("a new staff member with a short password comes back as typed, without the password, saying why", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const res = await form(
      env,
      "/console/settings/staff",
      {
        _csrf: await csrfOf(env, cookie),
        name: "Li Wei",
        email: "li.wei@gym.example",
        phone: "13800138009",
        role: "viewer",
        password: "short",
      },
      cookie,
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('role="alert" class="error">Password needs at least 10 characters.</p>');
    expect(html).toContain('<input id="staff-name" name="name" required="" maxlength="100" value="Li Wei"/>');
    expect(html).toContain('value="li.wei@gym.example"');
    expect(html).toContain('<option value="viewer" selected="">Viewer</option>');
    expect(html).not.toContain('value="short"');
    expect((await t.client.get("/v1/staff")).body.data).toHaveLength(0);
  });
});
