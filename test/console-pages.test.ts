// Console pages beyond the daily lists: activation timing, keywords and settings, the other
// campaign kinds, editing a customer and saving a template. Each reads and writes through /v1.

import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { reasonText } from "../src/console/i18n";
import { seedDemo } from "../src/demo/seed";
import { runPlan } from "../src/jobs/plan";
import { REASONS } from "../src/outbox/status";
import { csrfOf, form, noticeOf, ORIGIN, page, signIn, withNotice } from "./console-helpers";
import { client, type TestEnv, tenant } from "./harness";
import { settle } from "./two-way";

describe("console: activation timing", () => {
  it("shows the lead-time histogram with the send day, each courier × region, the fitness and the channel mix", async () => {
    const env = await setup();
    const demo = await seedDemo(env.deps);
    const cookie = await signIn(env, demo.apiKey);
    const api = client(env, demo.apiKey);
    const model = (await api.get("/v1/reports/delivery?item_kind=membership_kit")).body;
    const day = model.workspace.recommended_send_day as number;

    // The demo gym ships membership kits: the page picks that kind without being told.
    const html = await (await page(env, "/console/activation?rule_days=2", cookie)).text();
    expect(html).toContain(`<option value="membership_kit" selected="">`);
    expect(html).toContain(
      `Send the activation prompt on day ${day} after shipping: by then 80% of items have arrived.`,
    );
    // The workspace's histogram, one bar per day, with the p80 line at the send day.
    expect(html).toContain(`All shipments: ${model.workspace.samples} samples`);
    expect(html).toContain(`p80: send on day ${day}</text>`);
    const bars = [...html.matchAll(/<title>day (\d+): (\d+)<\/title>/g)].map((m) => Number(m[2]));
    expect(bars.reduce((s, n) => s + n, 0)).toBe(model.workspace.samples);
    // Every cell, with what times it (too few samples of its own: the workspace's).
    for (const c of model.cells) expect(html).toContain(`<td data-label="Courier">${c.courier}</td>`);
    // A cell timed by the workspace says why: too few deliveries of its own.
    expect(html).toMatch(
      /<td data-label="Timed by">the whole workspace<span class="muted"> \(only \d+ deliveries here; \d+ needed to go by its own\)<\/span><\/td>/,
    );
    // The manager's line: agent activations before and after, what the prompts cost.
    expect(html).toMatch(
      /data-testid="verdict">Activations that took a person \(agent, branch, front desk\): \d+% before \d{4}-\d\d-\d\d, \d+% since \(\d+ points (fewer|more)\)\./,
    );
    // Fitness: the model and the fixed rule over the same shipments.
    expect(html).toContain("The model (p80)");
    expect(html).toContain("Fixed: day 2");
    // Channel mix: a stacked bar chart and the shares before and after the comparison date.
    expect(html).toContain("How members activate, per week");
    expect(html).toMatch(/<td data-label="Channel">Front desk<\/td>/);

    // One cell's own chart.
    const zto = model.couriers.find((c: any) => c.courier === "ZTO");
    const one = await (await page(env, "/console/activation?item_kind=membership_kit&courier=ZTO", cookie)).text();
    expect(one).toContain(`ZTO · all regions: ${zto.samples} samples`);

    // In Chinese, and for a kind with no shipments yet.
    const zh = await (await page(env, "/console/activation?item_kind=card", cookie, "zh-CN")).text();
    expect(zh).toContain("最近 90 天内还没有带送达日期的发货记录。");
    expect(zh).toContain("此期间没有激活记录。");
  });
});

/** Posts a console form with the session's CSRF token; the notice it redirects back with. */
async function act(env: TestEnv, cookie: string, path: string, fields: Record<string, string>) {
  const res = await form(env, path, { _csrf: await csrfOf(env, cookie), ...fields }, cookie);
  expect(res.status).toBe(303);
  const to = new URL(res.headers.get("location") as string, ORIGIN);
  return { page: to.pathname, notice: noticeOf(res) };
}

describe("console: settings", () => {
  it("changes quiet hours, caps and the signature; refuses a bad value naming it and changes nothing", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const ok = await act(env, cookie, "/console/settings/workspace", {
      name: "North Gym",
      brand_signature: "【North】",
      time_zone: "Asia/Shanghai",
      quiet: "on",
      quiet_start: "22:00",
      quiet_end: "07:30",
      cap_messages: "2",
      cap_days: "7",
      monthly_segment_cap: "",
    });
    expect(ok).toEqual({ page: "/console/settings", notice: "Saved." });
    expect((await t.client.get("/v1/tenant")).body).toMatchObject({
      name: "North Gym",
      brand_signature: "【North】",
      quiet_hours: { start: "22:00", end: "07:30" },
      frequency_cap: { messages: 2, days: 7 },
      monthly_segment_cap: null,
    });

    // A refused change comes back as typed, saying why in words, and changes nothing.
    const bad = await form(
      env,
      "/console/settings/workspace",
      {
        _csrf: await csrfOf(env, cookie),
        name: "Renamed",
        time_zone: "Asia/Shanghai",
        cap_messages: "500",
        cap_days: "7",
      },
      cookie,
    );
    expect(bad.status).toBe(422);
    const kept = await bad.text();
    expect(kept).toContain('role="alert" class="error">Messages per customer must be at most 100.</p>');
    expect(kept).toContain('<input id="ws-name" name="name" required="" maxlength="200" value="Renamed"/>');
    expect(kept).toContain('name="cap_messages" type="number" min="1" max="100" value="500"');
    expect((await t.client.get("/v1/tenant")).body.name).toBe("North Gym");
    // Quiet hours off: the box unticked.
    await act(env, cookie, "/console/settings/workspace", { name: "North Gym", time_zone: "Asia/Shanghai" });
    expect((await t.client.get("/v1/tenant")).body.quiet_hours).toBeNull();

    const html = await (await page(env, "/console/settings", cookie)).text();
    expect(html).toContain('value="【North】"');
  });

  it("changes the plan from next month and shows it pending", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const r = await act(env, cookie, "/console/settings/plan", {
      plan_type: "package",
      currency: "CNY",
      monthly_fee: "99",
      allowance_segments: "1500",
      overage_price_per_segment: "0.08",
    });
    expect(r.notice).toBe("The new plan takes effect on the 1st of next month.");
    const tenantNow = (await t.client.get("/v1/tenant")).body;
    expect(tenantNow.pending_plan.plan).toEqual({
      type: "package",
      currency: "CNY",
      monthly_fee: 99,
      allowance_segments: 1500,
      overage_price_per_segment: 0.08,
    });
    const html = await (await page(env, "/console/settings", cookie)).text();
    expect(html).toContain(
      `From ${tenantNow.pending_plan.effective_month}: Package: 99 CNY a month for 1500 segments, then 0.08 CNY each`,
    );
  });

  it("adds staff with a console password, changes a role, removes them", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const added = await act(env, cookie, "/console/settings/staff", {
      name: "Li Na",
      phone: "13700137001",
      email: "li@north.example",
      role: "operator",
      password: "",
    });
    expect(added.notice).toBe("Saved.");
    const [li] = (await t.client.get("/v1/staff")).body.data;
    expect(li).toMatchObject({ name: "Li Na", phone: "+8613700137001", role: "operator", console_login: false });
    await act(env, cookie, "/console/settings/staff-update", { id: li.id, phone: "", role: "viewer", password: "" });
    expect((await t.client.get(`/v1/staff/${li.id}`)).body).toMatchObject({ phone: null, role: "viewer" });
    const short = await act(env, cookie, "/console/settings/staff-update", {
      id: li.id,
      role: "viewer",
      password: "short",
    });
    expect(short.notice).toBe("!Password needs at least 10 characters.");
    expect((await act(env, cookie, "/console/settings/staff-remove", { id: li.id })).notice).toBe("Removed.");
    expect((await t.client.get("/v1/staff")).body.data).toEqual([]);
  });

  it("adds a channel whose credentials are kept but never shown; a viewer may look but not change", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    await t.client.post("/v1/channels", { name: "Main", provider: "simulator", config: {}, default: true });
    const secret = "console-secret-0123456789";
    await act(env, cookie, "/console/settings/channel", {
      name: "Backup",
      provider: "simulator",
      from: "+8610690002",
      secret,
      rate_per_second: "20",
    });
    const ch = (await t.client.get("/v1/channels")).body.data.find((c: any) => c.name === "Backup");
    expect(ch).toMatchObject({ provider: "simulator", has_credentials: true, rate_per_second: 20, default: false });
    expect(ch.config.from).toBe("+8610690002");
    await act(env, cookie, "/console/settings/channel-update", {
      id: ch.id,
      provider: "simulator",
      secret: "another-secret-0123456789",
      rate_per_second: "",
      default: "on",
    });
    expect((await t.client.get(`/v1/channels/${ch.id}`)).body).toMatchObject({ default: true, rate_per_second: null });
    const html = await (await page(env, "/console/settings", cookie)).text();
    expect(html).toContain(`/webhooks/simulator/${ch.id}/inbound`);
    expect(html).not.toContain(secret);
    expect(html).not.toContain("another-secret");

    const viewerKey = (await t.client.post("/v1/api-keys", { name: "viewer", scope: "read" })).body.key;
    const viewer = await signIn(env, viewerKey);
    expect(await (await page(env, "/console/settings", viewer)).text()).toContain(
      "Only an admin can change these settings.",
    );
    const refused = await form(
      env,
      "/console/settings/workspace",
      { _csrf: await csrfOf(env, viewer), name: "Hijack", time_zone: "UTC" },
      viewer,
    );
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Your sign-in cannot do this; it needs the Admin role.");
    expect((await t.client.get("/v1/tenant")).body.name).not.toBe("Hijack");
  });
});

describe("console: keywords", () => {
  it("adds a keyword from the form, shows its use, turns it off and removes it", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const yoga = (await t.client.post("/v1/groups", { name: "Morning Yoga", code: "01", kind: "static" })).body;
    const r = await act(env, cookie, "/console/keywords/create", {
      name: "Join yoga",
      words: "YOGA，瑜伽",
      match: "whole",
      reply: "Welcome to morning yoga!",
      join: yoga.id,
      leave: "",
      only: "",
    });
    expect(r).toEqual({ page: "/console/keywords", notice: "Saved." });
    const [kw] = (await t.client.get("/v1/keywords")).body.data;
    expect(kw).toMatchObject({
      name: "Join yoga",
      words: ["yoga", "瑜伽"], // stored folded
      actions: [
        { type: "reply", text: "Welcome to morning yoga!" },
        { type: "add_to_group", group: yoga.id },
      ],
    });
    let html = await (await page(env, "/console/keywords", cookie)).text();
    expect(html).toContain("replies “Welcome to morning yoga!”; adds to Morning Yoga");

    // A keyword with no words is refused, naming the field.
    const bad = await form(
      env,
      "/console/keywords/create",
      { _csrf: await csrfOf(env, cookie), name: "Empty", words: " , ", match: "first_word", reply: "x" },
      cookie,
    );
    expect(bad.status).toBe(422);
    const kept = await bad.text();
    expect(kept).toContain('role="alert" class="error">Words is required.</p>');
    // What was typed stays for the next try.
    expect(kept).toContain('<input id="kw-name" name="name" required="" maxlength="100" value="Empty"/>');
    expect(kept).toContain('<option value="first_word" selected="">');

    await act(env, cookie, "/console/keywords/disable", { id: kw.id });
    expect((await t.client.get(`/v1/keywords/${kw.id}`)).body.enabled).toBe(false);
    html = await (await page(env, "/console/keywords", cookie)).text();
    expect(html).toContain(`aria-label="Turn on: Join yoga"`);

    await act(env, cookie, "/console/keywords/preset", {});
    expect((await t.client.get("/v1/keywords")).body.data.map((k: any) => k.preset)).toContain("card_activation");
    await act(env, cookie, "/console/keywords/delete", { id: kw.id });
    expect((await t.client.get(`/v1/keywords/${kw.id}`)).status).toBe(404);
  });
});

describe("console: campaigns of every kind", () => {
  it("makes each kind's API campaign from its form, in the workspace's time for a one-off", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const yoga = (await t.client.post("/v1/groups", { name: "Morning Yoga", code: "01", kind: "static" })).body;
    await t.client.put("/v1/attributes/membership_expiry", { type: "date", label: "Membership ends" });
    const made = async (fields: Record<string, string>) => {
      const res = await form(env, "/console/campaigns", { _csrf: await csrfOf(env, cookie), ...fields }, cookie);
      expect(res.status, await res.clone().text()).toBe(303);
      const id = (res.headers.get("location") as string).split("/").pop() as string;
      return (await t.client.get(`/v1/campaigns/${id}`)).body;
    };
    // The form offers the date attribute as an anchor.
    const dateForm = await (await page(env, "/console/campaigns?kind=date_relative", cookie)).text();
    // The form offers the date attribute as an anchor, by its label; templates by their titles.
    expect(dateForm).toContain('<option value="attributes.membership_expiry">Membership ends</option>');
    expect(dateForm).toContain(
      '<option value="membership_expiry_reminder" selected="">Membership ending soon</option>',
    );

    const oneOff = await made({
      kind: "broadcast",
      name: "Weekend offer",
      template: "member_promotion",
      group: yoga.id,
      send_at: "2026-12-05T10:00",
      variables: "offer=20% off\ncode=YOGA20",
    });
    expect(oneOff).toMatchObject({
      kind: "broadcast",
      audience: { groups: [yoga.id] },
      variables: { offer: "20% off", code: "YOGA20" },
      next_occurrence_at: "2026-12-05T02:00:00.000Z", // 10:00 in Shanghai
    });
    // The list shows the workspace's 10:00 with its zone named, whatever the server's zone.
    expect(await (await page(env, "/console/campaigns", cookie)).text()).toContain("Dec 5, 2026, 10:00 GMT+8");
    expect(await (await page(env, "/console/campaigns", cookie, "zh-CN")).text()).toContain(
      "2026年12月5日 GMT+8 10:00",
    );
    const withSeconds = await made({
      kind: "broadcast",
      name: "Seconds",
      template: "member_promotion",
      send_at: "2026-12-05T10:00:00",
    });
    expect(withSeconds.next_occurrence_at).toBe("2026-12-05T02:00:00.000Z");
    const monthly = await made({
      kind: "recurring",
      name: "Monthly",
      template: "member_promotion",
      every: "month",
      month_day: "3",
      at: "09:30",
    });
    expect(monthly).toMatchObject({ kind: "recurring", cron: "30 9 3 * *", audience: { all: true } });
    const weekly = await made({
      kind: "recurring",
      name: "Mondays",
      template: "member_promotion",
      every: "week",
      weekday: "1",
      at: "10:00",
    });
    expect(weekly.cron).toBe("0 10 * * 1");
    const expiry = await made({
      kind: "date_relative",
      name: "Expiry",
      template: "membership_expiry_reminder",
      anchor: "attributes.membership_expiry",
      offset_days: "7",
      direction: "before",
      delivery_time: "10:00",
    });
    expect(expiry.trigger).toMatchObject({
      anchor: "attributes.membership_expiry",
      offset: { value: -7, unit: "days" },
      delivery_time: "10:00",
    });
    const festival = await made({
      kind: "holiday",
      name: "Mid-autumn",
      template: "mid_autumn_greeting",
      holiday: "mid_autumn",
      delivery_time: "09:00",
    });
    expect(festival.trigger).toMatchObject({ holiday: "mid_autumn" });
    const own = await made({
      kind: "holiday",
      name: "Anniversary",
      template: "member_promotion",
      holiday: "custom",
      holiday_name: "Gym birthday",
      holiday_date: "05-20",
      delivery_time: "09:00",
    });
    expect(own.trigger.holiday).toMatchObject({ name: "Gym birthday", date: "05-20" });
    const survey = await made({
      kind: "event",
      name: "After a visit",
      template: "post_visit_survey",
      event_type: "visit",
      delay: "2",
      delay_unit: "hours",
      cancel_on: "complaint",
    });
    expect(survey.trigger).toMatchObject({
      event: "visit",
      delay: { value: 2, unit: "hours" },
      cancel_on: ["complaint"],
    });
    const prompt = await made({
      kind: "after_delivery",
      name: "Kit arrived",
      template: "card_activation_prompt",
      item_kind: "membership_kit",
      quantile: "0.9",
      prompts: "3",
      after_days: "2",
      delivery_time: "18:00",
      variables: "activationUrl=gym.example/a",
    });
    expect(prompt.trigger).toMatchObject({
      item_kind: "membership_kit",
      timing: { quantile: 0.9 },
      follow_up: { max_messages: 3, after_days: 2 },
    });

    // A bad form is shown again with the API's reason, and nothing is made.
    const before = (await t.client.get("/v1/campaigns")).body.data.length;
    const bad = await form(
      env,
      "/console/campaigns",
      {
        _csrf: await csrfOf(env, cookie),
        kind: "event",
        name: "No event",
        template: "post_visit_survey",
        event_type: "Not An Event",
      },
      cookie,
    );
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('role="alert">Event is not in the right form.</p>');
    expect(html).toContain('value="Not An Event"');
    expect((await t.client.get("/v1/campaigns")).body.data.length).toBe(before);
  });
});

describe("console: a campaign's progress", () => {
  it("schedules a one-off, then shows who was not sent to and why, in both languages", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.post("/v1/channels", { name: "Main", provider: "simulator", config: {}, default: true });
    const yoga = (await t.client.post("/v1/groups", { name: "Morning Yoga", code: "01", kind: "static" })).body;
    const ids = [];
    for (const [i, state] of ["subscribed", "subscribed", "unsubscribed"].entries()) {
      const c = await t.client.post("/v1/customers", { name: `M${i}`, phone: `1380013800${i}`, consent: { state } });
      ids.push(c.body.id);
    }
    await t.client.post(`/v1/groups/${yoga.id}/members`, { customer_ids: ids });
    const cookie = await signIn(env, t.key);
    const csrf = await csrfOf(env, cookie);
    const res = await form(
      env,
      "/console/campaigns",
      {
        _csrf: csrf,
        kind: "broadcast",
        name: "Offer",
        template: "member_promotion",
        group: yoga.id,
        // The Chinese text names the member's tier too; a value the template needs and lacks
        // would skip the message as render_error.
        variables: "offer=x\nvalidUntil=2026-12-15\nlink=gym.example\ntierName=会员",
      },
      cookie,
    );
    const url = res.headers.get("location") as string;
    expect(await (await page(env, url, cookie)).text()).not.toContain("Some messages cannot be written");
    // The same offer without its values: the forecast says what is missing before scheduling.
    const lacking = await form(
      env,
      "/console/campaigns",
      { _csrf: csrf, kind: "broadcast", name: "Lacking", template: "member_promotion", group: yoga.id },
      cookie,
    );
    expect(await (await page(env, lacking.headers.get("location") as string, cookie)).text()).toMatch(
      /role="alert">Some messages cannot be written: Missing variable &#39;\w+&#39;/,
    );
    const scheduled = await form(env, `${url}/schedule`, { _csrf: csrf }, cookie);
    expect(noticeOf(scheduled)).toBe("Scheduled.");
    await runPlan(env.deps);
    await settle(env);
    const html = await (await page(env, url, cookie)).text();
    expect(html).toMatch(/aria-label="Planned 3, Sent 2, Delivered 2, Replies 0"/);
    expect(html).toContain(
      '<td data-label="Reason">The customer opted out of marketing messages</td><td data-label="Messages">1</td>',
    );
    // The progress alone, as the page's poll fetches it.
    const part = await (await page(env, `${url}?fragment=stats`, cookie)).text();
    expect(part).toMatch(
      /^<section id="stats"[^>]*><h2 id="funnel-h">Progress<\/h2><svg role="img" aria-label="Planned 3, Sent 2/,
    );
    expect((await page(env, "/console/campaigns/cmp_nope?fragment=stats", cookie)).status).toBe(404);
    const zh = await (await page(env, url, cookie, "zh-CN")).text();
    expect(zh).toContain("客户已退订营销短信");
    // Scheduling twice is refused, and the page says why.
    const again = await form(env, `${url}/schedule`, { _csrf: csrf }, cookie);
    expect(noticeOf(again)).toMatch(/^!/);
  });

  it("has Chinese words for every reason a message is not sent", () => {
    for (const code of Object.keys(REASONS)) expect(reasonText("zh-CN", code), code).toMatch(/\p{Script=Han}/u);
  });
});

describe("console: editing a customer", () => {
  it("changes details, a lunar birthday, consent with its reason, and removes an attribute; a bad phone changes nothing", async () => {
    const env = await setup();
    const t = await tenant(env);
    const staff = (await t.client.post("/v1/staff", { name: "Li Na" })).body;
    const yoga = (await t.client.post("/v1/groups", { name: "Morning Yoga", code: "01", kind: "static" })).body;
    const pt = (await t.client.post("/v1/groups", { name: "Personal Training", code: "02", kind: "static" })).body;
    const c = (
      await t.client.post("/v1/customers", {
        name: "王芳",
        phone: "13800138000",
        tier: "silver",
        attributes: { points: 1200, last_visit: "2026-10-01" },
        consent: { state: "subscribed" },
      })
    ).body;
    const cookie = await signIn(env, t.key);
    const profile = await (await page(env, `/console/customers/${c.id}`, cookie)).text();
    expect(profile).toContain("points=1200\nlast_visit=2026-10-01");
    const fields = {
      name: "王芳",
      phone: "138 0013 8000",
      external_id: "M-0042",
      tier: "gold",
      tags: "yoga, 早课",
      locale: "zh-CN",
      time_zone: "Asia/Shanghai",
      birthday: "03-14",
      lunar: "on",
      owner_id: staff.id,
      consent: "unsubscribed",
      evidence: "asked at the front desk",
      attributes: "points=1500",
      groups_shown: "1",
      [`group:${yoga.id}`]: "on",
    };
    const r = await act(env, cookie, `/console/customers/${c.id}`, fields);
    expect(r).toEqual({ page: `/console/customers/${c.id}`, notice: "Saved." });
    const after = (await t.client.get(`/v1/customers/${c.id}`)).body;
    expect(after).toMatchObject({
      external_id: "M-0042",
      tier: "gold",
      tags: ["yoga", "早课"],
      birthday: { month: 3, day: 14, lunar: true },
      owner_id: staff.id,
      attributes: { points: 1500 },
      consent: { state: "unsubscribed" },
    });
    expect(after.attributes.last_visit).toBeUndefined();
    expect((await t.client.get(`/v1/customers/${c.id}/groups`)).body.data.map((g: any) => g.name)).toEqual([
      "Morning Yoga",
    ]);
    // Moved from yoga to PT: one box unticked, another ticked.
    const { [`group:${yoga.id}`]: _left, ...rest } = fields;
    await act(env, cookie, `/console/customers/${c.id}`, { ...rest, [`group:${pt.id}`]: "on" });
    expect((await t.client.get(`/v1/customers/${c.id}/groups`)).body.data.map((g: any) => g.code)).toEqual(["02"]);
    expect(await (await page(env, `/console/customers/${c.id}`, cookie)).text()).toContain(
      "<dt>Groups</dt><dd>Personal Training</dd>",
    );
    const tl = (await t.client.get(`/v1/customers/${c.id}/timeline`)).body.data;
    expect(JSON.stringify(tl)).toContain("asked at the front desk");

    // Refused: the form comes back open with what was typed and why, and nothing changed.
    const bad = await form(
      env,
      `/console/customers/${c.id}`,
      { _csrf: await csrfOf(env, cookie), ...fields, phone: "12345", tier: "diamond" },
      cookie,
    );
    expect(bad.status).toBe(422);
    const kept = await bad.text();
    expect(kept).toContain('role="alert" class="error">Phone “12345” is too short.</p>');
    expect(kept).toContain('<details class="card" open="">');
    expect(kept).toContain('<input id="e-phone" name="phone" required="" value="12345"/>');
    expect(kept).toContain('<option value="diamond" selected="">diamond</option>');
    expect((await t.client.get(`/v1/customers/${c.id}`)).body.tier).toBe("gold");
  });
});

describe("console: saving a template", () => {
  it("saves a new template, a new version of it, a copy of a shipped one; a broken one says where", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const csrf = await csrfOf(env, cookie);
    const save = (fields: Record<string, string>) =>
      form(
        env,
        "/console/templates/edit",
        { _csrf: csrf, do: "save", kind: "marketing", locale: "zh-CN", ...fields },
        cookie,
      );

    const first = await save({ key: "monday_offer", source: "{{name}}您好，周一私教课8折。" });
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("Saved “Monday offer” (中文), version 1.");
    const second = await save({
      key: "monday_offer",
      source: "{{name}}您好，周一{{class}}7折！",
      samples: "class = 私教课\ncard.last4 = 0042\nvisits = 12",
    });
    expect(await second.text()).toContain("version 2.");
    const own = (await t.client.get("/v1/templates")).body.data;
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({
      key: "monday_offer",
      version: 2,
      source: "{{name}}您好，周一{{class}}7折！",
      kind: "marketing",
      // Its sample values are saved with it.
      variables: { class: "私教课", "card.last4": "0042", visits: 12 },
    });

    // A shipped template saved with changes becomes the workspace's own, keeping its samples.
    await save({ key: "birthday_greeting", kind: "notification", source: "{{name}}，生日快乐！" });
    const copy = (await t.client.get("/v1/templates")).body.data.find((x: any) => x.key === "birthday_greeting");
    expect(copy.copied_from).toMatch(/^birthday_greeting\.zh-CN@/);
    expect(Object.keys(copy.variables).length).toBeGreaterThan(0);

    const broken = await save({ key: "broken", source: "您好 {{#if name}}没有结束" });
    expect(broken.status).toBe(422);
    expect(await broken.text()).toMatch(/role="alert"[^>]*>[^<]*line 1/);
    expect((await t.client.get("/v1/templates")).body.data.some((x: any) => x.key === "broken")).toBe(false);

    // Preview posts too (the form carries the CSRF token), and stores nothing.
    const preview = await form(
      env,
      "/console/templates/edit",
      { _csrf: csrf, do: "preview", key: "unsaved", kind: "notification", locale: "en", source: "Hi {{name}}" },
      cookie,
    );
    expect(await preview.text()).toContain("Hi Emma Li");
    expect((await t.client.get("/v1/templates")).body.data.some((x: any) => x.key === "unsaved")).toBe(false);
  });
});

describe("console: segment builder", () => {
  it("combines rows with any-of, negates a row, and tests group membership by code", async () => {
    const env = await setup();
    const t = await tenant(env);
    const yoga = (await t.client.post("/v1/groups", { name: "Morning Yoga", code: "01", kind: "static" })).body;
    const ids: Record<string, string> = {};
    for (const [i, [name, tier]] of [
      ["Gold", "gold"],
      ["Silver", "silver"],
      ["Yogi", "ordinary"],
      ["Plain", "ordinary"],
    ].entries()) {
      ids[name as string] = (await t.client.post("/v1/customers", { name, phone: `1380013800${i}`, tier })).body.id;
    }
    await t.client.post(`/v1/groups/${yoga.id}/members`, { customer_ids: [ids.Yogi] });
    const cookie = await signIn(env, t.key);
    const count = async (rows: Record<string, string>) => {
      const html = await (
        await page(env, `/console/groups?${new URLSearchParams({ ...rows, fragment: "1" })}`, cookie)
      ).text();
      return Number(/data-testid="count">(\d+)</.exec(html)?.[1]);
    };
    // Gold, or in the yoga group (by its SMS code).
    const anyOf = {
      combine: "or",
      field0: "tier",
      op0: "eq",
      value0: "gold",
      field1: "groups",
      op1: "member_of",
      value1: "01",
    };
    expect(await count(anyOf)).toBe(2);
    // Not ordinary: gold and silver.
    expect(await count({ field0: "tier", op0: "eq", value0: "ordinary", not0: "on" })).toBe(2);
    // All of: ordinary and not in yoga.
    expect(
      await count({
        field0: "tier",
        op0: "eq",
        value0: "ordinary",
        field1: "groups",
        op1: "member_of",
        value1: "01",
        not1: "on",
      }),
    ).toBe(1);
    // Saved as a segment, it keeps the OR.
    const saved = await form(
      env,
      "/console/groups",
      { _csrf: await csrfOf(env, cookie), name: "Gold or yoga", ...anyOf },
      cookie,
    );
    expect(saved.status).toBe(303);
    const seg = (await t.client.get("/v1/groups")).body.data.find((g: any) => g.name === "Gold or yoga");
    expect(seg.filter).toEqual({
      or: [
        { field: "tier", op: "eq", value: "gold" },
        { field: "groups", op: "member_of", value: "01" },
      ],
    });
    // The tests read as words.
    expect(await (await page(env, "/console/groups", cookie)).text()).toContain(
      '<option value="member_of" data-kinds="groups">is in group</option>',
    );
  });
});

describe("console: home", () => {
  it("counts tomorrow's birthdays and shows how many each upcoming campaign sends to", async () => {
    const env = await setup(); // 2026-11-23, noon in Shanghai
    const t = await tenant(env);
    for (const [i, birthday] of ["11-24", "1990-11-24", "11-23", "12-01"].entries()) {
      await t.client.post("/v1/customers", {
        name: `B${i}`,
        phone: `1380013800${i}`,
        birthday,
        consent: { state: "subscribed" },
      });
    }
    const cmp = await t.client.post("/v1/campaigns", {
      name: "Birthdays",
      kind: "date_relative",
      template: "birthday_greeting",
      variables: { offer: "a smoothie" },
      anchor: "birthday",
      delivery_time: "09:00",
    });
    await t.client.post(`/v1/campaigns/${cmp.body.id}/schedule`, {});
    const cookie = await signIn(env, t.key);
    const html = await (await page(env, "/console", cookie)).text();
    expect(html).toContain("Birthdays tomorrow: 2");
    expect(html).toMatch(
      />Birthdays<\/a> <span class="badge">Birthday<\/span><\/td><td data-label="Next">[^<]+<\/td><td data-label="Sending">2<\/td>/,
    );
  });
});

describe("console: cookies behind a TLS proxy", () => {
  it("marks the session cookie Secure when the public URL is https, though the request came as http", async () => {
    const env = await setup();
    const t = await tenant(env);
    const plain = await form(env, "/console/login/key", { key: t.key });
    expect(plain.headers.get("set-cookie")).not.toMatch(/;\s*Secure/i);
    env.deps.config.publicUrl = "https://gym.example";
    const proxied = await form(env, "/console/login/key", { key: t.key });
    expect(proxied.headers.get("set-cookie")).toMatch(/;\s*Secure/i);
  });
});

describe("console: pausing a campaign", () => {
  it("pauses, resumes and cancels from the campaign's page; a viewer is refused", async () => {
    const env = await setup();
    const t = await tenant(env);
    const c = (
      await t.client.post("/v1/campaigns", {
        name: "Birthdays",
        kind: "date_relative",
        template: "birthday_greeting",
        variables: { offer: "a smoothie" },
        anchor: "birthday",
        delivery_time: "09:00",
      })
    ).body;
    await t.client.post(`/v1/campaigns/${c.id}/schedule`, {});
    const cookie = await signIn(env, t.key);
    const url = `/console/campaigns/${c.id}`;
    expect(await (await page(env, url, cookie)).text()).toContain(`action="${url}/pause"`);
    const status = async () => (await t.client.get(`/v1/campaigns/${c.id}`)).body.status;

    expect((await act(env, cookie, `${url}/pause`, {})).notice).toBe(
      "Paused: nothing more is sent until you resume it.",
    );
    expect(await status()).toBe("paused");
    expect(await (await page(env, url, cookie)).text()).toContain(`action="${url}/resume"`);

    const viewerKey = (await t.client.post("/v1/api-keys", { name: "v", scope: "read" })).body.key;
    expect((await act(env, await signIn(env, viewerKey), `${url}/resume`, {})).notice).toMatch(/^!/);
    expect(await status()).toBe("paused");

    expect((await act(env, cookie, `${url}/resume`, {})).notice).toBe("Resumed.");
    expect((await act(env, cookie, `${url}/cancel`, {})).notice).toMatch(/^Cancelled/);
    expect(await status()).toBe("cancelled");
    // Nothing more to do with a cancelled campaign, and a second cancel is refused with the API's reason.
    expect(await (await page(env, url, cookie)).text()).not.toContain(`${url}/resume"`);
    expect((await act(env, cookie, `${url}/cancel`, {})).notice).toBe(
      "!That cannot be done to a campaign that is “Cancelled”.",
    );
  });
});

describe("console: static groups", () => {
  it("adds a static group with the next free code, refuses a taken code, and removes a group", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    expect(
      (await act(env, cookie, "/console/groups/create", { name: "Morning Yoga", code: "", description: "7am" })).notice,
    ).toBe("Saved.");
    const [yoga] = (await t.client.get("/v1/groups")).body.data;
    expect(yoga).toMatchObject({ name: "Morning Yoga", kind: "static", code: "01", description: "7am" });
    const taken = await act(env, cookie, "/console/groups/create", { name: "Spin", code: "01" });
    expect(taken.notice).toMatch(/^!.*01/);
    expect((await t.client.get("/v1/groups")).body.data).toHaveLength(1);
    const html = await (await page(env, "/console/groups", withNotice(cookie, taken.notice))).text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('<td data-label="Members">0</td>');
    expect((await act(env, cookie, "/console/groups/delete", { id: yoga.id })).notice).toBe("Removed.");
    expect((await t.client.get("/v1/groups")).body.data).toEqual([]);
  });
});

describe("console: what the API refuses", () => {
  it("shows the API's reason with its status, in either language, instead of failing", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    // Each in the page's words: the field by its name on the forms, the values in words.
    const cases: [string, number, string, string][] = [
      ["/console/customers?group=99", 404, "Nothing was found for “99”", "找不到 “99”"],
      [
        "/console/customers?consent=x",
        422,
        "Consent must be one of: Subscribed, Unsubscribed, Never asked.",
        "授权只能是：已订阅、已退订、未询问。",
      ],
      ["/console/customers?cursor=x", 422, "This page of the list has expired", "列表的这一页已失效"],
      [
        `/console/customers?q=${"a".repeat(200)}`,
        422,
        "Search can have at most 100 characters.",
        "搜索最多 100 个字符。",
      ],
      ["/console/activation?rule_days=99", 422, "Fixed rule must be at most 60.", "固定规则不能大于 60。"],
      [
        `/console/customers/${"x".repeat(70)}`,
        422,
        "The address can have at most 64 characters.",
        "网址最多 64 个字符。",
      ],
      [
        `/console/campaigns/${"x".repeat(70)}`,
        422,
        "The address can have at most 64 characters.",
        "网址最多 64 个字符。",
      ],
    ];
    for (const [path, status, en, zh] of cases) {
      for (const lang of ["en", "zh-CN"]) {
        const res = await page(env, path, cookie, lang);
        expect(res.status, path).toBe(status);
        const html = await res.text();
        expect(html, path).toContain(lang === "en" ? en : zh);
        expect(html).toContain(lang === "en" ? "Sign out" : "退出");
        // In its section of the menu, with the way back to it.
        const section = path.split(/[/?]/)[2];
        expect(html, path).toContain(`<a href="/console/${section}" aria-current="page">`);
      }
    }
  });
});
