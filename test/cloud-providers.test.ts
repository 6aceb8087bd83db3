// Aliyun and Tencent end to end through the app, against loopback fakes of their APIs that check
// every signature: a gym's birthday greeting and a bank's activation prompt, each bound to the
// provider's approved template, sent with only its parameters, its receipt and a 退订 reply
// taken on the channel's keyed webhooks; a message with no binding is refused before any call.
import { afterAll, describe, expect, it } from "vitest";
import { runDispatch } from "../src/jobs/dispatch";
import { codesIn, csrfOf, form, noticeOf, page, signIn } from "./console-helpers";
import { CloudSmsFake } from "./fakes/cloud-sms";
import { setup, tenant } from "./helpers";
import { settle } from "./two-way";

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
    receipt: (ref: string) => [
      { biz_id: ref.split("#")[0], out_id: "x", phone_number: "13800138000", success: true, err_code: "DELIVERED" },
    ],
    reply: (text: string) => [
      { phone_number: "13800138000", content: text, sequence_id: 42, dest_code: "", sign_name: "北门健身" },
    ],
  },
  {
    kind: "tencent" as const,
    config: (endpoint: string) => ({ secret_id: KEY_ID, sdk_app_id: "1400787878", sign_name: "北门健身", endpoint }),
    credentials: { secret_key: SECRET },
    template: "1110001",
    receipt: (ref: string) => [
      { sid: ref, report_status: "SUCCESS", errmsg: "DELIVRD", mobile: "13800138000", nationcode: "86" },
    ],
    reply: (text: string) => ({
      mobile: "13800138000",
      nationcode: "86",
      text,
      time: 1796620541,
      sign: "北门健身",
      extend: "",
    }),
  },
];

describe.each(PROVIDERS)("$kind end to end", (p) => {
  it("sends a bound template's parameters, takes its receipt, and a 退订 reply opts the customer out", async () => {
    const env = setup();
    const fake = await new CloudSmsFake({
      kind: p.kind,
      keyId: KEY_ID,
      secret: SECRET,
      approved: [p.template],
    }).start();
    fakes.push(fake);
    const t = await tenant(env, { locale: "zh-CN", time_zone: "Asia/Shanghai" });
    const ch = await t.client.post("/v1/channels", {
      name: "短信",
      provider: p.kind,
      config: p.config(fake.url),
      credentials: p.credentials,
      default: true,
    });
    expect(ch.status).toBe(201);
    // Neither provider signs its callbacks: the addresses carry the channel's key.
    expect(ch.body.webhooks.status).toMatch(new RegExp(`/webhooks/${p.kind}/${ch.body.id}/status\\?key=[0-9a-f]{40}$`));
    const member = await t.client.post("/v1/customers", {
      name: "王芳",
      phone: "13800138000",
      consent: { state: "subscribed", evidence: "入会表格" },
    });

    // Without a binding the message is refused before any call to the provider.
    const unbound = await t.client.post("/v1/messages", {
      customer_id: member.body.id,
      template: "birthday_greeting",
      variables: { offer: "鲜榨果汁一杯" },
    });
    await runDispatch(env.deps);
    expect((await t.client.get(`/v1/messages/${unbound.body.id}`)).body).toMatchObject({
      status: "skipped",
      reason: "no_template_binding",
    });
    expect(fake.sends).toEqual([]);

    const bound = await t.client.put(`/v1/channels/${ch.body.id}/templates/birthday_greeting/zh-CN`, {
      provider_template: p.template,
      params: [
        { name: "name", value: "{{name}}" },
        { name: "offer", value: "{{offer}}" },
      ],
    });
    expect(bound.status).toBe(200);
    expect((await t.client.get(`/v1/channels/${ch.body.id}/templates`)).body.data).toHaveLength(1);
    const sent = await t.client.post("/v1/messages", {
      customer_id: member.body.id,
      template: "birthday_greeting",
      variables: { offer: "鲜榨果汁一杯" },
    });
    await runDispatch(env.deps);
    const msg = (await t.client.get(`/v1/messages/${sent.body.id}`)).body;
    expect(msg.status).toBe("sent");
    expect(fake.sends).toHaveLength(1);
    const call = fake.sends[0];
    expect(call).toMatchObject({ sign: "北门健身", template: p.template, ref: sent.body.id });
    expect(call?.params).toEqual(
      p.kind === "aliyun" ? { name: "王芳", offer: "鲜榨果汁一杯" } : ["王芳", "鲜榨果汁一杯"],
    );
    expect(call?.phone).toBe(p.kind === "aliyun" ? "13800138000" : "+8613800138000");

    // The provider pushes the receipt to the keyed status address; a wrong key is refused.
    const post = (url: string, body: unknown) =>
      env.app.request(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const wrong = await post(ch.body.webhooks.status.replace(/key=\w+/, "key=00"), p.receipt(msg.provider_ref));
    expect(wrong.status).toBe(403);
    const receipt = await post(ch.body.webhooks.status, p.receipt(msg.provider_ref));
    expect(receipt.status).toBe(200);
    expect(await receipt.json()).toEqual(p.kind === "aliyun" ? { code: 0, msg: "成功" } : { result: 0, errmsg: "OK" });
    expect((await t.client.get(`/v1/messages/${sent.body.id}`)).body.status).toBe("delivered");

    // 退订 comes back as the provider's reply callback: the customer is opted out.
    const reply = await post(ch.body.webhooks.inbound, p.reply("退订"));
    expect(reply.status).toBe(200);
    await settle(env);
    expect((await t.client.get(`/v1/customers/${member.body.id}`)).body.consent.state).toBe("unsubscribed");
  });

  it("sends a bank's activation prompt with the card's last digits", async () => {
    const env = setup();
    const fake = await new CloudSmsFake({ kind: p.kind, keyId: KEY_ID, secret: SECRET }).start();
    fakes.push(fake);
    const t = await tenant(env, { locale: "zh-CN", time_zone: "Asia/Shanghai" });
    const ch = await t.client.post("/v1/channels", {
      name: "卡中心",
      provider: p.kind,
      config: p.config(fake.url),
      credentials: p.credentials,
      default: true,
    });
    await t.client.put(`/v1/channels/${ch.body.id}/templates/card_activation_prompt/zh-CN`, {
      provider_template: p.template,
      params: [
        { name: "name", value: "{{name}}" },
        { name: "last4", value: "{{card.last4}}" },
      ],
    });
    const holder = await t.client.post("/v1/customers", { name: "李娜", phone: "13900139000" });
    const m = await t.client.post("/v1/messages", {
      customer_id: holder.body.id,
      template: "card_activation_prompt",
      variables: { card: { last4: "8842" }, activationUrl: "bank.example/activate" },
    });
    expect(m.status).toBe(201);
    await runDispatch(env.deps);
    expect((await t.client.get(`/v1/messages/${m.body.id}`)).body.status).toBe("sent");
    expect(fake.sends[0]?.params).toEqual(p.kind === "aliyun" ? { name: "李娜", last4: "8842" } : ["李娜", "8842"]);
  });
});

describe("template bindings", () => {
  it("are refused on a channel that sends any text, for a template that does not exist, and with a broken value", async () => {
    const env = setup();
    const t = await tenant(env, { locale: "zh-CN" });
    const sim = await t.client.post("/v1/channels", { name: "Sim", provider: "simulator", config: {}, default: true });
    const onSim = await t.client.put(`/v1/channels/${sim.body.id}/templates/birthday_greeting/zh-CN`, {
      provider_template: "SMS_1",
      params: [],
    });
    expect(onSim.status).toBe(409);
    const ali = await t.client.post("/v1/channels", {
      name: "Ali",
      provider: "aliyun",
      config: { access_key_id: KEY_ID, sign_name: "北门健身" },
      credentials: { access_key_secret: SECRET },
    });
    const none = await t.client.put(`/v1/channels/${ali.body.id}/templates/no_such_template/zh-CN`, {
      provider_template: "SMS_1",
      params: [],
    });
    expect(none.status).toBe(404);
    const broken = await t.client.put(`/v1/channels/${ali.body.id}/templates/birthday_greeting/zh-CN`, {
      provider_template: "SMS_1",
      params: [{ name: "name", value: "{{#if name}}" }],
    });
    expect(broken.status).toBe(422);
    expect(broken.body.error.details[0].path).toBe("params.0.value");
    const badSign = await t.client.post("/v1/channels", {
      name: "Ali2",
      provider: "aliyun",
      config: { access_key_id: KEY_ID, sign_name: "【北门健身】" },
      credentials: { access_key_secret: SECRET },
    });
    expect(badSign.status).toBe(422);
    expect((await t.client.get(`/v1/channels/${ali.body.id}/templates`)).body.data).toEqual([]);
  });
});

describe("keyed webhooks", () => {
  it("show the key only to an admin, and answer hostile bodies 400, never 5xx", async () => {
    const env = setup();
    const t = await tenant(env, { locale: "zh-CN" });
    const ch = await t.client.post("/v1/channels", {
      name: "Ali",
      provider: "aliyun",
      config: { access_key_id: KEY_ID, sign_name: "北门健身" },
      credentials: { access_key_secret: SECRET },
      default: true,
    });
    const viewerKey = (await t.client.post("/v1/api-keys", { name: "v", scope: "read" })).body.key;
    const viewer = await env.app.request(`/v1/channels/${ch.body.id}`, {
      headers: { authorization: `Bearer ${viewerKey}` },
    });
    const seen = (await viewer.json()) as { webhooks: { status: string } };
    expect(seen.webhooks.status).toMatch(/\?key=…$/);
    expect(ch.body.webhooks.status).toMatch(/\?key=[0-9a-f]{40}$/);

    const post = (kind: string, body: string) =>
      env.app.request(ch.body.webhooks[kind], {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
    for (const body of [
      '[{"phone_number":"13800138000","sequence_id":{"toString":1}}]',
      '[{"phone_number":"13800138000","sequence_id":null}]',
      "null",
      "[1,2]",
      "{not json",
    ]) {
      expect((await post("inbound", body)).status, body).toBe(400);
    }
    expect((await post("status", '[{"biz_id":{"a":1},"success":true}]')).status).toBe(400);
    // A mainland reply comes as 11 digits; it is stored as the Chinese number it is.
    const ok = await post("inbound", '[{"phone_number":"13800138000","sequence_id":7,"content":"TD"}]');
    expect(ok.status).toBe(200);
    expect((await t.client.get("/v1/inbound")).body.data.map((r: { from: string }) => r.from)).toEqual([
      "+8613800138000",
    ]);
  });
});

describe("the console with a cloud channel", () => {
  it("names the provider in words and gives the keyed addresses to copy, in 中文", async () => {
    const env = setup();
    const t = await tenant(env, { locale: "zh-CN" });
    const ch = await t.client.post("/v1/channels", {
      name: "腾讯云",
      provider: "tencent",
      config: { secret_id: KEY_ID, sdk_app_id: "1400787878", sign_name: "北门健身" },
      credentials: { secret_key: SECRET },
      default: true,
    });
    const cookie = await signIn(env, t.key);
    const html = await (await page(env, "/console/settings", cookie, "zh-CN")).text();
    expect(html).toContain('<td data-label="服务商">腾讯云短信 · <a href=');
    expect(html).toContain(`/webhooks/tencent/${ch.body.id}/inbound?key=`);
    expect(html).not.toContain(SECRET);
    expect(codesIn(html)).toEqual([]);
  });
});

describe.each(PROVIDERS)("$kind template approval", (p) => {
  it("is asked of the provider; a campaign is scheduled only when its template was approved", async () => {
    const env = setup();
    const refused = p.kind === "aliyun" ? "SMS_465999" : "1119999";
    const fake = await new CloudSmsFake({
      kind: p.kind,
      keyId: KEY_ID,
      secret: SECRET,
      approved: [p.template],
      reviews: { [refused]: { state: "rejected", reason: "变量内容涉及营销" } },
    }).start();
    fakes.push(fake);
    const t = await tenant(env, { locale: "zh-CN", time_zone: "Asia/Shanghai" });
    const ch = await t.client.post("/v1/channels", {
      name: "短信",
      provider: p.kind,
      config: p.config(fake.url),
      credentials: p.credentials,
      default: true,
    });
    const bind = (locale: string, code: string) =>
      t.client.put(`/v1/channels/${ch.body.id}/templates/member_promotion/${locale}`, {
        provider_template: code,
        params: [{ name: "offer", value: "{{offer}}" }],
      });
    expect((await bind("zh-CN", p.template)).body.approval).toEqual({
      status: "unknown",
      detail: null,
      checked_at: null,
    });
    const campaign = await t.client.post("/v1/campaigns", {
      name: "周末优惠",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: { offer: "私教课八折" },
    });
    expect(campaign.status).toBe(201);
    const schedule = () => t.client.post(`/v1/campaigns/${campaign.body.id}/schedule`, {});
    const early = await schedule();
    expect(early.status).toBe(409);
    expect(early.body.error.details).toMatchObject({ reason: "template_not_approved", template: "member_promotion" });

    const checked = await t.client.post(`/v1/channels/${ch.body.id}/templates/check`, {});
    expect(checked.status).toBe(200);
    expect(checked.body.data[0].approval).toMatchObject({ status: "approved", detail: null });
    // Re-bound to the same provider template it stays approved; to another, it is unknown again.
    expect((await bind("zh-CN", p.template)).body.approval.status).toBe("approved");
    const other = await bind("zh-CN", refused);
    expect(other.body.approval).toEqual({ status: "unknown", detail: null, checked_at: null });
    await bind("zh-CN", p.template);
    await t.client.post(`/v1/channels/${ch.body.id}/templates/check`, {});
    // An English binding to a template the provider refused holds the campaign back, saying why.
    await bind("en", refused);
    const again = await t.client.post(`/v1/channels/${ch.body.id}/templates/check`, {});
    const en = again.body.data.find((b: { locale: string }) => b.locale === "en");
    expect(en.approval).toMatchObject({ status: "rejected", detail: "变量内容涉及营销" });
    const held = await schedule();
    expect(held.status).toBe(409);
    expect(held.body.error.message).toContain("rejected in en");
    await t.client.delete(`/v1/channels/${ch.body.id}/templates/member_promotion/en`);
    expect((await schedule()).status).toBe(200);

    // A message bound to the refused template is skipped before any call.
    await bind("en", refused);
    await t.client.post(`/v1/channels/${ch.body.id}/templates/check`, {});
    const ann = await t.client.post("/v1/customers", { name: "Ann", phone: "13700137000", locale: "en" });
    const m = await t.client.post("/v1/messages", {
      customer_id: ann.body.id,
      template: "member_promotion",
      variables: { offer: "20% off", validUntil: "2026-12-31", link: "gym.example/book" },
      kind: "notification",
    });
    const before = fake.sends.length;
    await runDispatch(env.deps);
    expect((await t.client.get(`/v1/messages/${m.body.id}`)).body).toMatchObject({
      status: "skipped",
      reason: "template_not_approved",
    });
    expect(fake.sends.length).toBe(before);
  });
});

describe("the console's channel form", () => {
  it("adds an Aliyun channel in 中文 from its own fields; a refused one comes back as typed", async () => {
    const env = setup();
    const t = await tenant(env, { locale: "zh-CN" });
    const cookie = `${await signIn(env, t.key)}; tidings_lang=zh-CN`;
    const html = await (await page(env, "/console/settings", cookie, "zh-CN")).text();
    expect(html).toContain("<legend>阿里云短信</legend>");
    expect(html).toContain("已审核的签名，不含【】");
    const fields = {
      name: "阿里云",
      provider: "aliyun",
      access_key_id: KEY_ID,
      aliyun_sign_name: "【北门健身】",
      secret: SECRET,
      rate_per_second: "",
      default: "on",
    };
    const refused = await form(
      env,
      "/console/settings/channel",
      { _csrf: await csrfOf(env, cookie), ...fields },
      cookie,
    );
    expect(refused.status).toBe(422);
    const kept = await refused.text();
    expect(kept).toContain('value="【北门健身】"');
    expect(kept).toContain("签名只填已审核的签名名称，不含【】。");
    expect(kept).not.toContain(SECRET);
    const made = await form(
      env,
      "/console/settings/channel",
      { _csrf: await csrfOf(env, cookie), ...fields, aliyun_sign_name: "北门健身" },
      cookie,
    );
    expect(made.status).toBe(303);
    const [ch] = (await t.client.get("/v1/channels")).body.data.filter(
      (c: { provider: string }) => c.provider === "aliyun",
    );
    expect(ch).toMatchObject({
      config: { access_key_id: KEY_ID, sign_name: "北门健身" },
      has_credentials: true,
      default: true,
    });
  });
});

describe("the console's channel templates", () => {
  it("binds a template in 中文, asks the provider, shows it approved, and keeps a refused form as typed", async () => {
    const env = setup();
    const fake = await new CloudSmsFake({
      kind: "tencent",
      keyId: KEY_ID,
      secret: SECRET,
      approved: ["1110001"],
    }).start();
    fakes.push(fake);
    const t = await tenant(env, { locale: "zh-CN", time_zone: "Asia/Shanghai" });
    const ch = await t.client.post("/v1/channels", {
      name: "腾讯云",
      provider: "tencent",
      config: PROVIDERS[1]?.config(fake.url),
      credentials: { secret_key: SECRET },
      default: true,
    });
    const cookie = `${await signIn(env, t.key)}; tidings_lang=zh-CN`;
    const settings = await (await page(env, "/console/settings", cookie, "zh-CN")).text();
    const url = `/console/settings/channels/${ch.body.id}/templates`;
    expect(settings).toContain(`<a href="${url}">模板</a>`);
    const post = async (path: string, fields: Record<string, string>) =>
      form(env, path, { _csrf: await csrfOf(env, cookie), ...fields }, cookie);

    const refused = await post(url, {
      template: "birthday_greeting",
      locale: "zh-CN",
      provider_template: "1110001",
      params: "name = {{#if name}}",
    });
    expect(refused.status).toBe(422);
    const kept = await refused.text();
    expect(kept).toContain("name = {{#if name}}");
    expect(kept).toContain('value="1110001"');

    const bound = await post(url, {
      template: "birthday_greeting",
      locale: "zh-CN",
      provider_template: "1110001",
      params: "name = {{name}}\noffer ＝ {{offer}}",
    });
    expect(bound.status).toBe(303);
    expect((await t.client.get(`/v1/channels/${ch.body.id}/templates`)).body.data[0].params).toEqual([
      { name: "name", value: "{{name}}" },
      { name: "offer", value: "{{offer}}" },
    ]);
    let html = await (await page(env, url, cookie, "zh-CN")).text();
    expect(html).toContain("生日祝福");
    expect(html).toContain('<span class="badge ">尚未查询</span>');
    expect((await post(`${url}/check`, {})).status).toBe(303);
    html = await (await page(env, url, cookie, "zh-CN")).text();
    expect(html).toContain('<span class="badge good">已通过</span>');
    expect(html).toMatch(/查询于 [^<]*GMT\+8/);
    expect(codesIn(html)).toEqual([]);
    // A provider that does not answer is said in words; nothing changes.
    await fake.close();
    const silent = await post(`${url}/check`, {});
    expect(noticeOf(silent)).toBe("!服务商没有答复模板的审核状态，请稍后再试。");
    expect((await post(`${url}/delete`, { id: "birthday_greeting|zh-CN" })).status).toBe(303);
    expect((await t.client.get(`/v1/channels/${ch.body.id}/templates`)).body.data).toEqual([]);
  });
});

describe("asking for approvals", () => {
  it("says missing only after reading the whole list, and tells a refused key from silence", async () => {
    const env = setup();
    // 600 templates: the check reads 10 pages of 50, so the last hundred are not reached.
    const many = Array.from({ length: 600 }, (_, i) => `SMS_${100000 + i}`);
    const fake = await new CloudSmsFake({ kind: "aliyun", keyId: KEY_ID, secret: SECRET, approved: many }).start();
    fakes.push(fake);
    const t = await tenant(env, { locale: "zh-CN" });
    const ch = await t.client.post("/v1/channels", {
      name: "Ali",
      provider: "aliyun",
      config: { access_key_id: KEY_ID, sign_name: "北门健身", endpoint: fake.url },
      credentials: { access_key_secret: SECRET },
    });
    const bind = (key: string, code: string) =>
      t.client.put(`/v1/channels/${ch.body.id}/templates/${key}/zh-CN`, { provider_template: code, params: [] });
    await bind("birthday_greeting", "SMS_100001");
    await bind("member_promotion", "SMS_100599");
    const checked = await t.client.post(`/v1/channels/${ch.body.id}/templates/check`, {});
    const state = (key: string) =>
      checked.body.data.find((b: { template_key: string }) => b.template_key === key).approval.status;
    expect(state("birthday_greeting")).toBe("approved");
    expect(state("member_promotion")).toBe("unknown");

    // A short list read whole: a code that is not on it is missing.
    const few = await new CloudSmsFake({ kind: "aliyun", keyId: KEY_ID, secret: SECRET, approved: ["SMS_1"] }).start();
    fakes.push(few);
    await t.client.patch(`/v1/channels/${ch.body.id}`, {
      config: { access_key_id: KEY_ID, sign_name: "北门健身", endpoint: few.url },
    });
    const again = await t.client.post(`/v1/channels/${ch.body.id}/templates/check`, {});
    expect(again.body.data.map((b: { approval: { status: string } }) => b.approval.status)).toEqual([
      "missing",
      "missing",
    ]);

    // A wrong secret is the provider refusing, not the provider being away.
    await t.client.patch(`/v1/channels/${ch.body.id}`, {
      credentials: { access_key_secret: "another-secret-0123456789" },
    });
    const refused = await t.client.post(`/v1/channels/${ch.body.id}/templates/check`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual({ reason: "provider_refused" });
  });
});

describe("promotions on a cloud channel", () => {
  it("keep the provider's daytime when the workspace set no quiet hours; notifications go at night", async () => {
    const env = setup("2026-11-23T14:30:00Z"); // 22:30 in Shanghai
    const fake = await new CloudSmsFake({ kind: "aliyun", keyId: KEY_ID, secret: SECRET }).start();
    fakes.push(fake);
    const t = await tenant(env, { locale: "zh-CN", time_zone: "Asia/Shanghai", quiet_hours: null });
    const ch = await t.client.post("/v1/channels", {
      name: "Ali",
      provider: "aliyun",
      config: { access_key_id: KEY_ID, sign_name: "北门健身", endpoint: fake.url },
      credentials: { access_key_secret: SECRET },
      default: true,
    });
    for (const key of ["member_promotion", "birthday_greeting"])
      await t.client.put(`/v1/channels/${ch.body.id}/templates/${key}/zh-CN`, {
        provider_template: "SMS_465001",
        params: [{ name: "offer", value: "{{offer}}" }],
      });
    const member = await t.client.post("/v1/customers", {
      name: "王芳",
      phone: "13800138000",
      consent: { state: "subscribed", evidence: "入会表格" },
    });
    const promo = await t.client.post("/v1/messages", {
      customer_id: member.body.id,
      template: "member_promotion",
      variables: { tierName: "金卡", offer: "私教课八折", validUntil: "2026-12-31", link: "gym.example" },
    });
    const note = await t.client.post("/v1/messages", {
      customer_id: member.body.id,
      template: "birthday_greeting",
      kind: "notification",
      variables: { offer: "果汁" },
    });
    await runDispatch(env.deps);
    const held = (await t.client.get(`/v1/messages/${promo.body.id}`)).body;
    expect(held).toMatchObject({ status: "queued", reason: "quiet_hours_deferred" });
    expect(held.reason_text).toContain("21:00-08:00 in Asia/Shanghai");
    const noteRow = (await t.client.get(`/v1/messages/${note.body.id}`)).body;
    expect(noteRow.status, noteRow.reason_text).toBe("sent");
    // The forecast says so too: a one-off at 22:45 reaches this member when the night ends.
    const c = await t.client.post("/v1/campaigns", {
      name: "夜间优惠",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      send_at: "2026-11-23T14:45:00Z",
      variables: { tierName: "金卡", offer: "八折", validUntil: "2026-12-31", link: "gym.example" },
    });
    expect(c.status).toBe(201);
    const f = await t.client.get(`/v1/campaigns/${c.body.id}/forecast?days=1`);
    expect(f.body.occurrences[0].send_times[0]).toMatchObject({
      time_zone: "Asia/Shanghai",
      held_for_quiet_hours: true,
    });
    env.clock.set(new Date("2026-11-24T00:05:00Z")); // 08:05 in Shanghai
    await runDispatch(env.deps);
    const later = (await t.client.get(`/v1/messages/${promo.body.id}`)).body;
    expect(later.status).toBe("sent");
    expect(fake.sends).toHaveLength(2);
  });
});
