// Drafts a person can change, copy and throw away, values in each customer's language, and a
// forecast that says which language would get the wrong text, through the API and the console.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { runPlan } from "../src/jobs/plan";
import { csrfOf, form, noticeOf, page, signIn } from "./console-helpers";
import { settle, textsTo, twoWay } from "./two-way";

const BIRTHDAY = {
  name: "Birthdays",
  kind: "date_relative",
  template: "birthday_greeting",
  anchor: "birthday",
  delivery_time: "09:00",
};

describe("campaign drafts and values per language", () => {
  it("greets each member in their language with their language's offer; the forecast warns of a missing one", async () => {
    const env = await setup("2026-11-23T00:00:00Z"); // 08:00 in Shanghai
    const t = await twoWay(env);
    const emma = await t.client.post("/v1/customers", {
      name: "Emma Li",
      phone: "13800138001",
      locale: "en",
      birthday: "11-23",
      consent: { state: "subscribed" },
    });
    const fang = await t.client.post("/v1/customers", {
      name: "王芳",
      phone: "13800138002",
      locale: "zh-CN",
      birthday: "11-23",
      consent: { state: "subscribed" },
    });
    // Only a Chinese offer: the forecast says the English member lacks one.
    const draft = await t.client.post("/v1/campaigns", {
      ...BIRTHDAY,
      variables: { offer: "鲜榨果汁一杯" },
      variables_by_locale: { "zh-CN": { offer: "鲜榨果汁一杯" } },
    });
    expect(draft.status).toBe(201);
    const before = (await t.client.get(`/v1/campaigns/${draft.body.id}/forecast?days=3`)).body;
    expect(before.warnings).toEqual([{ code: "values_language_missing", locale: "en", customers: 1 }]);

    // Replaced whole (PUT): both languages now; same id, still a draft.
    const put = await t.client.put(`/v1/campaigns/${draft.body.id}`, {
      ...BIRTHDAY,
      variables_by_locale: { en: { offer: "a free smoothie" }, "zh-CN": { offer: "鲜榨果汁一杯" } },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: draft.body.id, status: "draft" });
    expect((await t.client.get(`/v1/campaigns/${draft.body.id}/forecast?days=3`)).body.warnings).toEqual([]);
    expect((await t.client.post(`/v1/campaigns/${draft.body.id}/schedule`, {})).status).toBe(200);
    env.clock.set("2026-11-23T01:00:00Z"); // 09:00 in Shanghai
    await runPlan(env.deps);
    await settle(env);
    const [english] = await textsTo(t.client, emma.body.id);
    const [chinese] = await textsTo(t.client, fang.body.id);
    expect(english).toContain("a free smoothie is on us");
    expect(english).not.toContain("果汁");
    expect(chinese).toContain("鲜榨果汁一杯");

    // A scheduled campaign can be neither replaced nor deleted; it can be copied.
    expect((await t.client.put(`/v1/campaigns/${draft.body.id}`, BIRTHDAY)).status).toBe(409);
    expect((await t.client.delete(`/v1/campaigns/${draft.body.id}`)).status).toBe(409);
    const copy = await t.client.post(`/v1/campaigns/${draft.body.id}/duplicate`, {});
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({
      name: "Birthdays (copy)",
      status: "draft",
      planned: 0,
      template: "birthday_greeting",
      variables_by_locale: { en: { offer: "a free smoothie" } },
    });
    expect((await t.client.delete(`/v1/campaigns/${copy.body.id}`)).status).toBe(204);
    expect((await t.client.get(`/v1/campaigns/${copy.body.id}`)).status).toBe(404);
  });

  it("warns when the template has no text in a customer's language", async () => {
    const env = await setup();
    const t = await twoWay(env);
    await t.client.post("/v1/templates", {
      key: "class_moved",
      locale: "zh-CN",
      kind: "notification",
      source: "{{name}}您好，课程改到周五。",
    });
    await t.client.post("/v1/customers", { name: "Emma", phone: "13800138001", locale: "en" });
    await t.client.post("/v1/customers", { name: "芳", phone: "13800138002", locale: "zh-CN" });
    const c = await t.client.post("/v1/campaigns", {
      name: "Moved",
      kind: "broadcast",
      template: "class_moved",
      audience: { all: true },
    });
    const f = (await t.client.get(`/v1/campaigns/${c.body.id}/forecast`)).body;
    expect(f.warnings).toEqual([
      { code: "template_language_missing", locale: "en", customers: 1, falls_back_to: "zh-CN" },
    ]);
    const cookie = await signIn(env, t.key);
    const html = await (await page(env, `/console/campaigns/${c.body.id}`, cookie)).text();
    expect(html).toContain(
      '<p class="warning" role="alert">1 customers read English, but this template has no English text: they would get the 中文 text. Add its text in English under Templates.</p>',
    );
  });
});

describe("console: a draft from form to changes, copy and bin", () => {
  it("edits a draft in the form it was made with, copies it, deletes it, and asks before cancelling", async () => {
    const env = await setup();
    const t = await twoWay(env);
    const cookie = await signIn(env, t.key);
    const csrf = await csrfOf(env, cookie);
    const made = await form(
      env,
      "/console/campaigns",
      {
        _csrf: csrf,
        kind: "birthday",
        name: "Birthdays",
        delivery_time: "09:00",
        offer_en: "a smoothie",
        "offer_zh-CN": "果汁",
      },
      cookie,
    );
    expect(made.status).toBe(303);
    const id = (made.headers.get("location") as string).split("/").pop() as string;
    expect((await t.client.get(`/v1/campaigns/${id}`)).body).toMatchObject({
      variables: { offer: "果汁" },
      variables_by_locale: { en: { offer: "a smoothie" }, "zh-CN": { offer: "果汁" } },
    });
    const draftPage = await (await page(env, `/console/campaigns/${id}`, cookie)).text();
    expect(draftPage).toContain(`<a class="button" href="/console/campaigns?edit=${id}#new-campaign">Edit</a>`);
    expect(draftPage).toContain("<summary>Delete draft</summary>");

    // The edit form starts from the draft.
    const edit = await (await page(env, `/console/campaigns?edit=${id}`, cookie)).text();
    expect(edit).toContain('<h2 id="new-campaign">Edit campaign</h2>');
    expect(edit).toContain(`<input type="hidden" name="edit" value="${id}"/>`);
    expect(edit).toContain('<input id="offer_en" name="offer_en" value="a smoothie"');
    expect(edit).toContain('<input id="delivery_time" name="delivery_time" type="time" required="" value="09:00"/>');
    const saved = await form(
      env,
      "/console/campaigns",
      {
        _csrf: csrf,
        edit: id,
        kind: "birthday",
        name: "Birthday treats",
        delivery_time: "10:30",
        offer_en: "a cake",
        "offer_zh-CN": "蛋糕",
      },
      cookie,
    );
    expect(saved.headers.get("location")).toBe(`/console/campaigns/${id}`);
    expect((await t.client.get(`/v1/campaigns/${id}`)).body).toMatchObject({
      name: "Birthday treats",
      trigger: { delivery_time: "10:30" },
      variables_by_locale: { en: { offer: "a cake" } },
    });
    expect((await t.client.get("/v1/campaigns")).body.data).toHaveLength(1);

    const dup = await form(env, `/console/campaigns/${id}/duplicate`, { _csrf: csrf }, cookie);
    expect(noticeOf(dup)).toBe("A copy, as a draft: change it, then schedule it.");
    const copyId = (dup.headers.get("location") as string).split("/").pop() as string;
    expect((await t.client.get(`/v1/campaigns/${copyId}`)).body.name).toBe("Birthday treats (copy)");
    const del = await form(env, `/console/campaigns/${copyId}/delete`, { _csrf: csrf }, cookie);
    expect(noticeOf(del)).toBe("Draft deleted.");
    expect((await t.client.get("/v1/campaigns")).body.data).toHaveLength(1);

    await form(env, `/console/campaigns/${id}/schedule`, { _csrf: csrf }, cookie);
    const live = await (await page(env, `/console/campaigns/${id}`, cookie, "zh-CN")).text();
    expect(live).toContain('<details class="confirm"><summary>取消活动</summary><p>尚未发送的短信将不再发送');
    expect(live).not.toContain("删除草稿");
    expect(live).not.toContain("?edit=");
  });
});

describe("console: a draft the form cannot show whole", () => {
  it("is not offered for editing in the form (which would flatten it), and a forged edit is refused", async () => {
    const env = await setup();
    const t = await twoWay(env);
    const a = (await t.client.post("/v1/groups", { name: "A", code: "01", kind: "static" })).body;
    const b = (await t.client.post("/v1/groups", { name: "B", code: "02", kind: "static" })).body;
    const draft = await t.client.post("/v1/campaigns", {
      name: "Two groups",
      kind: "broadcast",
      template: "member_promotion",
      audience: { groups: [a.id, b.id] },
      variables: { offer: "x" },
    });
    const cookie = await signIn(env, t.key);
    const html = await (await page(env, `/console/campaigns/${draft.body.id}`, cookie)).text();
    expect(html).not.toContain("?edit=");
    expect(html).toContain("This draft has settings the form does not show");
    const forged = await form(
      env,
      "/console/campaigns",
      {
        _csrf: await csrfOf(env, cookie),
        edit: draft.body.id,
        kind: "broadcast",
        name: "Flat",
        template: "member_promotion",
      },
      cookie,
    );
    expect(forged.status).toBe(409);
    expect((await t.client.get(`/v1/campaigns/${draft.body.id}`)).body).toMatchObject({
      name: "Two groups",
      audience: { groups: [a.id, b.id] },
    });
  });
});
