// The console speaks in words: a customer's timeline, the campaign and template pages, keyword
// clashes and settings show what happened and what things are called, never the API's codes or
// internal ids, in both languages.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { runPlan } from "../src/jobs/plan";
import { codesIn, csrfOf, form, noticeOf, page, signIn, withNotice } from "./console-helpers";
import { settle, twoWay } from "./two-way";

const LANGS = ["en", "zh-CN"] as const;

describe("console: words, not codes", () => {
  it("tells a member's story in words: messages, replies, groups, events, shipments and consent", async () => {
    const env = await setup();
    const t = await twoWay(env);
    const c = t.client;
    await c.put("/v1/attributes/last_visit", { type: "date", label: "Last visit" });
    const yoga = (await c.post("/v1/groups", { name: "Morning Yoga", code: "01", kind: "static" })).body;
    const ann = (await c.post("/v1/customers", { name: "Ann", phone: "13800138001", consent: { state: "subscribed" } }))
      .body;
    const bob = (
      await c.post("/v1/customers", { name: "Bob", phone: "13800138002", consent: { state: "unsubscribed" } })
    ).body;
    await c.post(`/v1/groups/${yoga.id}/members`, { customer_ids: [ann.id, bob.id] });
    await c.patch(`/v1/customers/${ann.id}`, { tier: "gold", attributes: { last_visit: "2026-01-10" } });
    await c.post("/v1/events", { customer_id: ann.id, type: "visit" });
    await c.post("/v1/shipments", {
      shipments: [
        {
          customer_id: ann.id,
          reference: "4711",
          item_kind: "membership_kit",
          courier: "SF Express",
          region: "Chengdu",
          shipped_at: "2026-01-01T02:00:00Z",
          delivered_at: "2026-01-03T02:00:00Z",
        },
      ],
    });
    const kw = await c.post("/v1/keywords", {
      name: "Join yoga",
      words: ["YOGA"],
      match: "first_word",
      actions: [{ type: "reply", text: "See you at 7!" }],
    });
    expect(kw.status).toBe(201);
    expect(await t.sms("+8613800138001", "yoga please")).toBe(200);
    const offer = await c.post("/v1/campaigns", {
      name: "Mat offer",
      kind: "broadcast",
      template: "member_promotion",
      audience: { groups: [yoga.id] },
      variables: { offer: "a free mat", validUntil: "2026-12-31", link: "gym.example", tierName: "member" },
    });
    expect((await c.post(`/v1/campaigns/${offer.body.id}/schedule`, {})).status).toBe(200);
    await runPlan(env.deps);
    await settle(env);

    const cookie = await signIn(env, t.key);
    for (const lang of LANGS) {
      for (const who of [ann, bob]) {
        const html = await (await page(env, `/console/customers/${who.id}`, cookie, lang)).text();
        expect(codesIn(html), `${lang} ${who.id}`).toEqual([]);
      }
    }
    const en = await (await page(env, `/console/customers/${ann.id}`, cookie)).text();
    for (const line of [
      '<strong>Joined a group</strong> <span class="muted">Morning Yoga</span>',
      '<strong>Profile changed</strong> <span class="muted">Tier, Last visit</span>',
      '<strong>Event</strong> <span class="muted">Visit</span>',
      "<strong>Membership kit shipped</strong>",
      '<strong>Texted in</strong> <span class="muted">keyword Join yoga</span><blockquote>yoga please</blockquote>',
      '<strong>Message delivered</strong> <span class="muted">Member offer · marketing</span>',
    ]) {
      expect(en).toContain(line);
    }
    // The visit moved the attribute on; it shows under its label.
    expect(en).toMatch(/<dt>Last visit<\/dt><dd>\d{4}-\d{2}-\d{2}<\/dd>/);
    const bobEn = await (await page(env, `/console/customers/${bob.id}`, cookie)).text();
    expect(bobEn).toContain(
      '<strong>Message not sent</strong> <span class="muted">Member offer · marketing · The customer opted out of marketing messages</span>',
    );
    const bobZh = await (await page(env, `/console/customers/${bob.id}`, cookie, "zh-CN")).text();
    expect(bobZh).toContain(
      '<strong>短信未发送</strong> <span class="muted">会员优惠 · 营销 · 客户已退订营销短信</span>',
    );

    // The campaign's own page and the lists that name templates and campaigns.
    for (const lang of LANGS) {
      for (const path of [
        `/console/campaigns/${offer.body.id}`,
        "/console/campaigns",
        "/console/templates",
        "/console/keywords",
      ]) {
        const html = await (await page(env, path, cookie, lang)).text();
        expect(codesIn(html), `${lang} ${path}`).toEqual([]);
      }
    }
  });

  it("names templates by title in the reader's language, and saves a new one by its name alone", async () => {
    const env = await setup();
    const t = await twoWay(env);
    const cookie = await signIn(env, t.key);
    const list = await (await page(env, "/console/templates", cookie, "zh-CN")).text();
    expect(list).toContain(">生日祝福</a>");
    // The text column reads as the message, with its sample values in place of the placeholders.
    expect(list).toContain("亲爱的张伟，祝您生日快乐！");
    expect(list).not.toContain("{{");
    const save = await form(
      env,
      "/console/templates/edit",
      {
        _csrf: await csrfOf(env, cookie),
        do: "save",
        kind: "marketing",
        locale: "zh-CN",
        title: "周一私教优惠",
        source: "{{name}}您好，周一私教课8折。",
      },
      `${cookie}; tidings_lang=zh-CN`,
    );
    expect(await save.text()).toContain("已保存“周一私教优惠”（中文），第 1 版。");
    const own = (await t.client.get("/v1/templates")).body.data;
    expect(own).toMatchObject([
      { title: "周一私教优惠", locale: "zh-CN", key: expect.stringMatching(/^msg_[0-9a-f]{8}$/) },
    ]);
    // Its English text goes under the same key: the editor carries it.
    const english = await form(
      env,
      "/console/templates/edit",
      {
        _csrf: await csrfOf(env, cookie),
        do: "save",
        kind: "marketing",
        locale: "en",
        key: own[0].key,
        title: "Monday PT offer",
        source: "{{firstName}}, 20% off PT on Monday.",
      },
      cookie,
    );
    expect(await english.text()).toContain("Saved “Monday PT offer” (English), version 1.");
    const rows = await (await page(env, "/console/templates", cookie)).text();
    expect(rows).toMatch(
      />Monday PT offer<\/a><\/td><td data-label="Languages"><a [^>]+>English<\/a>, <a [^>]+>中文<\/a>/,
    );
    // Without a name or key, nothing is saved and the page says what is missing.
    const unnamed = await form(
      env,
      "/console/templates/edit",
      { _csrf: await csrfOf(env, cookie), do: "save", kind: "marketing", locale: "en", source: "Hi" },
      cookie,
    );
    expect(unnamed.status).toBe(422);
    expect(await unnamed.text()).toContain("Give the message a name before saving it.");
    expect((await t.client.get("/v1/templates")).body.data).toHaveLength(2);
  });

  it("says which keyword a new one clashes with, by name, in both languages", async () => {
    const env = await setup();
    const t = await twoWay(env);
    const cookie = await signIn(env, t.key);
    const add = async (name: string, words: string, lang: string) => {
      const res = await form(
        env,
        "/console/keywords/create",
        { _csrf: await csrfOf(env, cookie), name, words, match: "whole", reply: "ok" },
        `${cookie}; tidings_lang=${lang}`,
      );
      if (res.status === 303) return noticeOf(res);
      // Refused: the page again, the form as typed, the reason in its alert.
      const html = await res.text();
      expect(html).toContain(`value="${name}"`);
      return `!${/role="alert" class="error">([^<]*)</.exec(html)?.[1] ?? ""}`;
    };
    expect(await add("Yoga", "YOGA", "en")).toBe("Saved.");
    expect(await add("Yoga 2", "yoga", "en")).toBe(
      "!“yoga” is already caught by the keyword “Yoga”: change one of them, or turn that one off.",
    );
    expect(await add("瑜伽", "yoga", "zh-CN")).toBe(
      "!“yoga” 已被关键词“Yoga”截住：请修改其中一个，或先关闭那个关键词。",
    );
    expect(await add("Stop", "STOP", "en")).toBe(
      "!A keyword cannot catch “stop”: customers text it to stop messages, start them again or ask for help.",
    );
    const html = await (await page(env, "/console/keywords", withNotice(cookie, "Saved."), "zh-CN")).text();
    expect(codesIn(html)).toEqual([]);
  });

  it("shows settings in words: providers by name, webhook addresses to copy", async () => {
    const env = await setup();
    const t = await twoWay(env);
    const cookie = await signIn(env, t.key);
    for (const lang of LANGS) {
      const html = await (await page(env, "/console/settings", cookie, lang)).text();
      expect(codesIn(html), lang).toEqual([]);
    }
    const html = await (await page(env, "/console/settings", cookie)).text();
    expect(html).toContain('<td data-label="Provider">Test channel (simulator)</td>');
    // The whole address, ready to paste into the provider's console.
    expect(html).toMatch(
      /<input id="in-[^"]+" readonly="" value="http:\/\/localhost\/webhooks\/simulator\/chn_\w+\/inbound"/,
    );
    expect(html).toContain('data-copy="in-');
  });
});
