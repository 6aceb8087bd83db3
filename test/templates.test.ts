import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { compileTemplate, DEFAULT_LIMITS, RenderMeter, TemplateError } from "../src/templates/engine";
import { helpers } from "../src/templates/helpers";
import { type Client, client, tenant } from "./harness";

const render = (source: string, context: unknown, data: Record<string, unknown> = {}) =>
  compileTemplate(source, helpers).render(context, { locale: "en", timeZone: "UTC", currency: "CNY", ...data });

function problemOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof TemplateError) return { code: e.code, ...e.problem };
    throw e;
  }
  throw new Error("expected a TemplateError");
}

async function customer(c: Client, body: Record<string, unknown>) {
  const res = await c.post("/v1/customers", body);
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe("the engine", () => {
  it("reports bad templates with line and column", () => {
    expect(problemOf(() => render("Hi {{name}},\nyour {{card.last4", {}))).toMatchObject({
      code: "template_invalid",
      kind: "syntax",
      line: 2,
    });
    expect(problemOf(() => render("Hi\n{{#if x}}a{{/each}}", {}))).toMatchObject({
      kind: "syntax",
      line: 2,
      column: 4,
    });
    expect(problemOf(() => render("Hi {{shout name}}", {}))).toMatchObject({
      kind: "unknown_helper",
      helper: "shout",
      line: 1,
      column: 4,
    });
    expect(problemOf(() => render("{{> footer}}", {}))).toMatchObject({ kind: "unsupported" });
    expect(problemOf(() => render("{{#person}}x{{/person}}", {}))).toMatchObject({ kind: "unsupported_block" });
    expect(problemOf(() => render("{{#if}}x{{/if}}", {}))).toMatchObject({ kind: "block_arguments" });
  });

  it("never prints a hole: a missing variable is an error naming it", () => {
    expect(problemOf(() => render("Hello {{firstName}},", { name: "Emma" }))).toMatchObject({
      code: "template_render_failed",
      kind: "missing_variable",
      variable: "firstName",
      line: 1,
      column: 7,
    });
    expect(problemOf(() => render("{{card.last4}}", { card: {} }))).toMatchObject({ variable: "card.last4" });
    expect(problemOf(() => render("{{formatDate expiry}}", {}))).toMatchObject({
      kind: "helper_failed",
      helper: "formatDate",
    });
    // Optional parts are explicit.
    expect(render('Hi {{default nick "friend"}}{{#if card}} ({{card.last4}}){{/if}}', {})).toBe("Hi friend");
  });

  it("reads own data only and prints text only", () => {
    expect(problemOf(() => render("{{constructor}}", {}))).toMatchObject({ kind: "forbidden_property" });
    expect(problemOf(() => render("{{name.__proto__}}", { name: "x" }))).toMatchObject({ kind: "forbidden_property" });
    expect(problemOf(() => render("{{toString}}", {}))).toMatchObject({ kind: "missing_variable" });
    expect(render('{{lookup card "toString"}}|', { card: {} })).toBe("|");
    expect(problemOf(() => render("{{card}}", { card: { last4: "1" } }))).toMatchObject({ kind: "not_text" });
    // No HTML escaping in SMS, and values join as text ("50", not 5 + 0).
    expect(render("{{a}} & {{{a}}} {{n}}{{z}}", { a: "<b>'x'</b>", n: 5, z: 0 })).toBe("<b>'x'</b> & <b>'x'</b> 50");
  });

  it("bounds output and work", () => {
    const long = { items: Array.from({ length: 300 }, () => "0123456789") };
    expect(problemOf(() => render("{{#each items}}{{this}}{{/each}}", long))).toMatchObject({ kind: "too_long" });
    const many = { items: Array.from({ length: 30_000 }, () => "") };
    expect(problemOf(() => render("{{#each items}}{{this}}{{/each}}", many))).toMatchObject({ kind: "too_much_work" });
  });

  it("counts every loop turn, branch and helper call, printing or not", () => {
    const zeros = { a: Array.from({ length: 16_000 }, () => 0) };
    const work = (source: string, context: unknown) => problemOf(() => render(source, context));
    // Loops that print nothing used to cost nothing: 16,000 × 16,000 turns held the thread 16 s.
    expect(work("{{#each a}}{{#each @root.a}}{{/each}}{{/each}}", zeros)).toMatchObject({ kind: "too_much_work" });
    expect(work("{{#each a}}{{#if this}}{{/if}}{{/each}}", zeros)).toMatchObject({ kind: "too_much_work" });
    // A helper pays for the text it is given, and for each formatter it has to build.
    const big = { a: Array.from({ length: 700 }, () => 0), big: "x ".repeat(50_000) };
    expect(work("{{#each a}}{{#if (upper @root.big)}}{{/if}}{{/each}}", big)).toMatchObject({ kind: "too_much_work" });
    const tag = Math.random().toString(36).slice(2, 8);
    const locales = { a: Array.from({ length: 100 }, (_, i) => `en-x-${tag}${i}`) };
    expect(work('{{#each a}}{{#if (formatDate "2026-01-01" locale=this)}}{{/if}}{{/each}}', locales)).toMatchObject({
      kind: "too_much_work",
    });
    // Collections are never joined into text behind the budget's back: as a lookup's field, or
    // a helper's option (a list of 10,900 empty lists joined at each turn held the thread 1 s).
    const lists = { a: Array.from({ length: 10_900 }, () => []) };
    expect(work("{{#each a}}{{#if (lookup this @root.a)}}{{/if}}{{/each}}", lists)).toMatchObject({
      kind: "helper_failed",
      helper: "lookup",
    });
    expect(work('{{#each a}}{{formatDate "2026-01-01" style=@root.a}}{{/each}}', lists)).toMatchObject({
      kind: "helper_failed",
    });
    // A formatter costs the same in every process: charged the first time a render uses it,
    // whether another render built it before or not.
    const dated = compileTemplate("{{formatDate d}} {{formatDate d}}", helpers);
    const once = new RenderMeter();
    dated.render({ d: "2026-12-01" }, {}, DEFAULT_LIMITS, once);
    const again = new RenderMeter();
    dated.render({ d: "2026-12-01" }, {}, DEFAULT_LIMITS, again);
    expect(again.steps).toBe(once.steps);
    expect(once.steps).toBeGreaterThan(250);
    // What a real template costs, counted by a meter across renders.
    const meter = new RenderMeter();
    const greeting = compileTemplate("Hi {{firstNameOf name}}, {{#each items}}{{this}} {{/each}}", helpers);
    for (let i = 0; i < 3; i++) greeting.render({ name: "Emma Li", items: ["a", "b"] }, {}, DEFAULT_LIMITS, meter);
    // The whole text: 1 + 4 statements; firstNameOf: 4 + 1 for 7 characters; each turn: 1 + 2.
    expect(meter.steps).toBe(3 * (1 + 4 + (4 + 1) + 2 * (1 + 2)));
  });

  it("formats dates, times, money and lunar dates in the recipient's locale and zone", () => {
    const at = "2026-11-24T11:00:00Z";
    expect(render("{{formatDateTime at}}", { at }, { timeZone: "Asia/Shanghai", locale: "zh-CN" })).toBe(
      "11月24日 19:00",
    );
    expect(render("{{formatTime at}}", { at }, { timeZone: "America/New_York" })).toBe("6:00 AM");
    // A calendar date is that date everywhere, whatever the zone.
    expect(render("{{formatDate d}}", { d: "2026-12-01" }, { timeZone: "Pacific/Kiritimati" })).toBe(
      "December 1, 2026",
    );
    expect(render('{{formatDate d style="month_day"}}', { d: "2026-12-01" }, { locale: "zh-CN" })).toBe("12月1日");
    expect(render("{{currency 49}}", {}, { locale: "zh-CN" })).toBe("¥49.00");
    expect(render('{{currency 12.5 "USD" decimals=0}}', {}, { locale: "en-US" })).toBe("$13");
    expect(render('{{plural 1 "visit" "visits"}} {{plural 3 "visit" "visits"}}', {})).toBe("visit visits");
    expect(render("{{truncate t 8}}", { t: "Personal training" })).toBe("Persona…");
    expect(render("{{firstNameOf a}} {{firstNameOf b}}", { a: "Emma  Li", b: "欧阳娜娜" })).toBe("Emma 欧阳娜娜");
    // Spring Festival 2026 is 17 February; Mid-Autumn 2026 is 25 September.
    expect(render("{{lunarDate}}", {}, { locale: "zh-CN", today: "2026-02-17" })).toBe("正月初一");
    expect(render('{{lunarDate d format="full"}}', { d: "2026-09-25" }, { locale: "zh-CN" })).toBe("丙午马年八月十五");
    expect(render("{{lunarDate d}}", { d: "2026-09-25" })).toBe("lunar month 8, day 15");
    expect(problemOf(() => render("{{lunarDate missing}}", {}, { today: "2026-02-17" }))).toMatchObject({
      kind: "helper_failed",
    });
  });
});

describe("template library and versions", () => {
  it("lists the shipped templates in both languages", async () => {
    const env = await setup();
    const t = await tenant(env);
    const res = await t.client.get("/v1/templates/defaults");
    expect(res.status).toBe(200);
    const keys = new Map<string, string[]>();
    for (const d of res.body.data) keys.set(d.key, [...(keys.get(d.key) ?? []), d.locale]);
    expect(keys.size).toBe(22);
    for (const locales of keys.values()) expect(locales.sort()).toEqual(["en", "zh-CN"]);
    const birthday = res.body.data.find((d: any) => d.key === "birthday_greeting" && d.locale === "zh-CN");
    expect(birthday).toMatchObject({ kind: "marketing", title: "生日祝福", variables: { name: "张伟" } });
    expect(birthday.source).toContain("生日快乐");
    // Every shipped template has a title a person reads, in its own language.
    for (const d of res.body.data)
      expect(d.title, `${d.key}.${d.locale}`).toMatch(d.locale === "zh-CN" ? /\p{Script=Han}/u : /^[A-Z][\w ',-]+$/);
  });

  it("versions edits, copies shipped templates, archives, and rejects bad sources", async () => {
    const env = await setup();
    const t = await tenant(env);
    const created = await t.client.post("/v1/templates", {
      key: "class_moved",
      locale: "en",
      kind: "notification",
      source: "Hi {{firstName}}, {{class}} moved to {{time}}.",
      variables: { class: "Yoga", time: "7pm" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: 1, key: "class_moved", title: "", copied_from: null });
    const id = created.body.id;

    const same = await t.client.patch(`/v1/templates/${id}`, {
      source: created.body.source,
      description: "moves",
      title: "  Class moved ",
    });
    expect(same.body).toMatchObject({ version: 1, description: "moves", title: "Class moved" });
    const long = await t.client.patch(`/v1/templates/${id}`, { title: "x".repeat(101) });
    expect(long.status).toBe(422);
    expect(long.body.error.details[0].path).toBe("body.title");
    const edited = await t.client.patch(`/v1/templates/${id}`, {
      source: "{{firstName}}: {{class}} is now at {{time}}.",
    });
    expect(edited.body.version).toBe(2);
    const versions = await t.client.get(`/v1/templates/${id}/versions`);
    expect(versions.body.data.map((v: any) => [v.version, v.current])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect((await t.client.get(`/v1/templates/${id}/versions/1`)).body.source).toBe(created.body.source);
    expect((await t.client.get(`/v1/templates/${id}/versions/3`)).status).toBe(404);

    const bad = await t.client.patch(`/v1/templates/${id}`, { source: "Hi {{#if x}}" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("template_invalid");
    expect(bad.body.error.details[0]).toMatchObject({ kind: "syntax", line: 1 });
    expect((await t.client.get(`/v1/templates/${id}`)).body.version).toBe(2);

    const dup = await t.client.post("/v1/templates", {
      key: "class_moved",
      locale: "en",
      kind: "notification",
      source: "x",
    });
    expect(dup.status).toBe(409);
    const unknownField = await t.client.post("/v1/templates", {
      key: "x_y",
      locale: "en",
      kind: "notification",
      source: "x",
      extra: 1,
    });
    expect(unknownField.status).toBe(422);

    const copy = await t.client.post("/v1/templates", {
      key: "birthday_greeting",
      locale: "zh-CN",
      copy_of: { key: "birthday_greeting" },
    });
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({ kind: "marketing", version: 1, title: "生日祝福" });
    expect(copy.body.copied_from).toMatch(/^birthday_greeting\.zh-CN@default-[0-9a-f]{8}$/);
    const noSuch = await t.client.post("/v1/templates", { key: "nope_x", locale: "en", copy_of: { key: "nope_x" } });
    expect(noSuch.status).toBe(422);

    expect((await t.client.delete(`/v1/templates/${id}`)).status).toBe(204);
    expect((await t.client.get(`/v1/templates/${id}`)).status).toBe(404);
    const again = await t.client.post("/v1/templates", {
      key: "class_moved",
      locale: "en",
      kind: "notification",
      source: "New",
    });
    expect(again.status).toBe(201);
    expect((await t.client.get("/v1/templates?key=class_moved")).body.data.map((x: any) => x.source)).toEqual(["New"]);
  });

  it("keeps each workspace's templates its own", async () => {
    const env = await setup();
    const a = await tenant(env);
    const b = await tenant(env);
    const tpl = await a.client.post("/v1/templates", {
      key: "secret_offer",
      locale: "en",
      kind: "marketing",
      source: "A only",
    });
    expect((await b.client.get(`/v1/templates/${tpl.body.id}`)).status).toBe(404);
    expect((await b.client.patch(`/v1/templates/${tpl.body.id}`, { source: "hijack" })).status).toBe(404);
    expect((await b.client.post("/v1/templates/preview", { template_id: tpl.body.id })).status).toBe(404);
    // Another workspace's key is answered as a key that does not exist (as POST /v1/messages does).
    const foreignKey = await b.client.post("/v1/templates/preview", { key: "secret_offer" });
    expect(foreignKey.status).toBe(422);
    expect(foreignKey.body.error.details[0].message).toContain("no template 'secret_offer'");
    expect((await b.client.get("/v1/templates")).body.data).toEqual([]);
  });
});

describe("preview", () => {
  it("shows an English member exactly what they get: GSM-7, signature and opt-out hint on marketing", async () => {
    const env = await setup();
    const t = await tenant(env, { brand_signature: "[Demo Gym]", locale: "en", time_zone: "America/New_York" });
    const id = await customer(t.client, { name: "Emma Li", phone: "+12025550143", locale: "en" });
    const res = await t.client.post("/v1/templates/preview", {
      key: "birthday_greeting",
      customer_id: id,
      variables: { offer: "a free smoothie" },
    });
    expect(res.status).toBe(200);
    expect(res.body.text).toBe(
      "[Demo Gym] Happy birthday, Emma! To celebrate, a free smoothie is on us this week at Demo Gym. Just show this text at the front desk. Reply STOP to opt out.",
    );
    expect(res.body).toMatchObject({
      kind: "marketing",
      locale: "en",
      template: { origin: "default", key: "birthday_greeting" },
      encoding: "GSM-7",
      segments: 1,
      signature_added: true,
      opt_out_hint_added: true,
      ucs2_culprits: [],
      cost: { currency: "CNY", basis: "pay_per_segment", price_per_segment: 0.1, per_message: 0.1 },
    });
    expect(res.body.template.version).toMatch(/^birthday_greeting\.en@default-/);
    // A notification gets neither signature nor hint.
    const note = await t.client.post("/v1/templates/preview", {
      key: "card_activation_confirmation",
      customer_id: id,
      variables: { card: { last4: "1234" }, servicePhone: "800-555-0100" },
    });
    expect(note.body.text).toBe(
      "Done, Emma: your card ending 1234 is active and ready to use. If this wasn't you, call us now on 800-555-0100.",
    );
    expect(note.body).toMatchObject({ signature_added: false, opt_out_hint_added: false, encoding: "GSM-7" });
  });

  it("counts a Chinese marketing text with its 【signature】 and 拒收请回复R, by either rule", async () => {
    const env = await setup();
    const t = await tenant(env, { brand_signature: "【悦动健身】" });
    const id = await customer(t.client, { name: "张伟", phone: "13800138000", locale: "zh-CN" });
    const body = { key: "win_back", customer_id: id, variables: { daysAway: 45, offer: "下一节团课免费" } };
    const res = await t.client.post("/v1/templates/preview", body);
    expect(res.body.text).toBe(
      "【悦动健身】张伟您好，您已经45天没来悦动健身了，我们很想念您！本周回来，下一节团课免费。拒收请回复R",
    );
    expect(res.body).toMatchObject({ encoding: "UCS-2", characters: 51, units: 51, segments: 1, counting: "standard" });
    // Chinese needs UCS-2 whatever is changed: no culprit named, the full-width comma included.
    expect(res.body.ucs2_culprits).toEqual([]);
    const carrier = await t.client.post("/v1/templates/preview", { ...body, counting: "cn_carrier" });
    expect(carrier.body).toMatchObject({ segments: 1, units: 51, counting: "cn_carrier" });
    // 120 characters: two parts under both rules.
    const long = await t.client.post("/v1/templates/preview", {
      source: `{{name}}${"优".repeat(100)}`,
      kind: "marketing",
      customer_id: id,
      counting: "cn_carrier",
    });
    // Between two Chinese characters no space, as Chinese is written (and as before).
    expect(long.body.text.endsWith("优拒收请回复R")).toBe(true);
    expect(long.body).toMatchObject({ characters: 114, segments: 2, per_segment: 67 });
  });

  it("previews without a customer: a made-up member and the template's sample values", async () => {
    const env = await setup();
    const t = await tenant(env, { brand_signature: "" });
    // Every shipped template, in each of its languages, previews as it stands.
    const shipped = (await t.client.get("/v1/templates/defaults")).body.data;
    for (const d of shipped) {
      const res = await t.client.post("/v1/templates/preview", { key: d.key, locale: d.locale });
      expect(res.status, `${d.key}.${d.locale}: ${JSON.stringify(res.body.error)}`).toBe(200);
      expect(res.body.sample).toBe(true);
    }
    // The template's own samples, under the workspace's brand.
    const zh = await t.client.post("/v1/templates/preview", { key: "birthday_greeting", locale: "zh-CN" });
    expect(zh.body.text).toBe(
      "亲爱的张伟，祝您生日快乐！Test Gym为您准备了生日礼物：鲜榨果汁一杯，本周内到店出示此短信即可领取。拒收请回复R",
    );
    // A template without samples of its own: the made-up member.
    const inlineZh = await t.client.post("/v1/templates/preview", {
      source: "{{name}}您好",
      kind: "notification",
      locale: "zh-CN",
    });
    expect(inlineZh.body.text).toBe("王芳您好");
    // Values given in the request are laid over the samples: a campaign's {{offer}}, say.
    const offer = await t.client.post("/v1/templates/preview", {
      key: "member_promotion",
      locale: "en",
      variables: { offer: "a free towel" },
    });
    expect(offer.body.text).toMatch(/^Emma, a member offer from .*: a free towel until/);
    // A workspace's own template brings its own samples; an inline text only what is given.
    await t.client.post("/v1/templates", {
      key: "class_moved",
      locale: "en",
      kind: "notification",
      source: "{{firstName}}, {{class}} moved to {{time}}.",
      variables: { class: "Yoga", time: "7pm" },
    });
    const own = await t.client.post("/v1/templates/preview", { key: "class_moved", locale: "en" });
    expect(own.body.text).toBe("Emma, Yoga moved to 7pm.");
    const inline = await t.client.post("/v1/templates/preview", {
      source: "{{firstName}}, {{class}} moved.",
      kind: "notification",
      locale: "en",
    });
    expect(inline.status).toBe(422);
    expect(inline.body.error.details[0]).toMatchObject({ kind: "missing_variable", variable: "class" });
    // A key that does not exist is refused as everywhere else a key is taken.
    const none = await t.client.post("/v1/templates/preview", { key: "no_such_key", locale: "en" });
    expect(none.status).toBe(422);
    expect(none.body.error.details[0].path).toBe("key");
    // With a customer, their profile: no sample.
    const id = await customer(t.client, { name: "Li Lei", phone: "13800138009", locale: "en" });
    const real = await t.client.post("/v1/templates/preview", {
      key: "class_moved",
      customer_id: id,
      variables: { class: "Spin", time: "8pm" },
    });
    expect(real.body).toMatchObject({ text: "Li, Spin moved to 8pm.", sample: false });
  });

  it("keeps the opt-out hint apart from the text, as a reader expects in each language", async () => {
    const env = await setup();
    const t = await tenant(env, { brand_signature: "" });
    const text = async (source: string, locale: string) =>
      (await t.client.post("/v1/templates/preview", { source, kind: "marketing", locale })).body.text;
    expect(await text("See you at the desk 💪", "en")).toBe("See you at the desk 💪 Reply STOP to opt out.");
    expect(await text("See you at the desk.", "en")).toBe("See you at the desk. Reply STOP to opt out.");
    expect(await text("快来健身吧💪", "zh-CN")).toBe("快来健身吧💪 拒收请回复R");
    expect(await text("快来健身吧", "zh-CN")).toBe("快来健身吧拒收请回复R");
    // After full-width punctuation Chinese goes on without a space.
    expect(await text("快来健身吧！", "zh-CN")).toBe("快来健身吧！拒收请回复R");
  });

  it("signs an English text in a form that keeps it GSM-7, or as the workspace sets per language", async () => {
    const env = await setup();
    const t = await tenant(env, { brand_signature: "【Demo Gym】", locale: "en" });
    const id = await customer(t.client, { name: "Emma Li", phone: "+12025550143", locale: "en" });
    const body = { key: "birthday_greeting", customer_id: id, variables: { offer: "a free smoothie" } };
    // 【】 would make it UCS-2 and twice the segments: English texts get [Demo Gym].
    const res = await t.client.post("/v1/templates/preview", body);
    expect(res.body).toMatchObject({ encoding: "GSM-7", segments: 1, signature: "[Demo Gym]" });
    expect(res.body.text.startsWith("[Demo Gym] Happy birthday, Emma!")).toBe(true);
    // Chinese carriers count 【】 like any character and want it: kept.
    const carrier = await t.client.post("/v1/templates/preview", { ...body, counting: "cn_carrier" });
    expect(carrier.body.signature).toBe("【Demo Gym】");
    // A signature set for the language wins; "" means none.
    await t.client.patch("/v1/tenant", { compose: { signatures: { en: "- Demo Gym", "zh-CN": "" } } });
    const own = await t.client.post("/v1/templates/preview", body);
    expect(own.body).toMatchObject({ signature: "- Demo Gym", encoding: "GSM-7" });
    const zh = await customer(t.client, { name: "张伟", phone: "13800138001", locale: "zh-CN" });
    const none = await t.client.post("/v1/templates/preview", { ...body, customer_id: zh });
    expect(none.body).toMatchObject({ signature: null, signature_added: false });
    // A Chinese brand name has no GSM-7 form: the preview says what it costs and what to do.
    await t.client.patch("/v1/tenant", { brand_signature: "【悦动健身】", compose: { signatures: {} } });
    const source = "Happy birthday, {{firstName}}! A free smoothie is on us this week.";
    const cjk = await t.client.post("/v1/templates/preview", { source, kind: "marketing", customer_id: id });
    expect(cjk.body).toMatchObject({ signature: "【悦动健身】", encoding: "UCS-2", segments: 2 });
    expect(cjk.body.warnings).toContainEqual({
      code: "signature_forces_ucs2",
      message:
        "The signature 【悦动健身】 makes this text UCS-2: 2 segment(s) instead of 1. Set a signature for this language in compose.signatures",
    });
  });

  it("explains emoji, look-alikes, long texts and links, and fixes look-alikes when asked", async () => {
    const env = await setup();
    const t = await tenant(env, { brand_signature: "", locale: "en" });
    const emoji = await t.client.post("/v1/templates/preview", {
      source: "Happy birthday 🎂 {{n}}",
      kind: "notification",
      variables: { n: "Emma" },
    });
    expect(emoji.body).toMatchObject({ encoding: "UCS-2", characters: 21, units: 22, segments: 1 });
    expect(emoji.body.ucs2_culprits).toEqual([{ char: "🎂", code_point: "U+1F382", count: 1, first_index: 15 }]);
    // Beside a letter GSM-7 lacks, changing the others cannot help: nothing is named.
    for (const source of ["It’s 你好 🎂", "Привет, Emma！"]) {
      const mixed = await t.client.post("/v1/templates/preview", { source, kind: "notification" });
      expect(mixed.body).toMatchObject({ encoding: "UCS-2", ucs2_culprits: [] });
      expect(mixed.body.warnings.map((w: any) => w.code)).not.toContain("lookalikes_force_ucs2");
    }
    // A Latin letter GSM-7 lacks is named: without its accent, the text would fit.
    const accents = await t.client.post("/v1/templates/preview", {
      source: "Olá João, it’s here",
      kind: "notification",
    });
    expect(accents.body.ucs2_culprits.map((c: { char: string }) => c.char)).toEqual(["á", "ã", "’"]);

    const curly = { source: `It’s ${"x".repeat(100)}`, kind: "notification" };
    const before = await t.client.post("/v1/templates/preview", curly);
    expect(before.body).toMatchObject({ encoding: "UCS-2", segments: 2 });
    expect(before.body.warnings.map((w: any) => w.code)).toContain("lookalikes_force_ucs2");
    expect((await t.client.patch("/v1/tenant", { compose: { smart_encoding: true } })).status).toBe(200);
    const after = await t.client.post("/v1/templates/preview", curly);
    expect(after.body).toMatchObject({
      encoding: "GSM-7",
      segments: 1,
      smart_replaced: [{ from: "’", to: "'", count: 1 }],
    });
    expect(after.body.text.startsWith("It's")).toBe(true);

    const link = await t.client.post("/v1/templates/preview", {
      source: `${"a".repeat(150)} https://demogym.example/offers/2026/winter`,
      kind: "notification",
    });
    expect(link.body.segments).toBe(2);
    expect(link.body.warnings.map((w: any) => w.code)).toContain("link_adds_segment");
    const long = await t.client.post("/v1/templates/preview", { source: "z".repeat(700), kind: "notification" });
    expect(long.body).toMatchObject({ segments: 5, cost: { per_message: 0.5 } });
    expect(long.body.warnings.map((w: any) => w.code)).toContain("long_message");
    const unused = await t.client.post("/v1/templates/preview", {
      source: "Hi {{a}}",
      kind: "notification",
      variables: { a: 1, b: 2 },
    });
    expect(unused.body.warnings).toContainEqual({ code: "unused_variable", message: "Not used by the template: b" });
  });

  it("falls back customer locale → workspace locale → en, the workspace's own text first", async () => {
    const env = await setup();
    const t = await tenant(env, { locale: "zh-CN" });
    const fr = await customer(t.client, { name: "Amélie", phone: "13800138001", locale: "fr" });
    const res = await t.client.post("/v1/templates/preview", { key: "opt_in_confirmation", customer_id: fr });
    expect(res.body.locale).toBe("zh-CN");
    await t.client.post("/v1/templates", {
      key: "opt_in_confirmation",
      locale: "fr",
      kind: "notification",
      source: "Re-bienvenue, {{firstName}} !",
    });
    const own = await t.client.post("/v1/templates/preview", { key: "opt_in_confirmation", customer_id: fr });
    expect(own.body).toMatchObject({ locale: "fr", text: "Re-bienvenue, Amélie !", template: { origin: "tenant" } });
    // Only English exists for this key in the workspace: the chain ends there.
    await t.client.post("/v1/templates", { key: "gym_only", locale: "en", kind: "notification", source: "EN" });
    expect((await t.client.post("/v1/templates/preview", { key: "gym_only", customer_id: fr })).body.text).toBe("EN");
  });

  it("answers 422 for a missing variable, a bad template and conflicting inputs, naming the problem", async () => {
    const env = await setup();
    const t = await tenant(env);
    const id = await customer(t.client, { name: "Emma Li", phone: "13800138002", locale: "en" });
    const missing = await t.client.post("/v1/templates/preview", { key: "card_activation_prompt", customer_id: id });
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({ code: "template_render_failed" });
    expect(missing.body.error.details[0]).toMatchObject({ kind: "missing_variable", variable: "card.last4", line: 1 });
    const unknown = await t.client.post("/v1/templates/preview", { source: "{{shout x}}", kind: "notification" });
    expect(unknown.body.error.details[0]).toMatchObject({ kind: "unknown_helper", helper: "shout" });
    const both = await t.client.post("/v1/templates/preview", { source: "x", key: "win_back" });
    expect(both.status).toBe(422);
    expect((await t.client.post("/v1/templates/preview", { source: "x" })).body.error.message).toContain("kind");
    const huge = await t.client.post("/v1/templates/preview", {
      source: "{{#each xs}}{{this}}{{/each}}",
      kind: "notification",
      variables: { xs: Array.from({ length: 100 }, () => "x".repeat(30)) },
    });
    expect(huge.body.error.details[0]).toMatchObject({ kind: "too_long" });
  });

  it("prices a package plan at its overage price and totals a whole audience", async () => {
    const env = await setup();
    const t = await tenant(env, {
      locale: "en",
      brand_signature: "",
      plan: {
        type: "package",
        currency: "CNY",
        monthly_fee: 49,
        allowance_segments: 600,
        overage_price_per_segment: 0.1,
      },
    });
    await t.client.put("/v1/attributes/points", { type: "number" });
    const ids = [
      await customer(t.client, { name: "Ann", phone: "13800138010", locale: "en", attributes: { points: 10 } }),
      await customer(t.client, { name: "Bo", phone: "13800138011", locale: "en", attributes: { points: 20 } }),
      await customer(t.client, { name: "张伟", phone: "13800138012", locale: "zh-CN" }),
    ];
    const g = await t.client.post("/v1/groups", { name: "Everyone" });
    await t.client.post(`/v1/groups/${g.body.id}/members`, { customer_ids: ids });
    const res = await t.client.post("/v1/templates/preview", {
      source: "{{firstName}}, you have {{attributes.points}} points. {{#if attributes.points}}Use them!{{/if}}",
      kind: "notification",
      customer_id: ids[0],
      audience: { group: g.body.code },
    });
    expect(res.status).toBe(200);
    expect(res.body.cost).toEqual({
      currency: "CNY",
      basis: "package_overage",
      price_per_segment: 0.1,
      per_message: 0.1,
    });
    expect(res.body.audience).toMatchObject({
      customers: 3,
      rendered: 2,
      failed: 1,
      segments: 2,
      cost: 0.2,
      by_segments: { "1": 2 },
    });
    expect(res.body.audience.failures).toEqual([
      { reason: "Missing variable 'attributes.points'", count: 1, example_customer_id: ids[2] },
    ]);
  });
});

describe("the template budget over HTTP", () => {
  it("refuses a preview whose loops print nothing but never end, with a read key, at once", async () => {
    const env = await setup();
    const t = await tenant(env);
    const read = await t.client.post("/v1/api-keys", { name: "reader", scope: "read" });
    const reader = client(env, read.body.key);
    const res = await reader.post("/v1/templates/preview", {
      source: "{{#each a}}{{#each @root.a}}{{/each}}{{/each}}",
      kind: "notification",
      variables: { a: Array.from({ length: 16_000 }, () => 0) },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("template_render_failed");
    expect(res.body.error.details[0]).toMatchObject({ path: "template", kind: "too_much_work" });
  });
});

describe("lint", () => {
  it("lists errors with line and column, variables a send must bring, and a sample", async () => {
    const env = await setup();
    const t = await tenant(env, { brand_signature: "" });
    const bad = await t.client.post("/v1/templates/lint", { source: "Hi {{name}}\n{{#each}}" });
    expect(bad.status).toBe(200);
    expect(bad.body.valid).toBe(false);
    expect(bad.body.errors[0]).toMatchObject({ kind: "syntax", line: 2 });
    const ok = await t.client.post("/v1/templates/lint", {
      source: "Hi {{firstName}}, card {{card.last4}} {{formatDate expiry}}",
      variables: { firstName: "Emma", "card.last4": "1234", expiry: "2026-12-01" },
      locale: "en",
    });
    expect(ok.body).toMatchObject({
      valid: true,
      variables: ["card.last4", "expiry", "firstName"],
      helpers: ["formatDate"],
      sample: { text: "Hi Emma, card 1234 December 1, 2026", encoding: "GSM-7", segments: 1 },
    });
    const noSamples = await t.client.post("/v1/templates/lint", { source: "Hi {{firstName}}, card {{card.last4}}" });
    expect(noSamples.body.warnings).toEqual([
      { code: "unknown_variable", message: "Not on a customer profile, so every send must provide: card.last4" },
    ]);
  });
});
