// Batch sending on the Chinese clouds: messages that leave together with one template share a
// call (Aliyun SendBatchSms with each number's values; Tencent SendSms with many numbers and one
// set of values), and each message still gets its own number's outcome and receipt.
import { afterAll, describe, expect, it } from "vitest";
import { runDispatch } from "../src/jobs/dispatch";
import { type CloudFakeOptions, CloudSmsFake } from "./fakes/cloud-sms";
import { setup, tenant } from "./helpers";

const KEY_ID = "LTAI5tGymFrontDesk01";
const SECRET = "cloud-provider-secret-0123456789";
const fakes: CloudSmsFake[] = [];
afterAll(() => Promise.all(fakes.map((f) => f.close())));

const NAMES = ["王芳", "李娜", "张伟", "刘洋", "陈静"];

async function workspace(kind: "aliyun" | "tencent", options: Partial<CloudFakeOptions> = {}) {
  const env = setup();
  const fake = await new CloudSmsFake({ kind, keyId: KEY_ID, secret: SECRET, ...options }).start();
  fakes.push(fake);
  const t = await tenant(env, { locale: "zh-CN", time_zone: "Asia/Shanghai" });
  const config =
    kind === "aliyun"
      ? { access_key_id: KEY_ID, sign_name: "北门健身", endpoint: fake.url }
      : { secret_id: KEY_ID, sdk_app_id: "1400787878", sign_name: "北门健身", endpoint: fake.url };
  const ch = (
    await t.client.post("/v1/channels", {
      name: "短信",
      provider: kind,
      config,
      credentials: kind === "aliyun" ? { access_key_secret: SECRET } : { secret_key: SECRET },
      // The provider's own limit is what these tests meet.
      number_caps: {},
      default: true,
    })
  ).body;
  const members: { id: string; phone: string }[] = [];
  for (const [i, name] of NAMES.entries()) {
    const phone = `1380013800${i}`;
    const c = await t.client.post("/v1/customers", {
      name,
      phone,
      consent: { state: "subscribed", evidence: "入会表格" },
    });
    members.push({ id: c.body.id, phone });
  }
  const send = async (template: string, variables: Record<string, string>) => {
    const ids: string[] = [];
    for (const m of members) {
      const r = await t.client.post("/v1/messages", { customer_id: m.id, template, variables, kind: "notification" });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    await runDispatch(env.deps);
    return Promise.all(ids.map(async (id) => (await t.client.get(`/v1/messages/${id}`)).body));
  };
  return { env, fake, t, ch, members, send };
}

describe("batch sending", () => {
  it("Aliyun: one SendBatchSms for messages of one template, each number with its own values, ref and receipt", async () => {
    const w = await workspace("aliyun", { approved: ["SMS_465001"] });
    await w.t.client.put(`/v1/channels/${w.ch.id}/templates/birthday_greeting/zh-CN`, {
      provider_template: "SMS_465001",
      params: [
        { name: "name", value: "{{name}}" },
        { name: "offer", value: "{{offer}}" },
      ],
    });
    const msgs = await w.send("birthday_greeting", { offer: "鲜榨果汁一杯" });
    expect(msgs.map((m) => m.status)).toEqual(NAMES.map(() => "sent"));
    expect(w.fake.calls).toEqual([{ action: "SendBatchSms", numbers: 5 }]);
    expect(w.fake.sends.map((s) => s.params)).toEqual(NAMES.map((name) => ({ name, offer: "鲜榨果汁一杯" })));
    // One BizId for the call; each message named by it and its number, as the receipts name them.
    const biz = String(msgs[0].provider_ref).split("#")[0];
    expect(msgs.map((m) => m.provider_ref)).toEqual(w.members.map((m) => `${biz}#${m.phone}`));
    const receipts = w.members.map((m, i) => ({
      biz_id: biz,
      phone_number: m.phone,
      success: i !== 4,
      err_code: i === 4 ? "MK:0001" : "DELIVERED",
      err_msg: i === 4 ? "用户已关机" : "用户接收成功",
    }));
    const hook = await w.env.app.request(w.ch.webhooks.status, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(receipts),
    });
    expect(hook.status).toBe(200);
    const after = await Promise.all(msgs.map(async (m) => (await w.t.client.get(`/v1/messages/${m.id}`)).body.status));
    expect(after).toEqual(["delivered", "delivered", "delivered", "delivered", "undelivered"]);
  });

  it("Aliyun: a batch refused for one number's limit is sent number by number, and only that one waits", async () => {
    const w = await workspace("aliyun", { approved: ["SMS_465001"], perNumberDaily: 1 });
    await w.t.client.put(`/v1/channels/${w.ch.id}/templates/birthday_greeting/zh-CN`, {
      provider_template: "SMS_465001",
      params: [{ name: "name", value: "{{name}}" }],
    });
    // The first member already had today's one message.
    await w.t.client.post("/v1/messages", {
      customer_id: w.members[0]?.id,
      template: "birthday_greeting",
      variables: { offer: "毛巾" },
    });
    await runDispatch(w.env.deps);
    const msgs = await w.send("birthday_greeting", { offer: "鲜榨果汁一杯" });
    expect(msgs.map((m) => m.status)).toEqual(["queued", "sent", "sent", "sent", "sent"]);
    expect(msgs[0]).toMatchObject({ reason: "throttled" });
    expect(w.fake.calls.map((c) => `${c.action}:${c.numbers}`)).toEqual([
      "SendSms:1",
      "SendBatchSms:5",
      ...NAMES.map(() => "SendSms:1"),
    ]);
  });

  it("Tencent: one call for messages with the same values, each number's own outcome (an opt-out among them)", async () => {
    const w = await workspace("tencent", { approved: ["1110002", "1110001"], optedOut: ["+8613800138003"] });
    await w.t.client.put(`/v1/channels/${w.ch.id}/templates/member_promotion/zh-CN`, {
      provider_template: "1110002",
      params: [{ name: "1", value: "{{offer}}" }],
    });
    const msgs = await w.send("member_promotion", {
      tierName: "金卡",
      offer: "私教课八折",
      validUntil: "2026-12-31",
      link: "gym.example/b",
    });
    expect(w.fake.calls).toEqual([{ action: "SendSms", numbers: 5 }]);
    expect(msgs.map((m) => m.status)).toEqual(["sent", "sent", "sent", "failed", "sent"]);
    expect(msgs[3]).toMatchObject({ reason: "opted_out" });
    expect(new Set(msgs.map((m) => m.provider_ref)).size).toBe(5);
    // The provider's opt-out is the customer's.
    const c = (await w.t.client.get(`/v1/customers/${w.members[3]?.id}`)).body;
    expect(c.consent.state).toBe("unsubscribed");

    // Values that differ per person cannot share a Tencent call: one call a number.
    await w.t.client.put(`/v1/channels/${w.ch.id}/templates/birthday_greeting/zh-CN`, {
      provider_template: "1110001",
      params: [{ name: "1", value: "{{name}}" }],
    });
    const before = w.fake.calls.length;
    await w.send("birthday_greeting", { offer: "毛巾" });
    expect(w.fake.calls.slice(before)).toEqual(NAMES.map(() => ({ action: "SendSms", numbers: 1 })));
  });

  it("Tencent: a call refused whole for one number's sake is sent number by number; only that one fails", async () => {
    const w = await workspace("tencent", {
      approved: ["1110002"],
      optedOut: ["+8613800138002"],
      refuseWholeCall: true,
    });
    await w.t.client.put(`/v1/channels/${w.ch.id}/templates/member_promotion/zh-CN`, {
      provider_template: "1110002",
      params: [{ name: "1", value: "{{offer}}" }],
    });
    const msgs = await w.send("member_promotion", {
      tierName: "金卡",
      offer: "私教课八折",
      validUntil: "2026-12-31",
      link: "gym.example/b",
    });
    expect(msgs.map((m) => m.status)).toEqual(["sent", "sent", "failed", "sent", "sent"]);
    expect(msgs[2]).toMatchObject({ reason: "opted_out" });
    expect(w.fake.calls.map((c) => c.numbers)).toEqual([5, 1, 1, 1, 1, 1]);
    // Only the one who opted out is unsubscribed.
    const states = await Promise.all(
      w.members.map(async (m) => (await w.t.client.get(`/v1/customers/${m.id}`)).body.consent.state),
    );
    expect(states).toEqual(["subscribed", "subscribed", "unsubscribed", "subscribed", "subscribed"]);
  });
});
