// The web console over HTTP: sign-in with an API key or a staff password, sessions in a
// signed HTTP-only cookie, CSRF on every form, and pages that read through the /v1 API.

import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { form, noticeOf, ORIGIN, page, sessionCookie, sessionToken, withNotice } from "./console-helpers";
import { client, tenant } from "./harness";
import { customer, settle, textsTo, twoWay } from "./two-way";

describe("console sign-in", () => {
  it("signs in with an API key into an HTTP-only signed cookie, and shows the workspace's pages", async () => {
    const env = await setup();
    const t = await tenant(env, { name: "Demo Gym" });
    await t.client.post("/v1/customers", { name: "王芳", phone: "13800138000", tier: "gold", tags: ["yoga"] });
    await t.client.post("/v1/customers", { name: "Emma Li", phone: "13800138001", tier: "silver" });

    // Not signed in: to the login page, remembering where to come back.
    const away = await page(env, "/console/customers");
    expect(away.status).toBe(303);
    expect(away.headers.get("location")).toBe("/console/login?next=%2Fconsole%2Fcustomers");

    const bad = await form(env, "/console/login/key", { key: "tid_nope", next: "/console" });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain("That API key is not valid");

    const res = await form(env, "/console/login/key", { key: t.key, next: "/console/customers" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/console/customers");
    const set = res.headers.get("set-cookie") ?? "";
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Lax/i);
    const cookie = sessionCookie(res);
    // Signed: the token and its signature; a changed token is not accepted.
    expect(decodeURIComponent(cookie)).toMatch(/tidings_session=tss_\w+\.[\w+/=]+$/);
    const forged = cookie.replace(/tss_(\w)/, (_m, ch) => `tss_${ch === "a" ? "b" : "a"}`);
    expect((await page(env, "/console", forged)).status).toBe(303);

    const list = await page(env, "/console/customers?q=王", cookie);
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain("王芳");
    expect(html).not.toContain("Emma Li");
    const id = /href="\/console\/customers\/(cus_\w+)"/.exec(html)?.[1];
    const profile = await (await page(env, `/console/customers/${id}`, cookie)).text();
    expect(profile).toContain("+8613800138000");
    // The timeline in words: how the profile came to be, not the API's event names.
    expect(profile).toMatch(/<strong>Added<\/strong> <span class="muted">by the shop&#39;s system<\/span>/);
    expect(profile).not.toContain("customer.created");

    const home = await (await page(env, "/console", cookie, "zh-CN,zh;q=0.9")).text();
    expect(home).toContain("最近 7 天");
    expect(home).toContain('lang="zh-CN"');
  });

  it("signs staff in by workspace, email and password, with their role's powers", async () => {
    const env = await setup();
    const t = await tenant(env, { slug: "north-gym" });
    const staff = await t.client.post("/v1/staff", {
      name: "Li Na",
      email: "Li.Na@Example.com",
      role: "viewer",
      password: "correct horse battery",
    });
    expect(staff.status).toBe(201);
    expect(staff.body).toMatchObject({ email: "li.na@example.com", role: "viewer", console_login: true });
    expect(JSON.stringify(staff.body)).not.toContain("scrypt");

    const wrong = await form(env, "/console/login/password", {
      workspace: "north-gym",
      email: "li.na@example.com",
      password: "wrong password!",
    });
    expect(wrong.status).toBe(401);
    const res = await form(env, "/console/login/password", {
      workspace: "North-Gym",
      email: "LI.NA@example.com",
      password: "correct horse battery",
    });
    expect(res.status).toBe(303);
    const cookie = sessionCookie(res);
    expect(await (await page(env, "/console", cookie)).text()).toContain("<span>Role: Viewer</span>");
    // The session is a read-only credential on the API too.
    const token = sessionToken(cookie);
    const asViewer = await env.app.request("/v1/customers", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ phone: "13800138002" }),
    });
    expect(asViewer.status).toBe(403);

    // Removing the member ends the session.
    expect((await t.client.delete(`/v1/staff/${staff.body.id}`)).status).toBe(204);
    expect((await page(env, "/console", cookie)).status).toBe(303);
    // Three scrypt runs: about 1 s each on Node, and ten times that in the workerd test pool,
    // which runs plain JavaScript about ten times slower (measured with sha256 and scrypt).
  }, 120_000);

  it("refuses forms without the session's CSRF token or from another origin; logout ends the session", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = sessionCookie(await form(env, "/console/login/key", { key: t.key }));
    const home = await (await page(env, "/console", cookie)).text();
    const csrf = /name="_csrf" value="(\w+)"/.exec(home)?.[1] as string;
    expect(csrf).toMatch(/^\w{32}$/);

    expect((await form(env, "/console/logout", {}, cookie)).status).toBe(403);
    const foreign = await env.app.request(`${ORIGIN}/console/logout`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example", cookie },
      body: `_csrf=${csrf}`,
    });
    expect(foreign.status).toBe(403);
    expect((await page(env, "/console", cookie)).status).toBe(200);

    const out = await form(env, "/console/logout", { _csrf: csrf }, cookie);
    expect(out.status).toBe(303);
    expect((await page(env, "/console", cookie)).status).toBe(303);
  });

  it("does not follow a sign-in to another site, and revoking the key ends its sessions", async () => {
    const env = await setup();
    const t = await tenant(env);
    const res = await form(env, "/console/login/key", { key: t.key, next: "https://evil.example/" });
    expect(res.headers.get("location")).toBe("/console");
    const dots = await form(env, "/console/login/key", { key: t.key, next: "/console/../v1/api-keys" });
    expect(dots.headers.get("location")).toBe("/console");
    const cookie = sessionCookie(res);
    const mine = (await t.client.get("/v1/api-keys")).body.data.find((k: any) => t.key.startsWith(`${k.prefix}_`));
    const second = await t.client.post("/v1/api-keys", { name: "spare", scope: "admin" });
    const spare = client(env, second.body.key);
    expect((await spare.delete(`/v1/api-keys/${mine.id}`)).status).toBe(200);
    expect((await page(env, "/console", cookie)).status).toBe(303);
  });

  it("imports a CSV upload through the API and lists each rejected row", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = sessionCookie(await form(env, "/console/login/key", { key: t.key }));
    const csrf = /name="_csrf" value="(\w+)"/.exec(
      await (await page(env, "/console/customers/import", cookie)).text(),
    )?.[1];
    const upload = (fields: Record<string, string | Blob>) => {
      const body = new FormData();
      for (const [k, v] of Object.entries(fields)) body.append(k, v);
      return env.app.request(`${ORIGIN}/console/customers/import`, {
        method: "POST",
        headers: { origin: ORIGIN, cookie },
        body,
      });
    };
    const csv = "\ufeff姓名,手机号,tier\r\n王芳,13800138000,gold\r\n李娜,12345,silver\r\n";
    expect((await upload({ file: new File([csv], "members.csv", { type: "text/csv" }) })).status).toBe(403);
    const res = await upload({ _csrf: csrf as string, file: new File([csv], "members.csv", { type: "text/csv" }) });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/Created<\/div><div class="value">1</);
    expect(html).toMatch(/Rejected<\/div><div class="value">1</);
    expect(html).toMatch(
      /<td data-label="Line">3<\/td><td data-label="Column">手机号<\/td><td data-label="Reason">[^<]*12345/,
    );
    expect((await t.client.get("/v1/customers")).body.data.map((c: any) => c.name)).toEqual(["王芳"]);

    const bad = await upload({ _csrf: csrf as string, file: new File(["nothing,useful\n1,2\n"], "x.csv") });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("needs a phone column");
  });

  it("previews a template for a customer: text, segments, encoding with its culprits, cost; errors by line", async () => {
    const env = await setup();
    const t = await tenant(env, { brand_signature: "【Demo Gym】" });
    const c = await t.client.post("/v1/customers", { name: "王芳", phone: "13800138000", locale: "zh-CN" });
    const cookie = sessionCookie(await form(env, "/console/login/key", { key: t.key }));
    const list = await (await page(env, "/console/templates", cookie)).text();
    expect(list).toContain("card_activation_prompt");

    const source = `{{name}}您好，您的会员卡已寄出，收到后请回复激活加卡号后四位。${"本店周末课程照常进行，欢迎预约。".repeat(3)}`;
    const q = new URLSearchParams({ source, kind: "notification", customer_id: c.body.id });
    const html = await (await page(env, `/console/templates/edit?${q}`, cookie)).text();
    expect(html).toContain("王芳您好");
    expect(html).toMatch(/data-testid="segments">2</);
    expect(html).toContain("UCS-2");
    // A Chinese text is UCS-2 by nature: nothing in it is to blame, not even the full-width comma.
    expect(html).not.toContain("<mark");
    const latin = new URLSearchParams({ source: "Hi {{name}}, your card is ready ✓", kind: "notification" });
    expect(await (await page(env, `/console/templates/edit?${latin}`, cookie)).text()).toMatch(
      /<mark title="[^"]+">✓<\/mark>/,
    );

    // The live refresh asks for the preview alone.
    const fragment = await (await page(env, `/console/templates/edit?${q}&fragment=1`, cookie)).text();
    expect(fragment.startsWith('<section id="preview"')).toBe(true);
    expect(fragment).not.toContain("<html");

    // Sample data: a shipped template opens with its sample values and previews as it stands.
    const shipped = await (await page(env, "/console/templates/edit?key=member_promotion&locale=en", cookie)).text();
    expect(shipped).toContain("offer = 20% off personal training");
    // Not the profile's values: the made-up member and the workspace's brand give those.
    expect(shipped).not.toContain("brand = ");
    expect(shipped).not.toContain("firstName = ");
    expect(shipped).toMatch(/<pre class="sms">[^<]*Emma, a member offer from Demo Gym: 20% off personal training/);
    // A new text's own variables take sample values typed beside it.
    const own = new URLSearchParams({
      source: "{{firstName}}, {{offer}} this week",
      kind: "notification",
      locale: "en",
      samples: "offer = a free towel",
    });
    expect(await (await page(env, `/console/templates/edit?${own}`, cookie)).text()).toContain(
      "Emma, a free towel this week",
    );

    const broken = new URLSearchParams({ source: "Hi {{#if name}}", kind: "notification" });
    const err = await (await page(env, `/console/templates/edit?${broken}`, cookie)).text();
    expect(err).toMatch(/role="alert">[^<]*line 1/i);
  });

  it("answers the inbox: reply to one, assign, mark done, reply to a whole category; viewers only read", async () => {
    const env = await setup();
    const t = await twoWay(env);
    const emma = await customer(t.client, { name: "Emma Li", phone: "+8613800138000", tier: "gold" });
    await customer(t.client, { name: "Li Na", phone: "+8613800138001" });
    expect(await t.sms("+8613800138000", "The showers in the men's room were cold again")).toBe(200);
    expect(await t.sms("+8613800138001", "Cold showers again, please fix")).toBe(200);
    await settle(env);
    const items = (await t.client.get("/v1/inbox")).body.data;
    expect(items).toHaveLength(2);
    const category = items[0].category;
    const manager = await t.client.post("/v1/staff", { name: "陈经理" });

    const cookie = sessionCookie(await form(env, "/console/login/key", { key: t.key }));
    const html = await (await page(env, `/console/inbox?category=${category}`, cookie)).text();
    expect(html).toContain("were cold again");
    expect(html).toMatch(/due in \d+ h/); // gold: within its SLA
    const csrf = /name="_csrf" value="(\w+)"/.exec(html)?.[1] as string;
    const back = `/console/inbox?status=open&category=${category}`;
    const first = items.find((i: any) => i.customer.id === emma.id);

    const assigned = await form(
      env,
      `/console/inbox/${first.id}`,
      { _csrf: csrf, back, action: "assign", assignee_id: manager.body.id },
      cookie,
    );
    expect(assigned.status).toBe(303);
    expect((await t.client.get(`/v1/inbox/${first.id}`)).body.assignee_id).toBe(manager.body.id);

    const replied = await form(
      env,
      `/console/inbox/${first.id}/reply`,
      { _csrf: csrf, back, text: "Sorry! Fixed today." },
      cookie,
    );
    expect(replied.headers.get("location")).toBe(back);
    expect(noticeOf(replied)).toBe("Reply sent.");
    // Shown once, on the page it returns to, then gone; a notice in the URL is not shown at all.
    const shown = await (await page(env, back, withNotice(cookie, "Reply sent."))).text();
    expect(shown).toContain('<p role="status" class="">Reply sent.</p>');
    expect(
      await (await page(env, `${back}&notice=${encodeURIComponent("!Call 555 now")}`, cookie)).text(),
    ).not.toContain("Call 555");
    await settle(env);
    expect(await textsTo(t.client, emma.id)).toContain("Sorry! Fixed today.");
    expect((await t.client.get(`/v1/inbox/${first.id}`)).body.status).toBe("done");

    await form(env, "/console/inbox/reply", { _csrf: csrf, back, category, text: "Thanks for telling us." }, cookie);
    expect((await t.client.get("/v1/inbox?status=open")).body.data).toEqual([]);

    // A viewer sees the inbox but cannot answer it: the API's 403 comes back as a notice.
    const viewerKey = (await t.client.post("/v1/api-keys", { name: "v", scope: "read" })).body.key;
    const viewer = sessionCookie(await form(env, "/console/login/key", { key: viewerKey }));
    const vcsrf = /name="_csrf" value="(\w+)"/.exec(
      await (await page(env, "/console/inbox", viewer)).text(),
    )?.[1] as string;
    const refused = await form(env, `/console/inbox/${first.id}`, { _csrf: vcsrf, action: "reopen" }, viewer);
    expect(noticeOf(refused)).toBe("!Your sign-in cannot do this; it needs the Operator role.");
    expect((await t.client.get(`/v1/inbox/${first.id}`)).body.status).toBe("done");
  });

  it("creates a birthday campaign with a form, shows its forecast, schedules it and shows its funnel", async () => {
    const env = await setup();
    const t = await twoWay(env);
    await customer(t.client, { name: "Emma Li", phone: "+8613800138000", birthday: "1990-11-25" });
    await customer(t.client, {
      name: "Li Na",
      phone: "+8613800138001",
      birthday: "11-25",
      consent: { state: "unsubscribed" },
    });
    await customer(t.client, { name: "Ann", phone: "+12025550123", birthday: "12-01", time_zone: "America/New_York" });
    const cookie = sessionCookie(await form(env, "/console/login/key", { key: t.key }));
    const csrf = /name="_csrf" value="(\w+)"/.exec(
      await (await page(env, "/console/campaigns", cookie)).text(),
    )?.[1] as string;

    const bad = await form(env, "/console/campaigns", { _csrf: csrf, name: "B", delivery_time: "9 o'clock" }, cookie);
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('role="alert">Send time must be a time of day such as 09:00.</p>');

    const res = await form(
      env,
      "/console/campaigns",
      { _csrf: csrf, name: "Birthdays", delivery_time: "09:00", offer: "a free smoothie" },
      cookie,
    );
    expect(res.status).toBe(303);
    const url = res.headers.get("location") as string;
    const html = await (await page(env, url, cookie)).text();
    // 25 November: two birthdays, one left out for consent; 1 December in New York.
    expect(html).toMatch(
      /<td data-label="For">2026-11-25<\/td><td data-label="Audience">2<\/td><td data-label="Sending">1<\/td><td data-label="Left out \(why\)">[^<]*1</,
    );
    expect(html).toContain("2026-12-01 09:00 America/New_York (1)");

    const scheduled = await form(env, `${url}/schedule`, { _csrf: csrf }, cookie);
    expect(scheduled.status).toBe(303);
    env.clock.set("2026-11-25T02:00:00Z"); // 10:00 in Shanghai
    await settle(env);
    const { runPlan } = await import("../src/jobs/plan");
    await runPlan(env.deps);
    await settle(env);
    // Two days on, the 12-hour session has ended: sign in again.
    expect((await page(env, url, cookie)).status).toBe(303);
    const again = sessionCookie(await form(env, "/console/login/key", { key: t.key }));
    const after = await (await page(env, url, again)).text();
    expect(after).toContain('<span class="badge">Running</span>');
    // While it runs, the page refreshes its numbers by itself.
    expect(after).toContain(`"/console/campaigns/${url.split("/").pop()}?fragment=stats"`);
    expect(after).toMatch(/<svg role="img" aria-label="Planned \d+, Sent 1, Delivered 1, Replies 0"/);
    // Sends per hour, in Shanghai time: one at 10:00 on the 25th.
    expect(after).toContain("<title>25 10h Sent: 1</title>");
    expect(after).toContain("Sent per hour");
  });

  it("builds a segment from form rows with a live count and sample, and saves it", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.post("/v1/customers", { name: "Gold One", phone: "13800138000", tier: "gold", tags: ["yoga"] });
    await t.client.post("/v1/customers", { name: "Gold Two", phone: "13800138001", tier: "gold" });
    await t.client.post("/v1/customers", { name: "Silver", phone: "13800138002", tier: "silver", tags: ["yoga"] });
    const cookie = sessionCookie(await form(env, "/console/login/key", { key: t.key }));
    const rows = { field0: "tier", op0: "in", value0: "gold, diamond", field1: "tags", op1: "has", value1: "yoga" };
    const count = await (
      await page(env, `/console/groups?${new URLSearchParams({ ...rows, fragment: "1" })}`, cookie)
    ).text();
    expect(count).toMatch(/data-testid="count">1</);
    expect(count).toContain("Gold One");
    const bad = await (
      await page(
        env,
        `/console/groups?${new URLSearchParams({ field0: "tier", op0: "within_next", value0: "3", fragment: "1" })}`,
        cookie,
      )
    ).text();
    expect(bad).toMatch(/role="alert">[^<]*tier/);

    const csrf = /name="_csrf" value="(\w+)"/.exec(
      await (await page(env, "/console/groups", cookie)).text(),
    )?.[1] as string;
    const saved = await form(env, "/console/groups", { _csrf: csrf, name: "Gold yogis", ...rows }, cookie);
    expect(saved.status).toBe(303);
    const groups = (await t.client.get("/v1/groups")).body.data;
    expect(groups).toMatchObject([{ name: "Gold yogis", kind: "segment" }]);
    expect((await t.client.get(`/v1/groups/${groups[0].id}/preview`)).body.count).toBe(1);
  });

  it("switches language by cookie, back to the console page it was on, whatever the Referer says", async () => {
    const env = await setup();
    const to = (referer?: string) =>
      env.app.request(`${ORIGIN}/console/lang?to=zh-CN`, { headers: referer ? { referer } : {} });
    const back = await to(`${ORIGIN}/console/customers?tier=gold`);
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe("/console/customers");
    expect(back.headers.get("set-cookie")).toMatch(/tidings_lang=zh-CN; .*Path=\/console/);
    expect((await to("https://evil.example/elsewhere")).headers.get("location")).toBe("/console");
    expect((await to("not a url")).headers.get("location")).toBe("/console");
    expect((await to()).headers.get("location")).toBe("/console");
  });

  it("takes small forms only, but a spreadsheet up to its own larger limit", async () => {
    const env = await setup();
    const t = await tenant(env);
    const big = await form(env, "/console/login/key", { key: "x".repeat(70 * 1024) });
    expect(big.status).toBe(413);
    const cookie = sessionCookie(await form(env, "/console/login/key", { key: t.key }));
    const csrf = /name="_csrf" value="(\w+)"/.exec(
      await (await page(env, "/console/customers/import", cookie)).text(),
    )?.[1];
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `1380013${String(i).padStart(4, "0")},Member ${i} ${"x".repeat(20)}`,
    );
    const csv = `phone,name\n${rows.join("\n")}\n`;
    expect(csv.length).toBeGreaterThan(70 * 1024);
    const body = new FormData();
    body.append("_csrf", csrf as string);
    body.append("file", new File([csv], "members.csv", { type: "text/csv" }));
    const res = await env.app.request(`${ORIGIN}/console/customers/import`, {
      method: "POST",
      headers: { origin: ORIGIN, cookie },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/Created<\/div><div class="value">3000</);
  });
});
