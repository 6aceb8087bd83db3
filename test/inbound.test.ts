// Two-way SMS end to end: signed webhooks in, the pipeline's steps in precedence order, replies
// out through the dispatcher, and the records they leave (ledger, responses, inbox, timeline).

import { describe, expect, it } from "vitest";
import { twilioSignature } from "../src/delivery/twilio";
import { processInbound } from "../src/inbound/process";
import { runPlan } from "../src/jobs/plan";
import { hmacBase64 } from "../src/lib/secretbox";
import { libraryOf } from "../src/templates/library";
import { setup } from "./helpers";
import { customer, lastInbound, SECRET, SERVICE, settle, textsTo, twoWay } from "./two-way";

const EMMA = "+8613800138000";

describe("opt-out, opt-in and help", () => {
  it.each([
    ["ｓｔｏｐ", "whole"],
    ["退订", "whole"],
    ["STOP please", "inside"],
    ["please stop texting me", "inside"],
    ["我要退订", "inside"],
    ["Stop!", "whole"],
    ["T", "whole"],
    ["cancel", "whole"],
  ])(
    "%s opts out at once: ledger with the exact text, planned marketing skipped, one confirmation",
    async (text, how) => {
      const env = setup();
      const t = await twoWay(env, { locale: "en" });
      const c = await customer(t.client, { name: "Emma Li", phone: EMMA, locale: "en" });
      const later = await t.client.post("/v1/messages", {
        customer_id: c.id,
        text: "Big sale on Friday",
        kind: "marketing",
        send_at: "2026-11-25T04:00:00Z",
      });
      const notice = await t.client.post("/v1/messages", {
        customer_id: c.id,
        text: "Your card ships tomorrow",
        kind: "notification",
        send_at: "2026-11-25T04:00:00Z",
      });
      expect(await t.sms(EMMA, text)).toBe(200);
      await settle(env);
      const profile = (await t.client.get(`/v1/customers/${c.id}`)).body;
      expect(profile.consent.state).toBe("unsubscribed");
      const ledger = env.db.sqlite
        .prepare("select state, source, evidence from consent_events where customer_id = ? order by rowid desc limit 1")
        .get(c.id);
      expect(ledger).toEqual({ state: "unsubscribed", source: "keyword", evidence: text });
      expect((await t.client.get(`/v1/messages/${later.body.id}`)).body).toMatchObject({
        status: "skipped",
        reason: "opted_out",
      });
      expect((await t.client.get(`/v1/messages/${notice.body.id}`)).body.status).toBe("planned");
      const texts = await textsTo(t.client, c.id);
      expect(texts).toHaveLength(1);
      expect(texts[0]).toMatch(/unsubscribed/);
      expect(await lastInbound(t.client)).toMatchObject({ step: "opt_out", outcome: "success", detail: { how } });
      // A second STOP changes nothing and is not confirmed again.
      await t.sms(EMMA, "STOP");
      await settle(env);
      expect(await textsTo(t.client, c.id)).toHaveLength(1);
      expect(await lastInbound(t.client)).toMatchObject({ step: "opt_out", outcome: "already" });
      // No marketing from then on, even sent later by the API.
      const m = await t.client.post("/v1/messages", { customer_id: c.id, text: "New offer", kind: "marketing" });
      await settle(env);
      expect((await t.client.get(`/v1/messages/${m.body.id}`)).body.reason).toBe("opted_out");
    },
  );

  it("decides: a negated word is not an opt-out; it reaches a person, flagged", async () => {
    const env = setup();
    const t = await twoWay(env, { locale: "en" });
    const c = await customer(t.client, { phone: EMMA, locale: "en" });
    for (const text of ["please don't stop the yoga class", "不要退订，我还想收到优惠"]) {
      await t.sms(EMMA, text);
      await settle(env);
      expect(await lastInbound(t.client)).toMatchObject({ step: "inbox", detail: { flag: "possible_opt_out" } });
    }
    expect((await t.client.get(`/v1/customers/${c.id}`)).body.consent.state).toBe("subscribed");
    const inbox = (await t.client.get("/v1/inbox")).body.data;
    expect(inbox.map((i: any) => [i.text, i.flag])).toEqual([
      ["please don't stop the yoga class", "possible_opt_out"],
      ["不要退订，我还想收到优惠", "possible_opt_out"],
    ]);
    // Words that mean something else inside a sentence stay whole-message only.
    await t.sms(EMMA, "Can I cancel my booking for Friday?");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ step: "inbox", outcome: "question" });
  });

  it("refuses a template key that does not exist the same way wherever a key is taken, changing nothing", async () => {
    const env = setup();
    const t = await twoWay(env, { locale: "en" });
    const c = await customer(t.client, { phone: EMMA, locale: "en" });
    await t.sms(EMMA, "what time do you open?");
    await settle(env);
    const [item] = (await t.client.get("/v1/inbox")).body.data;
    const said = "no template 'no_such_key' (GET /v1/templates/defaults lists the shipped ones)";
    const survey = { type: "score", question: "satisfaction" };
    const unknownKey = { template: "no_such_key" };
    const cases: [string, unknown, string][] = [
      ["/v1/messages", { customer_id: c.id, template: "no_such_key" }, "template"],
      [`/v1/inbox/${item.id}/reply`, { reply: { template: "no_such_key" } }, "reply.template"],
      ["/v1/inbox/reply", { category: item.category, reply: { template: "no_such_key" } }, "reply.template"],
      [
        "/v1/keywords",
        { name: "Hi", words: ["HI"], actions: [{ type: "reply", template: "no_such_key" }] },
        "actions.0.template",
      ],
      ["/v1/campaigns", { name: "x", kind: "broadcast", template: "no_such_key", audience: { all: true } }, "template"],
      // The thanks for an answer is a reply like any other.
      [
        "/v1/messages",
        { customer_id: c.id, text: "Rate us 1-5", kind: "notification", expects: { ...survey, thanks: unknownKey } },
        "expects.thanks.template",
      ],
      [
        "/v1/keywords",
        {
          name: "Survey",
          words: ["SURVEY"],
          actions: [{ type: "start_survey", template: "survey_thanks", expects: { ...survey, thanks: unknownKey } }],
        },
        "actions.0.expects.thanks.template",
      ],
      [
        "/v1/campaigns",
        {
          name: "x",
          kind: "broadcast",
          template: "survey_thanks",
          audience: { all: true },
          response: { ...survey, thanks: unknownKey },
        },
        "response.thanks.template",
      ],
    ];
    for (const [path, body, field] of cases) {
      const res = await t.client.post(path, body);
      expect(res.status, path).toBe(422);
      expect(res.body.error.details, path).toEqual([{ path: field, message: said }]);
    }
    // The item is still open and unanswered; no message was written.
    expect((await t.client.get(`/v1/inbox/${item.id}`)).body).toMatchObject({ status: "open", replied_at: null });
    expect((await t.client.get("/v1/messages")).body.data.filter((m: any) => m.template === "no_such_key")).toEqual([]);
  });

  it("only an opt-in word re-subscribes; START after STOP works, a chat message does not", async () => {
    const env = setup();
    const t = await twoWay(env, { locale: "en" });
    const c = await customer(t.client, { phone: EMMA, locale: "en" });
    await t.sms(EMMA, "STOP");
    await t.sms(EMMA, "hello, what time do you open?");
    await settle(env);
    expect((await t.client.get(`/v1/customers/${c.id}`)).body.consent.state).toBe("unsubscribed");
    expect(await lastInbound(t.client)).toMatchObject({ step: "inbox", outcome: "question" });
    // The API cannot undo an SMS opt-out either.
    const patch = await t.client.patch(`/v1/customers/${c.id}`, { consent: { state: "subscribed" } });
    expect(patch.status).toBe(422);
    await t.sms(EMMA, "ｓｔａｒｔ");
    await settle(env);
    expect((await t.client.get(`/v1/customers/${c.id}`)).body.consent.state).toBe("subscribed");
    const texts = await textsTo(t.client, c.id);
    expect(texts).toHaveLength(2);
    expect(texts[1]).toMatch(/Welcome back/);
    const ledger = env.db.sqlite
      .prepare("select state, evidence from consent_events where customer_id = ? order by rowid")
      .all(c.id);
    expect(ledger.slice(-2)).toEqual([
      { state: "unsubscribed", evidence: "STOP" },
      { state: "subscribed", evidence: "ｓｔａｒｔ" },
    ]);
    // START from a subscribed customer is not an opt-in event (nothing to confirm).
    await t.sms(EMMA, "START");
    await settle(env);
    expect((await lastInbound(t.client)).step).not.toBe("opt_in");
  });

  it("answers HELP with the workspace's help text and service phone; extra words count", async () => {
    const env = setup();
    const t = await twoWay(env);
    await t.client.patch("/v1/tenant", {
      inbound: { service_phone: "400-820-8888", help_words: ["客服"], opt_out_words: ["别发了"] },
    });
    const c = await customer(t.client, { phone: EMMA });
    await t.sms(EMMA, "帮助");
    await t.sms(EMMA, "客服");
    await settle(env);
    const texts = await textsTo(t.client, c.id);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain("400-820-8888");
    expect(texts[0]).toContain("回复R退订");
    await t.sms(EMMA, "你们别发了");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ step: "opt_out", detail: { word: "别发了", how: "inside" } });
  });

  it("restricted to whole messages when the workspace says so", async () => {
    const env = setup();
    const t = await twoWay(env, { locale: "en" });
    await t.client.patch("/v1/tenant", { inbound: { opt_out_match: "whole" } });
    const c = await customer(t.client, { phone: EMMA });
    await t.sms(EMMA, "please stop texting me");
    await settle(env);
    expect((await t.client.get(`/v1/customers/${c.id}`)).body.consent.state).toBe("subscribed");
    await t.sms(EMMA, "STOP");
    await settle(env);
    expect((await t.client.get(`/v1/customers/${c.id}`)).body.consent.state).toBe("unsubscribed");
  });
});

describe("the webhook", () => {
  it("rejects a forged signature and stores nothing; a retried webhook is handled once", async () => {
    const env = setup();
    const t = await twoWay(env);
    const body = JSON.stringify({ id: "SM-1", from: EMMA, to: SERVICE, text: "HELP" });
    const forged = await env.app.request(`/webhooks/simulator/${t.channel.id}/inbound`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-simulator-signature": hmacBase64("SHA-256", "wrong", body),
      },
      body,
    });
    expect(forged.status).toBe(403);
    expect(env.db.sqlite.prepare("select count(*) as n from inbound_messages").get()).toEqual({ n: 0 });
    expect(await t.sms(EMMA, "HELP", { id: "SM-1" })).toBe(200);
    await settle(env);
    expect(await t.sms(EMMA, "HELP", { id: "SM-1" })).toBe(200);
    await settle(env);
    const rows = env.db.sqlite.prepare("select raw, status, customer_id from inbound_messages").all() as any[];
    expect(rows).toHaveLength(1);
    expect(rows[0].raw).toBe(body);
    // An unknown sender becomes a prospect, who got exactly one reply.
    const prospect = (await t.client.get(`/v1/customers/${rows[0].customer_id}`)).body;
    expect(prospect).toMatchObject({ phone: EMMA, source: "inbound" });
    expect(prospect.consent.state).toBe("never_asked");
    expect(await textsTo(t.client, prospect.id)).toHaveLength(1);
  });

  it("sees this process's channel changes at once and another process's within 5 s", async () => {
    const env = setup();
    const t = await twoWay(env);
    expect(await t.sms(EMMA, "hello")).toBe(200);
    // A new secret set through the API: the old signature is refused on the very next webhook.
    const rotated = await t.client.patch(`/v1/channels/${t.channel.id}`, {
      credentials: { secret: "rotated-0123456789" },
    });
    expect(rotated.status).toBe(200);
    expect(await t.sms(EMMA, "hello again")).toBe(403);
    await t.client.patch(`/v1/channels/${t.channel.id}`, { credentials: { secret: SECRET } });
    expect(await t.sms(EMMA, "back")).toBe(200);
    // Archived by another process (a second Worker isolate): this one still knows the channel
    // for a few seconds, then answers 404 like for any unknown channel.
    env.db.sqlite.prepare("update channels set archived_at = 1 where id = ?").run(t.channel.id);
    expect(await t.sms(EMMA, "still cached")).toBe(200);
    env.clock.advance(5_000);
    expect(await t.sms(EMMA, "gone")).toBe(404);
    // Archived through the API in this process: at once.
    const env2 = setup();
    const t2 = await twoWay(env2);
    await t2.client.post("/v1/channels", {
      name: "Other",
      provider: "simulator",
      config: { from: SERVICE },
      credentials: { secret: SECRET },
      default: true,
    });
    expect(await t2.sms(EMMA, "hi")).toBe(200);
    expect((await t2.client.delete(`/v1/channels/${t2.channel.id}`)).status).toBe(204);
    expect(await t2.sms(EMMA, "after archive")).toBe(404);
  });

  it("refuses a body over 64 KB with 413, whether its size is declared or streamed, storing nothing", async () => {
    const env = setup();
    const t = await twoWay(env);
    const post = (body: string, headers: Record<string, string> = {}) =>
      env.app.request(`/webhooks/simulator/${t.channel.id}/inbound`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    const big = JSON.stringify({ id: "SM-big", from: EMMA, to: SERVICE, text: "x".repeat(70_000) });
    // Declared: refused from the header, before the body is read.
    const declared = await post("{}", { "content-length": String(big.length) });
    expect(declared.status).toBe(413);
    expect((await declared.json()).error.code).toBe("payload_too_large");
    // Not declared (chunked): counted as it streams.
    expect((await post(big)).status).toBe(413);
    expect(env.db.sqlite.prepare("select count(*) as n from inbound_messages").get()).toEqual({ n: 0 });
    // A declared size within the limit goes on to the signature check.
    const small = JSON.stringify({ id: "SM-2", from: EMMA, to: SERVICE, text: "HELP" });
    expect((await post(small, { "content-length": String(small.length) })).status).toBe(403);
  });

  it("names a bad provider or channel in the path (422, with the request id), and an unknown path is a 404", async () => {
    const env = setup();
    const t = await twoWay(env);
    const post = (path: string) =>
      env.app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    const provider = await post(`/webhooks/nexmo/${t.channel.id}/inbound`);
    expect(provider.status).toBe(422);
    const err = (await provider.json()).error;
    expect(err.code).toBe("validation_failed");
    expect(err.details.map((d: { path: string }) => d.path)).toEqual(["path.provider"]);
    expect(err.requestId).toBe(provider.headers.get("x-request-id"));
    const long = await post(`/webhooks/simulator/${"c".repeat(65)}/status`);
    expect(long.status).toBe(422);
    expect((await long.json()).error.details.map((d: { path: string }) => d.path)).toEqual(["path.channelId"]);
    // A channel of no workspace, and a path that is no webhook: 404, in the usual shape.
    expect((await post("/webhooks/simulator/chn_nope/inbound")).status).toBe(404);
    const other = await post(`/webhooks/simulator/${t.channel.id}/delivered`);
    expect(other.status).toBe(404);
    expect((await other.json()).error.code).toBe("not_found");
    expect(env.db.sqlite.prepare("select count(*) as n from inbound_messages").get()).toEqual({ n: 0 });
  });

  it("checks a Twilio signature over the public URL the provider called, behind a proxy", async () => {
    const env = setup();
    env.deps.config.publicUrl = "https://sms.gym.example/";
    const t = await twoWay(env);
    const token = "twilio-auth-token-0123456789";
    const ch = await t.client.post("/v1/channels", {
      name: "Twilio",
      provider: "twilio",
      config: { account_sid: "AC0123456789", from: "+15005550006" },
      credentials: { auth_token: token },
    });
    expect(ch.status).toBe(201);
    const path = `/webhooks/twilio/${ch.body.id}/inbound?v=1`;
    const fields = { MessageSid: "SM-tw-1", From: EMMA, To: "+15005550006", Body: "HELP" };
    const post = async (signedUrl: string) =>
      env.app.request(`http://127.0.0.1:3000${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": await twilioSignature(token, signedUrl, fields),
        },
        body: new URLSearchParams(fields).toString(),
      });
    // Signed over the address this process sees: not what Twilio called.
    expect((await post(`http://127.0.0.1:3000${path}`)).status).toBe(403);
    const ok = await post(`https://sms.gym.example${path}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toContain("text/xml");
    expect(env.db.sqlite.prepare("select provider_message_id, body from inbound_messages").all()).toEqual([
      { provider_message_id: "SM-tw-1", body: "HELP" },
    ]);
    // Signed, but with no sender: 400 (a 5xx Twilio retries), kept for inspection, nothing stored.
    const noFrom = { MessageSid: "SM-tw-2", Body: "HELP" };
    const bad = await env.app.request(`http://127.0.0.1:3000${path}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": await twilioSignature(token, `https://sms.gym.example${path}`, noFrom),
      },
      body: new URLSearchParams(noFrom).toString(),
    });
    expect(bad.status).toBe(400);
    expect((await t.client.get(`/v1/channels/${ch.body.id}/rejected-webhooks`)).body.data).toMatchObject([
      { kind: "inbound", body: "MessageSid=SM-tw-2&Body=HELP" },
    ]);
    expect(env.db.sqlite.prepare("select count(*) as n from inbound_messages").get()).toEqual({ n: 1 });
  });

  it("a message claimed by a pipeline that died is handled after its lease, once", async () => {
    const env = setup();
    const t = await twoWay(env);
    await customer(t.client, { phone: EMMA });
    await t.sms(EMMA, "HELP");
    // A pipeline claimed it and died before writing anything.
    env.db.sqlite
      .prepare("update inbound_messages set lease_until = ?, attempts = 1")
      .run(env.clock.now().getTime() + 60_000);
    expect((await settle(env)).processed).toBe(0);
    env.clock.advance(61_000);
    expect((await settle(env)).processed).toBe(1);
    expect((await settle(env)).processed).toBe(0);
    expect(env.db.sqlite.prepare("select count(*) as n from messages where is_reply = 1").get()).toEqual({ n: 1 });
  });

  it("works through a backlog batch by batch: each batch's replies are handed on, timers run between", async () => {
    const env = setup();
    const t = await twoWay(env);
    for (let i = 0; i < 5; i++) expect(await t.sms(`+861390013901${i}`, "HELP")).toBe(200);
    const kicks: number[] = [];
    let claims = 0;
    let timer = false;
    setTimeout(() => {
      timer = true;
    }, 0);
    const firedBefore: boolean[] = [];
    const deps = {
      ...env.deps,
      library: libraryOf(env.deps),
      onMessageDue: () => kicks.push(claims),
      intake: async () => {
        firedBefore.push(timer);
        claims++;
      },
    };
    const stats = await processInbound(deps, { batch: 2 });
    expect(stats).toMatchObject({ processed: 5, replies: 5 });
    // Kicked after the first and second batches of two, then after the last one, at the end.
    expect(kicks).toEqual([1, 2, 3]);
    // The timer set before the run fired during it, not after.
    expect(firedBefore).toEqual([false, true, true]);
  });

  it("stops between batches when the jobs stop, leaving the rest waiting, unclaimed", async () => {
    const env = setup();
    const t = await twoWay(env);
    for (let i = 0; i < 5; i++) expect(await t.sms(`+861390013900${i}`, `question ${i}`)).toBe(200);
    const stopping = new AbortController();
    let batches = 0;
    const deps = { ...env.deps, library: libraryOf(env.deps), signal: stopping.signal };
    // The runtime stops while the first batch is handled: no second batch is claimed.
    const intake = async () => {
      if (++batches === 2) stopping.abort();
    };
    expect((await processInbound({ ...deps, intake }, { batch: 2 })).processed).toBe(2);
    const left = env.db.sqlite
      .prepare("select count(*) as n from inbound_messages where status = 'received' and lease_until is null")
      .get();
    expect(left).toEqual({ n: 3 });
    // The next run (after a restart) handles the rest.
    expect((await processInbound({ ...deps, signal: undefined }, { batch: 2 })).processed).toBe(3);
  });
});

describe("staff commands", () => {
  async function gym(env: ReturnType<typeof setup>) {
    const t = await twoWay(env);
    const staff = await t.client.post("/v1/staff", { name: "Manager Wang", phone: "+8613700137000" });
    const yoga = await t.client.post("/v1/groups", { name: "Yoga", kind: "static", code: "01" });
    expect(yoga.status).toBe(201);
    return { ...t, staff: staff.body, yoga: yoga.body };
  }

  it("101 adds numbers to a group (prefix or extension), lists invalid ones by position, never echoes numbers", async () => {
    const env = setup();
    const t = await gym(env);
    const known = await customer(t.client, { phone: "+8613800000001" });
    await t.client.post(`/v1/groups/${t.yoga.id}/members`, { customer_ids: [known.id] });
    await t.sms("+8613700137000", "101 01 13800000001 13800000002 12345 138-0000-0003 abc");
    await settle(env);
    const replies = await textsTo(t.client, t.staff.id);
    expect(replies).toEqual(["群组 01（Yoga）：新增 2 个，已在群组 1 个，无效号码：第 3、5 个。"]);
    expect(replies[0]).not.toMatch(/1380000/);
    const members = (await t.client.get(`/v1/customers?group=${t.yoga.id}&limit=100`)).body.data;
    expect(members.map((m: any) => m.phone).sort()).toEqual(["+8613800000001", "+8613800000002", "+8613800000003"]);
    const added = members.find((m: any) => m.phone === "+8613800000002");
    expect(added).toMatchObject({ source: "staff", consent: { state: "subscribed" } });
    // The destination extension form: service number + 101 + group.
    await t.sms("+8613700137000", "13800000004", { to: `${SERVICE}10101` });
    await settle(env);
    expect((await textsTo(t.client, t.staff.id))[1]).toBe("群组 01（Yoga）：新增 1 个。");
    expect(await lastInbound(t.client)).toMatchObject({ step: "staff", outcome: "success" });
  });

  it("102 broadcasts through the campaign path: only subscribed members of the group, with counts in the reply", async () => {
    const env = setup();
    const t = await gym(env);
    const ids = [];
    for (const [phone, state] of [
      ["+8613800000001", "subscribed"],
      ["+8613800000002", "subscribed"],
      ["+8613800000003", "unsubscribed"],
      ["+8613800000004", "never_asked"],
    ]) {
      ids.push((await customer(t.client, { phone, consent: { state } })).id);
    }
    const outsider = await customer(t.client, { phone: "+8613800000009" });
    await t.client.post(`/v1/groups/${t.yoga.id}/members`, { customer_ids: ids });
    // Full-width digits, and an opt-out word inside the text: still a command, not an opt-out.
    await t.sms("+8613700137000", "１０２ ０１ Class moved to 7pm, stop by the desk");
    await settle(env);
    const reply = (await textsTo(t.client, t.staff.id))[0];
    expect(reply).toContain("已安排发送给群组 01（Yoga）的 2 位订阅客户");
    expect(reply).toContain("2 位未订阅不发送");
    expect(reply).toContain("内容：“Class moved to 7pm, …”");
    expect(reply).toContain("约 0.2 CNY");
    const campaign = (await lastInbound(t.client)).detail.campaign_id;
    await runPlan(env.deps);
    await settle(env);
    const stats = (await t.client.get(`/v1/campaigns/${campaign}/stats`)).body;
    expect(stats.by_status).toEqual({ delivered: 2, skipped: 2 });
    expect(stats.by_reason).toEqual({ opted_out: 1, no_consent: 1 });
    expect(await textsTo(t.client, ids[0] as string)).toEqual([
      "【Test Gym】Class moved to 7pm, stop by the desk 拒收请回复R",
    ]);
    expect(await textsTo(t.client, outsider.id)).toEqual([]);
    // The same webhook again (a provider retry) does not broadcast twice.
    const count = env.db.sqlite.prepare("select count(*) as n from campaigns").get();
    await t.sms("+8613700137000", "102 01 Class moved to 7pm", {
      id: (await lastInbound(t.client)).provider_message_id,
    });
    await settle(env);
    expect(env.db.sqlite.prepare("select count(*) as n from campaigns").get()).toEqual(count);
  });

  it("102 alone reaches every subscribed customer; a missing group is an error, not a broadcast", async () => {
    const env = setup();
    const t = await gym(env);
    await customer(t.client, { phone: "+8613800000001" });
    await customer(t.client, { phone: "+8613800000002", consent: { state: "unsubscribed" } });
    await t.sms("+8613700137000", "102 10 percent off today");
    await settle(env);
    expect((await textsTo(t.client, t.staff.id))[0]).toMatch(/^没有编号为 10 的群组。/);
    expect(env.db.sqlite.prepare("select count(*) as n from campaigns").get()).toEqual({ n: 0 });
    await t.sms("+8613700137000", "Happy new year!", { to: `${SERVICE}102` });
    await settle(env);
    expect((await textsTo(t.client, t.staff.id))[1]).toContain("已安排发送给全部客户的 1 位订阅客户");
  });

  it("a number a staff member just added, texting in the same run, is that profile (no duplicate prospect)", async () => {
    const env = setup();
    const t = await gym(env);
    await t.sms("+8613700137000", "101 01 13800000007");
    await t.sms("+8613800000007", "退订");
    await settle(env);
    const found = (await t.client.get("/v1/customers?q=13800000007")).body.data;
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ source: "staff", consent: { state: "unsubscribed" } });
    expect((await t.client.get("/v1/inbound")).body.data.map((l: any) => l.step)).toEqual(["opt_out", "staff"]);
  });

  it("a non-staff sender gets no staff powers", async () => {
    const env = setup();
    const t = await gym(env);
    await customer(t.client, { phone: EMMA });
    await t.sms(EMMA, "102 01 free drinks for everyone");
    await t.sms(EMMA, "13800000002", { to: `${SERVICE}10101` });
    await settle(env);
    expect(env.db.sqlite.prepare("select count(*) as n from campaigns").get()).toEqual({ n: 0 });
    expect((await t.client.get(`/v1/groups/${t.yoga.id}`)).body.member_count).toBe(0);
    const log = (await t.client.get("/v1/inbound")).body.data;
    expect(log.map((l: any) => l.step)).toEqual(["inbox", "inbox"]);
  });
});
