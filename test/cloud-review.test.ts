// What Aliyun and Tencent approved, as Tidings reads and uses it: the signature's review, each
// template's approved text (the preview, the lint, the sent message's record and the forecast go
// by it), the check that runs by itself, and the per-number caps that keep a message waiting
// instead of refused. Against the loopback fakes, which check every signature.
import { afterAll, describe, expect, it } from "vitest";
import { lintBinding, lintValues } from "../src/channels/provider-text";
import { runApprovals } from "../src/jobs/approvals";
import { runDispatch } from "../src/jobs/dispatch";
import { codesIn, csrfOf, form, noticeOf, page, signIn } from "./console-helpers";
import { type CloudFakeOptions, CloudSmsFake } from "./fakes/cloud-sms";
import { setup, tenant } from "./helpers";

const KEY_ID = "LTAI5tGymFrontDesk01";
const SECRET = "cloud-provider-secret-0123456789";
const fakes: CloudSmsFake[] = [];
afterAll(() => Promise.all(fakes.map((f) => f.close())));

const PROVIDERS = [
  {
    kind: "aliyun" as const,
    config: (endpoint: string) => ({ access_key_id: KEY_ID, sign_name: "北门健身", endpoint }),
    credentials: { access_key_secret: SECRET },
    template: "SMS_465001",
    other: "SMS_465002",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Aliyun's placeholders are written ${name}
    text: "亲爱的${name}，生日快乐！凭短信到店可领${offer}。拒收请回复R",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: as above
    bare: "${name}您好，本周私教课${offer}，欢迎到店。",
    limit: 35,
  },
  {
    kind: "tencent" as const,
    config: (endpoint: string) => ({
      secret_id: KEY_ID,
      sdk_app_id: "1400787878",
      sign_name: "北门健身",
      sign_id: "8801",
      // An account verified as a person: 12 characters a value.
      value_limit: 12,
      endpoint,
    }),
    credentials: { secret_key: SECRET },
    template: "1110001",
    other: "1110002",
    text: "亲爱的{1}，生日快乐！凭短信到店可领{2}。拒收请回复R",
    bare: "{1}您好，本周私教课{2}，欢迎到店。",
    limit: 12,
  },
];

type Provider = (typeof PROVIDERS)[number];

async function cloudWorkspace(p: Provider, options: Partial<CloudFakeOptions> = {}, channel: object = {}) {
  const env = setup();
  const fake = await new CloudSmsFake({
    kind: p.kind,
    keyId: KEY_ID,
    secret: SECRET,
    approved: [p.template, p.other],
    texts: { [p.template]: p.text, [p.other]: p.bare },
    signs: [{ name: "北门健身", id: 8801, state: "approved" }],
    ...options,
  }).start();
  fakes.push(fake);
  const t = await tenant(env, { locale: "zh-CN", time_zone: "Asia/Shanghai" });
  const ch = await t.client.post("/v1/channels", {
    name: "短信",
    provider: p.kind,
    config: p.config(fake.url),
    credentials: p.credentials,
    default: true,
    ...channel,
  });
  expect(ch.status).toBe(201);
  const member = await t.client.post("/v1/customers", {
    name: "王芳",
    phone: "13800138000",
    consent: { state: "subscribed", evidence: "入会表格" },
  });
  const bind = (key: string, locale: string, code: string, params: [string, string][]) =>
    t.client.put(`/v1/channels/${ch.body.id}/templates/${key}/${locale}`, {
      provider_template: code,
      params: params.map(([name, value]) => ({ name, value })),
    });
  const check = () => t.client.post(`/v1/channels/${ch.body.id}/templates/check`, {});
  return { env, fake, t, ch: ch.body, member: member.body, bind, check };
}

// Aliyun names its parameters; Tencent takes them by position (the names are the binding's own).
const birthdayParams = (p: Provider): [string, string][] =>
  p.kind === "aliyun"
    ? [
        ["name", "{{name}}"],
        ["offer", "{{offer}}"],
      ]
    : [
        ["1", "{{name}}"],
        ["2", "{{offer}}"],
      ];

describe.each(PROVIDERS)("$kind: what the provider approved", (p) => {
  it("reads the signature's review and each template's text; the preview shows what arrives, and the sent message is it", async () => {
    const w = await cloudWorkspace(p);
    // Counted as Chinese carriers count, with the provider's per-number figure kept by default.
    expect(w.ch).toMatchObject({
      counting: "cn_carrier",
      number_caps: null,
      effective_number_caps: { per_day: p.kind === "aliyun" ? 50 : 10 },
      signature: { status: "unknown", checked_at: null },
    });
    const bound = await w.bind("birthday_greeting", "zh-CN", p.template, birthdayParams(p));
    expect(bound.body).toMatchObject({ provider_text: null, lint: [{ code: "provider_text_unknown" }] });

    const checked = await w.check();
    expect(checked.status).toBe(200);
    expect(checked.body.data[0]).toMatchObject({ provider_text: p.text, lint: [] });
    const ch = (await w.t.client.get(`/v1/channels/${w.ch.id}`)).body;
    expect(ch.signature).toMatchObject({ status: "approved", detail: null });
    expect(ch.signature.checked_at).toBe("2026-11-23T04:00:00.000Z");

    const arrives = "【北门健身】亲爱的王芳，生日快乐！凭短信到店可领鲜榨果汁一杯。拒收请回复R";
    const preview = await w.t.client.post("/v1/templates/preview", {
      key: "birthday_greeting",
      customer_id: w.member.id,
      channel_id: w.ch.id,
      variables: { offer: "鲜榨果汁一杯" },
    });
    expect(preview.status).toBe(200);
    expect(preview.body.provider).toMatchObject({
      bound: true,
      provider_template: p.template,
      approval: { status: "approved" },
      text: arrives,
      characters: [...arrives].length,
      segments: 1,
      counting: "cn_carrier",
      lint: [],
    });
    expect(preview.body.provider.params).toEqual([
      { name: birthdayParams(p)[0]?.[0], value: "王芳", characters: 2, limit: p.limit },
      { name: birthdayParams(p)[1]?.[0], value: "鲜榨果汁一杯", characters: 6, limit: p.limit },
    ]);

    // A value past the provider's limit, and a link passed as a value, are said before sending.
    const long = "会员专享：私教课体验一节加鲜榨果汁一杯再加毛巾一条和储物柜一个月免费使用";
    const linted = await w.t.client.post("/v1/templates/preview", {
      key: "birthday_greeting",
      customer_id: w.member.id,
      channel_id: w.ch.id,
      variables: { offer: long },
    });
    expect(linted.body.provider.lint).toEqual([
      expect.objectContaining({
        code: "value_too_long",
        param: birthdayParams(p)[1]?.[0],
        characters: [...long].length,
        limit: p.limit,
      }),
    ]);
    const link = await w.t.client.post("/v1/templates/preview", {
      key: "birthday_greeting",
      customer_id: w.member.id,
      channel_id: w.ch.id,
      variables: { offer: "gym.example.com/b" },
    });
    expect(link.body.provider.lint.map((l: { code: string }) => l.code)).toContain("value_link");

    // Sent, the message records the provider's text, counted and priced as it.
    const sent = await w.t.client.post("/v1/messages", {
      customer_id: w.member.id,
      template: "birthday_greeting",
      variables: { offer: "鲜榨果汁一杯" },
    });
    await runDispatch(w.env.deps);
    const msg = (await w.t.client.get(`/v1/messages/${sent.body.id}`)).body;
    expect(msg).toMatchObject({ status: "sent", text: arrives, segments: 1 });
  });

  it("lints a binding against the provider's text: values missing or unused, a promotion with no way to refuse", async () => {
    const w = await cloudWorkspace(p, {
      // Aliyun says which templates are promotions; Tencent does not, and the workspace's template does.
      types: { [p.other]: 1 },
    });
    const params: [string, string][] =
      p.kind === "aliyun"
        ? [
            ["name", "{{name}}"],
            ["gift", "{{offer}}"],
          ]
        : [
            ["1", "{{name}}"],
            ["2", "{{offer}}"],
            ["3", "{{link}}"],
          ];
    await w.bind("member_promotion", "zh-CN", p.other, params);
    const list = (await w.check()).body.data;
    const codes = list[0].lint.map((l: { code: string; param?: string }) => `${l.code}:${l.param ?? ""}`);
    expect(codes).toEqual(
      p.kind === "aliyun"
        ? ["param_missing:offer", "param_unused:gift", "unsubscribe_hint_missing:"]
        : ["param_unused:3", "unsubscribe_hint_missing:"],
    );
    expect(list[0].provider_kind).toBe(p.kind === "aliyun" ? "marketing" : null);
  });

  it("forecasts what the provider will not be asked to send, and why", async () => {
    const w = await cloudWorkspace(p, { reviews: { [p.other]: { state: "rejected", reason: "营销内容" } } });
    for (const [i, locale] of ["zh-CN", "zh-CN", "en", "en"].entries())
      await w.t.client.post("/v1/customers", {
        name: `会员${i}`,
        phone: `1390013900${i}`,
        locale,
        consent: { state: "subscribed", evidence: "入会表格" },
      });
    await w.bind("birthday_greeting", "zh-CN", p.template, birthdayParams(p));
    await w.check();
    const campaign = await w.t.client.post("/v1/campaigns", {
      name: "生日",
      kind: "broadcast",
      template: "birthday_greeting",
      audience: { all: true },
      variables: { offer: "鲜榨果汁一杯" },
    });
    const forecast = async () =>
      (await w.t.client.get(`/v1/campaigns/${campaign.body.id}/forecast?days=1`)).body.occurrences[0];
    const unbound = await forecast();
    // Three in Chinese (the member and two more) go as the provider's one-part text; two in English have no binding.
    expect(unbound).toMatchObject({ audience: 5, sending: 3, excluded: { no_template_binding: 2 }, segments: 3 });
    await w.bind("birthday_greeting", "en", p.other, birthdayParams(p));
    await w.check();
    expect(await forecast()).toMatchObject({ sending: 3, excluded: { template_not_approved: 2 } });
  });

  it("keeps a number under the channel's cap: past it a message waits, and the provider never refuses it", async () => {
    const w = await cloudWorkspace(p, { perNumberDaily: 2 }, { number_caps: { per_day: 2 } });
    expect(w.ch.effective_number_caps).toEqual({ per_day: 2 });
    await w.bind("birthday_greeting", "zh-CN", p.template, birthdayParams(p));
    await w.check();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await w.t.client.post("/v1/messages", {
        customer_id: w.member.id,
        template: "birthday_greeting",
        variables: { offer: `礼品${i}` },
      });
      ids.push(m.body.id);
      await runDispatch(w.env.deps);
      w.env.clock.advance(60_000);
    }
    const msgs = await Promise.all(ids.map(async (id) => (await w.t.client.get(`/v1/messages/${id}`)).body));
    expect(msgs.map((m) => m.status)).toEqual(["sent", "sent", "queued"]);
    expect(msgs[2]).toMatchObject({ reason: "number_capped" });
    // Room comes 24 hours after the first of the two.
    expect(msgs[2].next_attempt_at).toBe(new Date(Date.parse(msgs[0].sent_at) + 86_400_000).toISOString());
    expect(w.fake.refused).toEqual([]);
    expect(w.fake.sends).toHaveLength(2);

    // {} keeps no caps: the provider's own limit is met, and its refusal defers the message.
    const open = await w.t.client.patch(`/v1/channels/${w.ch.id}`, { number_caps: {} });
    expect(open.body.effective_number_caps).toBeNull();
    await runDispatch(w.env.deps);
    w.env.clock.advance(86_400_000);
    await runDispatch(w.env.deps);
    expect(w.fake.refused).toEqual([
      p.kind === "aliyun" ? "isv.BUSINESS_LIMIT_CONTROL" : "LimitExceeded.PhoneNumberDailyLimit",
    ]);
    expect((await w.t.client.get(`/v1/messages/${ids[2]}`)).body).toMatchObject({ status: "queued" });
    // A cap that is not a whole number of messages is refused, naming the field.
    const bad = await w.t.client.patch(`/v1/channels/${w.ch.id}`, { number_caps: { per_hour: 0 } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe("body.number_caps.per_hour");
  });
});

describe("the provider's text, read closely", () => {
  it("takes any way of refusing more for the hint, and tells links from e-mail addresses", () => {
    const promo = (text: string) =>
      lintBinding("tencent", { providerText: text, providerKind: null, params: [] }, "marketing");
    for (const ok of ["本周八折，退订请回复T", "本周八折。回ＴＤ退订", "本周八折，拒收请回复R", "本周八折 如需退订回N"])
      expect(promo(ok)).toEqual([]);
    expect(promo("本周八折，欢迎到店")).toEqual([{ code: "unsubscribe_hint_missing" }]);
    const links = (value: string) =>
      lintValues(null, [{ name: "x", value }], value).filter((l) => l.code === "value_link").length;
    expect(["gym.example.com/b", "https://t.cn/abc", "www.gym.cn", "yuedong.top", "b.gym.vip/x"].map(links)).toEqual([
      1, 1, 1, 1, 1,
    ]);
    expect(["vip@gym.com", "王芳", "3.5折", "A.M. 10点"].map(links)).toEqual([0, 0, 0, 0]);
  });

  it("records the templates when the key may not read signatures, and leaves the signature unknown", async () => {
    const p = PROVIDERS[0] as Provider;
    const w = await cloudWorkspace(p, { signsForbidden: true });
    await w.bind("birthday_greeting", "zh-CN", p.template, birthdayParams(p));
    const checked = await w.check();
    expect(checked.status).toBe(200);
    expect(checked.body.data[0]).toMatchObject({ approval: { status: "approved" }, provider_text: p.text });
    expect((await w.t.client.get(`/v1/channels/${w.ch.id}`)).body.signature).toMatchObject({ status: "unknown" });
  });
});

describe("the approvals check that runs by itself", () => {
  it("asks about new and open reviews every quarter hour, settled ones twice a day", async () => {
    const p = PROVIDERS[0] as Provider;
    const w = await cloudWorkspace(p, {
      reviews: { [p.other]: { state: "pending" } },
      signs: [{ name: "北门健身", state: "pending" }],
    });
    await w.bind("birthday_greeting", "zh-CN", p.template, birthdayParams(p));
    await w.bind("birthday_greeting", "en", p.other, birthdayParams(p));

    const first = await runApprovals(w.env.deps);
    expect(first).toEqual([{ channel_id: w.ch.id, ok: true }]);
    const list = async () => (await w.t.client.get(`/v1/channels/${w.ch.id}/templates`)).body.data;
    expect((await list()).map((b: { approval: { status: string } }) => b.approval.status)).toEqual([
      "pending",
      "approved",
    ]);
    expect((await w.t.client.get(`/v1/channels/${w.ch.id}`)).body.signature.status).toBe("pending");
    // Asked a moment ago: not again.
    w.env.clock.advance(60_000);
    expect(await runApprovals(w.env.deps)).toEqual([]);
    // A quarter of an hour on, the open reviews are asked about again.
    w.env.clock.advance(15 * 60_000);
    expect(await runApprovals(w.env.deps)).toEqual([{ channel_id: w.ch.id, ok: true }]);
    expect(w.fake.refused).toEqual([]);
  });

  it("asks a provider that did not answer again only after a quarter hour", async () => {
    const p = PROVIDERS[0] as Provider;
    const w = await cloudWorkspace(p);
    await w.bind("birthday_greeting", "zh-CN", p.template, birthdayParams(p));
    await w.fake.close();
    const [failed] = await runApprovals(w.env.deps);
    expect(failed).toMatchObject({ channel_id: w.ch.id, ok: false });
    expect((await w.t.client.get(`/v1/channels/${w.ch.id}/templates`)).body.data[0].approval.status).toBe("unknown");
    w.env.clock.advance(60_000);
    expect(await runApprovals(w.env.deps)).toEqual([]);
    w.env.clock.advance(15 * 60_000);
    expect((await runApprovals(w.env.deps)).map((r) => r.channel_id)).toEqual([w.ch.id]);
  });

  it("leaves a settled channel alone for twelve hours, and says unknown of a Tencent signature with no id", async () => {
    const p = PROVIDERS[1] as Provider;
    const env = setup();
    const fake = await new CloudSmsFake({
      kind: "tencent",
      keyId: KEY_ID,
      secret: SECRET,
      approved: [p.template],
    }).start();
    fakes.push(fake);
    const t = await tenant(env, { locale: "zh-CN", time_zone: "Asia/Shanghai" });
    const { sign_id: _omit, ...config } = p.config(fake.url) as Record<string, unknown>;
    const ch = await t.client.post("/v1/channels", {
      name: "短信",
      provider: "tencent",
      config,
      credentials: p.credentials,
      default: true,
    });
    await t.client.put(`/v1/channels/${ch.body.id}/templates/birthday_greeting/zh-CN`, {
      provider_template: p.template,
      params: [{ name: "1", value: "{{name}}" }],
    });
    expect(await runApprovals(env.deps)).toEqual([{ channel_id: ch.body.id, ok: true }]);
    expect((await t.client.get(`/v1/channels/${ch.body.id}`)).body.signature).toMatchObject({
      status: "unknown",
      checked_at: "2026-11-23T04:00:00.000Z",
    });
    env.clock.advance(11 * 3_600_000);
    expect(await runApprovals(env.deps)).toEqual([]);
    env.clock.advance(2 * 3_600_000);
    expect(await runApprovals(env.deps)).toEqual([{ channel_id: ch.body.id, ok: true }]);
  });
});

describe("the console's cloud channel page", () => {
  it("shows the signature's review, what arrives and what is wrong, in 中文; saves the per-number caps", async () => {
    const p = PROVIDERS[0] as Provider;
    const w = await cloudWorkspace(p, { types: { [p.other]: 1 } });
    await w.bind("birthday_greeting", "zh-CN", p.template, birthdayParams(p));
    await w.bind("member_promotion", "zh-CN", p.other, [
      ["name", "{{name}}"],
      ["offer", "{{offer}}"],
    ]);
    await w.check();
    const cookie = `${await signIn(w.env, w.t.key)}; tidings_lang=zh-CN`;
    const path = `/console/settings/channels/${w.ch.id}/templates`;
    const html = await (await page(w.env, path, cookie, "zh-CN")).text();
    expect(html).toContain("【北门健身】");
    expect(html).toMatch(/<span class="badge good">已通过<\/span>/);
    // The birthday greeting as it arrives, with a made-up member's name and the template's sample gift.
    expect(html).toMatch(/<pre class="sms">【北门健身】亲爱的[^<]+，生日快乐！凭短信到店可领[^<]+。拒收请回复R<\/pre>/);
    expect(html).toContain("推广短信必须写明退订方式（拒收请回复R），否则服务商会拒绝。");
    expect(html).toContain("按服务商的规定（每 24 小时 50 条）");

    expect(codesIn(html)).toEqual([]);
    // The templates list says where each is approved.
    const templates = await (await page(w.env, "/console/templates", cookie, "zh-CN")).text();
    expect(templates).toContain('<span class="badge good">短信 · 中文 · 已通过</span>');
    const csrf = await csrfOf(w.env, cookie);
    const saved = await form(
      w.env,
      `${path}/caps`,
      { _csrf: csrf, per_minute: "", per_hour: "3", per_day: "20" },
      cookie,
    );
    expect(saved.status).toBe(303);
    expect(noticeOf(saved)).toBe("已保存。");
    expect((await w.t.client.get(`/v1/channels/${w.ch.id}`)).body.number_caps).toEqual({ per_hour: 3, per_day: 20 });
    await form(w.env, `${path}/caps`, { _csrf: csrf, per_minute: "", per_hour: "", per_day: "" }, cookie);
    expect((await w.t.client.get(`/v1/channels/${w.ch.id}`)).body.number_caps).toBeNull();
    // An account whose limits the provider raised keeps none here, and the page says what that means.
    await form(w.env, `${path}/caps`, { _csrf: csrf, per_day: "", none: "on" }, cookie);
    expect((await w.t.client.get(`/v1/channels/${w.ch.id}`)).body).toMatchObject({
      number_caps: {},
      effective_number_caps: null,
    });
    const after = await (await page(w.env, path, cookie, "zh-CN")).text();
    expect(after).toContain("此处不设上限：超过服务商上限的短信会被拒绝");
    expect(after).toMatch(/<input type="checkbox" name="none" checked="?"?\s*\/?>/);
  });
});
