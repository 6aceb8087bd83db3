// The founding users' two sends on each Chinese cloud, end to end over real HTTP on loopback:
// a gym's birthday greeting and a bank's card-activation prompt, each bound to the provider's
// template, found approved, scheduled, planned and sent at its local time, its delivery report
// pushed by the provider to the channel's keyed address, and the customer's 退订 reply taking
// them off marketing.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterAll, describe, expect, it } from "vitest";
import { runApprovals } from "../src/jobs/approvals";
import { drive } from "./drive";
import { type CloudFakeOptions, CloudSmsFake } from "./fakes/cloud-sms";
import { setup, tenant } from "./helpers";
import { settle } from "./two-way";

const KEY_ID = "LTAI5tGymFrontDesk01";
const SECRET = "cloud-provider-secret-0123456789";
const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of closers) await c();
});

const PROVIDERS = [
  {
    kind: "aliyun" as const,
    config: (endpoint: string) => ({ access_key_id: KEY_ID, sign_name: "北门健身", endpoint }),
    credentials: { access_key_secret: SECRET },
    birthday: "SMS_465001",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Aliyun's placeholders are written ${name}
    birthdayText: "亲爱的${name}，生日快乐！凭短信到店可领${offer}。拒收请回复R",
    params: (...pairs: [string, string][]) => pairs.map(([name, value]) => ({ name, value })),
    activation: "SMS_465100",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: as above
    activationText: "${name}您好，您尾号${last4}的信用卡已送达，请登录手机银行激活。",
    reply: (phone: string, text: string) => [
      { phone_number: phone, content: text, sequence_id: 4242, dest_code: "", sign_name: "北门健身" },
    ],
  },
  {
    kind: "tencent" as const,
    config: (endpoint: string) => ({ secret_id: KEY_ID, sdk_app_id: "1400787878", sign_name: "北门健身", endpoint }),
    credentials: { secret_key: SECRET },
    birthday: "1110001",
    birthdayText: "亲爱的{1}，生日快乐！凭短信到店可领{2}。拒收请回复R",
    params: (...pairs: [string, string][]) => pairs.map(([, value], i) => ({ name: String(i + 1), value })),
    activation: "1110100",
    activationText: "{1}您好，您尾号{2}的信用卡已送达，请登录手机银行激活。",
    reply: (phone: string, text: string) => ({ mobile: phone, nationcode: "86", text, time: 1796620541 }),
  },
];

type Provider = (typeof PROVIDERS)[number];

/** The app on a loopback port, a fake of the provider that pushes its reports to it, a workspace and channel. */
async function served(p: Provider, name: string) {
  const env = setup("2026-11-23T04:00:00Z");
  const server = serve({ fetch: env.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const options: CloudFakeOptions = {
    kind: p.kind,
    keyId: KEY_ID,
    secret: SECRET,
    approved: [p.birthday, p.activation],
    texts: { [p.birthday]: p.birthdayText, [p.activation]: p.activationText },
    signs: [{ name: "北门健身", state: "approved" }],
  };
  const fake = await new CloudSmsFake(options).start();
  closers.push(
    () => fake.close(),
    () => server.close(),
  );
  const t = await tenant(env, { locale: "zh-CN", time_zone: "Asia/Shanghai" });
  const ch = (
    await t.client.post("/v1/channels", {
      name,
      provider: p.kind,
      config: p.config(fake.url),
      credentials: p.credentials,
      default: true,
    })
  ).body;
  // Set in the provider's console: where its reports go.
  options.reportUrl = new URL(ch.webhooks.status, base).href;
  const statusOf = async (id: string) => (await t.client.get(`/v1/messages/${id}`)).body;
  /** The message the customer got, once the provider's report came in over HTTP. */
  const delivered = async (customerId: string) => {
    const list = (await t.client.get(`/v1/messages?customer_id=${customerId}`)).body.data;
    expect(list).toHaveLength(1);
    for (let i = 0; i < 100 && (await statusOf(list[0].id)).status !== "delivered"; i++)
      await new Promise((r) => setTimeout(r, 20));
    return statusOf(list[0].id);
  };
  /** The customer answers as the provider posts it: unsigned JSON to the keyed inbound address. */
  const reply = async (phone: string, text: string) => {
    const res = await fetch(new URL(ch.webhooks.inbound, base), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(p.reply(phone, text)),
    });
    expect(res.status).toBe(200);
    await settle(env);
  };
  return { env, fake, t, ch, delivered, reply };
}

describe.each(PROVIDERS)("$kind, end to end over HTTP", (p) => {
  it("a gym's birthday greeting: bound, approved, sent at 09:00 on the day, delivered, and 退订 opts out", async () => {
    const w = await served(p, "前台短信");
    const member = (
      await w.t.client.post("/v1/customers", {
        name: "王芳",
        phone: "13800138000",
        birthday: "11-24",
        consent: { state: "subscribed", evidence: "入会表格" },
      })
    ).body;
    await w.t.client.put(`/v1/channels/${w.ch.id}/templates/birthday_greeting/zh-CN`, {
      provider_template: p.birthday,
      params: p.params(["name", "{{name}}"], ["offer", "{{offer}}"]),
    });
    const campaign = (
      await w.t.client.post("/v1/campaigns", {
        name: "生日祝福",
        kind: "date_relative",
        template: "birthday_greeting",
        anchor: "birthday",
        delivery_time: "09:00",
        variables: { offer: "鲜榨果汁一杯" },
      })
    ).body;
    const schedule = () => w.t.client.post(`/v1/campaigns/${campaign.id}/schedule`, {});
    // Not known approved yet: not scheduled.
    expect((await schedule()).status).toBe(409);
    expect((await w.t.client.post(`/v1/channels/${w.ch.id}/templates/check`, {})).body.data[0].approval.status).toBe(
      "approved",
    );
    expect((await schedule()).status).toBe(200);

    await drive(w.env, "2026-11-24T02:00:00Z");
    const msg = await w.delivered(member.id);
    expect(msg).toMatchObject({
      status: "delivered",
      text: "【北门健身】亲爱的王芳，生日快乐！凭短信到店可领鲜榨果汁一杯。拒收请回复R",
      sent_at: "2026-11-24T01:00:00.000Z",
    });
    expect(w.fake.sends).toHaveLength(1);
    expect(w.fake.sends[0]?.params).toEqual(
      p.kind === "aliyun" ? { name: "王芳", offer: "鲜榨果汁一杯" } : ["王芳", "鲜榨果汁一杯"],
    );

    await w.reply("13800138000", "退订");
    expect((await w.t.client.get(`/v1/customers/${member.id}`)).body.consent.state).toBe("unsubscribed");
  });

  it("a bank's activation prompt: approved by the job, sent two days after shipping, delivered, and 退订 opts out", async () => {
    const w = await served(p, "卡中心");
    const holder = (
      await w.t.client.post("/v1/customers", {
        name: "李娜",
        phone: "13900139000",
        consent: { state: "subscribed", evidence: "开卡申请" },
      })
    ).body;
    await w.t.client.put(`/v1/channels/${w.ch.id}/templates/card_activation_prompt/zh-CN`, {
      provider_template: p.activation,
      params: p.params(["name", "{{name}}"], ["last4", "{{card.last4}}"]),
    });
    // The check that runs by itself finds it approved.
    expect(await runApprovals(w.env.deps)).toEqual([{ channel_id: w.ch.id, ok: true }]);
    const campaign = (
      await w.t.client.post("/v1/campaigns", {
        name: "激活提醒",
        kind: "after_delivery",
        template: "card_activation_prompt",
        variables: { activationUrl: "bank.example/activate" },
        delivery_time: "10:30",
        after_delivery: { fixed_days: 2 },
      })
    ).body;
    expect((await w.t.client.post(`/v1/campaigns/${campaign.id}/schedule`, {})).status).toBe(200);
    const shipped = await w.t.client.post("/v1/shipments", {
      shipments: [
        {
          customer_id: holder.id,
          reference: "8842",
          courier: "SF",
          region: "深圳",
          shipped_at: "2026-11-23T04:00:00Z",
        },
      ],
    });
    expect(shipped.status).toBe(200);

    await drive(w.env, "2026-11-26T00:00:00Z");
    const msg = await w.delivered(holder.id);
    expect(msg).toMatchObject({
      status: "delivered",
      text: "【北门健身】李娜您好，您尾号8842的信用卡已送达，请登录手机银行激活。",
      sent_at: "2026-11-25T02:30:00.000Z",
    });
    expect(w.fake.sends[0]?.params).toEqual(p.kind === "aliyun" ? { name: "李娜", last4: "8842" } : ["李娜", "8842"]);

    await w.reply("13900139000", "退订");
    expect((await w.t.client.get(`/v1/customers/${holder.id}`)).body.consent.state).toBe("unsubscribed");
  });
});
