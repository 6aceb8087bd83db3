// What the API refuses reaches a person in the page's language, on the form they typed, which
// comes back as typed (never with a password or secret) and changes nothing.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { csrfOf, form, ORIGIN, signIn } from "./console-helpers";
import { type TestEnv, tenant } from "./harness";

/** Posts a console form as a person reading the console in `lang`. */
async function post(env: TestEnv, cookie: string, path: string, fields: Record<string, string>, lang = "zh-CN") {
  const res = await form(env, path, { _csrf: await csrfOf(env, cookie), ...fields }, `${cookie}; tidings_lang=${lang}`);
  return { status: res.status, html: await res.text() };
}

const alertOf = (html: string) => /role="alert"[^>]*>([^<]*)</.exec(html)?.[1];

describe("console: refusals in the page's words", () => {
  it("words a customer's phone problems and a taken phone in 中文, and keeps what was typed", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const short = await post(env, cookie, "/console/customers/new", { name: "赵敏", phone: "12345" });
    expect(short.status).toBe(422);
    expect(alertOf(short.html)).toBe("手机号 “12345” 位数太少。");
    expect(short.html).toContain('value="赵敏"');

    const landline = await post(env, cookie, "/console/customers/new", { name: "赵敏", phone: "010 6552 9988" });
    expect(alertOf(landline.html)).toBe("手机号 “010 6552 9988” 不是手机号码（中国），短信只能发到手机号码。");

    await t.client.post("/v1/customers", { phone: "13800138000", name: "王芳" });
    const taken = await post(env, cookie, "/console/customers/new", { name: "赵敏", phone: "138 0013 8000" });
    expect(taken.status).toBe(409);
    expect(alertOf(taken.html)).toBe("另一位客户已使用此手机号：“+8613800138000”。");
    expect((await t.client.get("/v1/customers")).body.data).toHaveLength(1);

    // The same refusal in English reads as English.
    const en = await post(env, cookie, "/console/customers/new", { name: "Zhao", phone: "12345" }, "en");
    expect(alertOf(en.html)).toBe("Phone “12345” is too short.");
  });

  it("keeps the workspace, plan and channel forms as typed, saying why in 中文", async () => {
    const env = await setup();
    const t = await tenant(env, { time_zone: "Asia/Shanghai" });
    const cookie = await signIn(env, t.key);
    const ws = await post(env, cookie, "/console/settings/workspace", {
      name: "北门健身",
      time_zone: "Asia/Beijing",
      quiet: "on",
      quiet_start: "22:00",
      quiet_end: "07:00",
    });
    expect(ws.status).toBe(422);
    expect(alertOf(ws.html)).toBe("无法识别这个时区：请填写 Asia/Shanghai 这样的时区名称。");
    expect(ws.html).toContain('value="北门健身"');
    expect(ws.html).toContain('value="Asia/Beijing"');
    expect(ws.html).toContain('value="22:00"');
    expect((await t.client.get("/v1/tenant")).body.time_zone).toBe("Asia/Shanghai");

    const plan = await post(env, cookie, "/console/settings/plan", {
      plan_type: "package",
      currency: "CNY",
      monthly_fee: "99",
      allowance_segments: "1500",
      overage_price_per_segment: "-1",
    });
    expect(plan.status).toBe(422);
    expect(alertOf(plan.html)).toMatch(/不能小于 0。$/);
    expect(plan.html).toContain('<option value="package" selected="">');
    expect(plan.html).toContain('value="1500"');
    expect((await t.client.get("/v1/tenant")).body.pending_plan).toBeNull();

    const secret = "typed-secret-0123456789";
    const channel = await post(env, cookie, "/console/settings/channel", {
      name: "主通道",
      provider: "twilio",
      from: "+14155550100",
      account_sid: "",
      secret,
    });
    expect(channel.status).toBe(422);
    expect(alertOf(channel.html)).toContain("Twilio");
    expect(channel.html).toContain('value="主通道"');
    expect(channel.html).toContain('<option value="twilio" selected="">');
    expect(channel.html).toContain('value="+14155550100"');
    expect(channel.html).not.toContain(secret);
    expect((await t.client.get("/v1/channels")).body.data).toEqual([]);
  });

  it("names a keyword's clash with an opt-out word, and a staff member's taken email", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const clash = await post(env, cookie, "/console/keywords/create", {
      name: "今日优惠",
      words: "退",
      match: "prefix",
      reply: "好的",
    });
    expect(clash.status).toBe(409);
    expect(alertOf(clash.html)).toBe("关键词不能截住 “退订”：客户用它来退订、重新订阅或求助。");
    expect(clash.html).toContain('value="今日优惠"');

    await t.client.post("/v1/staff", { name: "Li", role: "operator", email: "li@gym.example" });
    const taken = await post(env, cookie, "/console/settings/staff", {
      name: "Li Wei",
      email: "LI@gym.example",
      role: "viewer",
      password: "",
    });
    expect(taken.status).toBe(409);
    expect(alertOf(taken.html)).toBe("另一位员工已使用此邮箱：“li@gym.example”。");
  });

  it("says each rejected import row's reason in 中文", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cookie = `${await signIn(env, t.key)}; tidings_lang=zh-CN`;
    const body = new FormData();
    body.append("_csrf", await csrfOf(env, cookie));
    const csv =
      "姓名,手机号,consent,birthday\r\n王芳,13800138000,yes,\r\n李娜,12345,,\r\n张伟,13800138000,,\r\n赵敏,13900139000,maybe,1990-02-30\r\n";
    body.append("file", new File([csv], "members.csv", { type: "text/csv" }));
    const res = await env.app.request(`${ORIGIN}/console/customers/import`, {
      method: "POST",
      headers: { origin: ORIGIN, cookie },
      body,
    });
    expect(res.status).toBe(200);
    const reasons = [...(await res.text()).matchAll(/<td data-label="原因">([^<]*)<\/td>/g)].map((m) => m[1]);
    expect(reasons).toEqual([
      "手机号 “12345” 位数太少。",
      "手机号 “13800138000” 在文件第 2 行已出现过。",
      "consent “maybe” 不是“是”“否”或“未询问”。",
    ]);
  });
});
