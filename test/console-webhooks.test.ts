// The console's webhooks page as a bank's admin uses it: add their CRM's address (the secret
// shown once, on the answer, never again), send a test, read the deliveries with the answer
// their system gave, send one again, turn the address off; in English and Chinese, with no code
// or internal id on the page; a private address refused by name, nothing added.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { runWebhooks } from "../src/jobs/webhooks";
import { codesIn, csrfOf, form, noticeOf, page, signIn } from "./console-helpers";
import { setup, tenant } from "./helpers";

let server: Server;
let answer = 200;
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function receiver() {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(answer, { "content-type": "text/plain" });
      res.end(answer === 200 ? "thanks" : "CRM is down for maintenance");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/tidings`;
}

describe("console: webhooks", () => {
  it("adds an address with its secret shown once, tests it, shows deliveries and sends one again", async () => {
    const url = await receiver();
    const env = setup("2026-12-07T02:00:00Z", { webhooksAllowPrivate: true });
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const csrf = await csrfOf(env, cookie);
    const settings = await (await page(env, "/console/settings", cookie)).text();
    expect(settings).toContain('href="/console/settings/webhooks"');

    const empty = await (await page(env, "/console/settings/webhooks", cookie)).text();
    expect(empty).toContain("No addresses yet.");
    const once = /name="once" value="([^"]+)"/.exec(empty)?.[1] as string;
    const fields = { _csrf: csrf, once, url, scope: "chosen", "ev_link.clicked": "on", "ev_consent.changed": "on" };
    const added = await form(env, "/console/settings/webhooks", fields, cookie);
    expect(added.status).toBe(200);
    expect(added.headers.get("cache-control")).toBe("no-store");
    // Reloading the page with the secret sends the form again: nothing is added twice.
    const reloaded = await form(env, "/console/settings/webhooks", fields, cookie);
    expect(reloaded.status).toBe(303);
    expect(noticeOf(reloaded)).toContain("added already");
    expect((await t.client.get("/v1/webhooks")).body.data).toHaveLength(1);
    const shown = await added.text();
    const secret = /(whsec_[A-Za-z0-9+/=]+)/.exec(shown)?.[1] as string;
    expect(secret).toMatch(/^whsec_/);
    expect(shown).toContain("Signing secret, shown once");
    expect(shown).toContain("Opt-outs and opt-ins · Links clicked");
    // Never again.
    const list = await (await page(env, "/console/settings/webhooks", cookie)).text();
    expect(list).not.toContain(secret);
    expect(list).not.toContain("Signing secret");
    const [hook] = (await t.client.get("/v1/webhooks")).body.data;
    expect(hook.events).toEqual(["consent.changed", "link.clicked"]);

    const tested = await form(env, "/console/settings/webhooks/test", { _csrf: csrf, id: hook.id }, cookie);
    expect(tested.status).toBe(303);
    expect(noticeOf(tested)).toContain("A test event is on its way");
    answer = 500;
    await runWebhooks(env.deps);
    const log = await (await page(env, `/console/settings/webhooks/${hook.id}`, cookie)).text();
    expect(log).toContain("Test event");
    expect(log).toContain("Waiting");
    expect(log).toContain("HTTP 500");
    expect(log).toContain("CRM is down for maintenance");
    // Times in the workspace's zone, named as a person reads them.
    expect(log).toMatch(/Dec 7, 2026/);
    expect(codesIn(log)).toEqual([]);

    // Their system is back: the retry delivers it; a person sends it again by hand.
    answer = 200;
    env.clock.advance(60 * 60_000);
    await runWebhooks(env.deps);
    const [delivery] = (await t.client.get(`/v1/webhooks/${hook.id}/deliveries`)).body.data;
    expect(delivery.status).toBe("delivered");
    const again = await form(
      env,
      "/console/settings/webhooks/redeliver",
      { _csrf: csrf, id: `${hook.id}|${delivery.id}`, back: `/console/settings/webhooks/${hook.id}` },
      cookie,
    );
    expect(again.headers.get("location")).toBe(`/console/settings/webhooks/${hook.id}`);
    expect(noticeOf(again)).toContain("Sent again");
    expect((await t.client.get(`/v1/webhooks/${hook.id}/deliveries`)).body.data[0].status).toBe("pending");

    const off = await form(env, "/console/settings/webhooks/off", { _csrf: csrf, id: hook.id }, cookie);
    expect(off.status).toBe(303);
    expect((await t.client.get(`/v1/webhooks/${hook.id}`)).body.active).toBe(false);
    const zh = await (await page(env, "/console/settings/webhooks", cookie, "zh-CN")).text();
    expect(zh).toContain("已关闭");
    expect(zh).toContain("退订与重新订阅 · 链接被点击");
    expect(codesIn(zh)).toEqual([]);
    await runWebhooks(env.deps);
    const zhLog = await (await page(env, `/console/settings/webhooks/${hook.id}`, cookie, "zh-CN")).text();
    expect(zhLog).toContain("测试事件");
    expect(zhLog).toContain("重新发送");
  });

  it("refuses a private address by name, keeps the form as typed, and adds nothing", async () => {
    const env = setup("2026-12-07T02:00:00Z");
    const t = await tenant(env);
    const cookie = await signIn(env, t.key);
    const refused = await form(
      env,
      "/console/settings/webhooks",
      { _csrf: await csrfOf(env, cookie), url: "http://192.168.1.20/hook", scope: "all" },
      cookie,
    );
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain("Address: it cannot take events; it must be a public http(s) address");
    expect(html).toContain('value="http://192.168.1.20/hook"');
    expect((await t.client.get("/v1/webhooks")).body.data).toEqual([]);
  });
});
