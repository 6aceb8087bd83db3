// Trying two-way without a phone: a reply received as if a customer texted it, through a
// simulator channel, over the API and from the customer's profile in the console.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { runInbound } from "../src/jobs/inbound";
import { csrfOf, form, noticeOf, page, signIn } from "./console-helpers";
import { client } from "./harness";
import { twoWay } from "./two-way";

describe("a simulated reply", () => {
  it("is handled like a real one: STOP opts the customer out, a keyword answers; only through a simulator", async () => {
    const env = await setup();
    const t = await twoWay(env);
    const ann = (
      await t.client.post("/v1/customers", { name: "Ann", phone: "13800138001", consent: { state: "subscribed" } })
    ).body;
    const res = await t.client.post("/v1/inbound/simulate", { customer_id: ann.id, text: "STOP" });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ stored: 1, from: "+8613800138001" });
    await runInbound(env.deps);
    expect((await t.client.get(`/v1/customers/${ann.id}`)).body.consent.state).toBe("unsubscribed");
    const [logged] = (await t.client.get("/v1/inbound?limit=1")).body.data;
    expect(logged).toMatchObject({
      text: "STOP",
      step: "opt_out",
      customer_id: ann.id,
      channel_id: res.body.channel_id,
    });

    // A number that is not a customer yet.
    const stranger = await t.client.post("/v1/inbound/simulate", { from: "+8613900139000", text: "HELP" });
    expect(stranger.status).toBe(202);
    await runInbound(env.deps);
    expect((await t.client.get("/v1/inbound?limit=1")).body.data[0]).toMatchObject({
      from: "+8613900139000",
      step: "help",
    });

    expect((await t.client.post("/v1/inbound/simulate", { text: "x" })).body.error.details[0].path).toBe("from");
    expect((await t.client.post("/v1/inbound/simulate", { customer_id: "cus_nope", text: "x" })).status).toBe(404);
    const read = (await t.client.post("/v1/api-keys", { name: "reporting", scope: "read" })).body.key;
    expect((await client(env, read).post("/v1/inbound/simulate", { from: "+8613900139000", text: "x" })).status).toBe(
      403,
    );
    // A real channel does not take made-up replies.
    const twilio = await t.client.post("/v1/channels", {
      name: "Twilio",
      provider: "twilio",
      config: { account_sid: `AC${"0".repeat(32)}`, from: "+15005550006" },
      credentials: { auth_token: "x".repeat(32) },
    });
    const refused = await t.client.post("/v1/inbound/simulate", {
      channel_id: twilio.body.id,
      from: "+8613900139000",
      text: "x",
    });
    expect(refused.status).toBe(409);
    // Once the workspace sends through a real provider, nothing can be made up at all.
    await t.client.patch(`/v1/channels/${twilio.body.id}`, { default: true });
    const live = await t.client.post("/v1/inbound/simulate", { customer_id: ann.id, text: "START" });
    expect(live.status).toBe(409);
    expect(live.body.error.message).toContain("default channel is a real provider");
    expect((await t.client.get("/v1/inbound")).body.data).toHaveLength(2);
    expect((await t.client.get(`/v1/customers/${ann.id}`)).body.consent.state).toBe("unsubscribed");
  });

  it("can be typed on the customer's profile in the console, and shows on the timeline", async () => {
    const env = await setup();
    const t = await twoWay(env);
    const kw = await t.client.post("/v1/keywords", {
      name: "Yoga",
      words: ["YOGA"],
      match: "first_word",
      actions: [{ type: "reply", text: "See you at 7!" }],
    });
    expect(kw.status).toBe(201);
    const ann = (await t.client.post("/v1/customers", { name: "Ann", phone: "13800138001" })).body;
    const cookie = await signIn(env, t.key);
    const profile = await (await page(env, `/console/customers/${ann.id}`, cookie)).text();
    expect(profile).toContain("<summary>Try a reply from this customer (test channel)</summary>");
    const sent = await form(
      env,
      `/console/customers/${ann.id}/simulate`,
      { _csrf: await csrfOf(env, cookie), text: "yoga tonight?" },
      cookie,
    );
    expect(noticeOf(sent)).toBe(
      "Received “yoga tonight?” as if the customer texted it. What it did shows on the timeline in a moment.",
    );
    await runInbound(env.deps);
    const after = await (await page(env, `/console/customers/${ann.id}`, cookie)).text();
    expect(after).toContain(
      '<strong>Texted in</strong> <span class="muted">keyword Yoga</span><blockquote>yoga tonight?</blockquote>',
    );
    // Only an admin gets the form.
    const write = (await t.client.post("/v1/api-keys", { name: "crm", scope: "write" })).body.key;
    const operator = await signIn(env, write);
    expect(await (await page(env, `/console/customers/${ann.id}`, operator)).text()).not.toContain("Try a reply");
  });
});
