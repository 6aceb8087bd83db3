// Steps 5-7 end to end: open conversations (survey scores, Y/N), tenant keywords with their
// actions and conflicts, card activation, attribution, and the inbox.

import { describe, expect, it } from "vitest";
import { runPlan } from "../src/jobs/plan";
import { setup, tenant } from "./helpers";
import { customer, lastInbound, settle, textsTo, twoWay } from "./two-way";

const EMMA = "+8613800138000";
const LEI = "+8613900139000";
const WEI = "+8613700137001";

describe("open conversations and responses", () => {
  it("records survey scores from replies, with response rate, distribution and top-box share", async () => {
    const env = setup();
    const t = await twoWay(env, { locale: "en" });
    const people = [];
    for (const phone of [EMMA, LEI, WEI])
      people.push(await customer(t.client, { phone, locale: "en", name: "Emma Li" }));
    const c = await t.client.post("/v1/campaigns", {
      name: "Post-visit survey",
      kind: "broadcast",
      template: "post_visit_survey",
      variables: { service: "yoga class" },
      audience: { all: true },
      response: {
        type: "score",
        min: 1,
        max: 5,
        question: "satisfaction",
        valid_for_hours: 48,
        thanks: { template: "survey_thanks" },
      },
    });
    expect(c.status).toBe(201);
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    await runPlan(env.deps);
    await settle(env);
    env.clock.advance(3_600_000);
    await t.sms(EMMA, "5");
    await t.sms(LEI, "４ - good class, a bit crowded");
    await t.sms(WEI, "what time is yoga tomorrow?");
    await settle(env);
    const log = (await t.client.get("/v1/inbound")).body.data.reverse();
    expect(log.map((l: any) => [l.step, l.outcome])).toEqual([
      ["conversation", "answered"],
      ["conversation", "answered"],
      ["inbox", "question"],
    ]);
    // Every reply is linked to the message and campaign it answers.
    expect(log.every((l: any) => l.in_reply_to.campaign_id === c.body.id)).toBe(true);
    // Emma changes her mind: her latest answer counts once.
    await t.sms(EMMA, "5分");
    await settle(env);
    const stats = (await t.client.get(`/v1/campaigns/${c.body.id}/stats`)).body;
    expect(stats.replies).toBe(4);
    expect(stats.responses).toEqual({
      question: "satisfaction",
      type: "score",
      respondents: 2,
      response_rate: 0.6667,
      distribution: { "1": 0, "2": 0, "3": 0, "4": 1, "5": 1 },
      mean: 4.5,
      top_box_share: 0.5,
    });
    expect((await textsTo(t.client, people[0]?.id as string)).at(-1)).toMatch(/Thank you for your feedback/);
    const responses = (await t.client.get(`/v1/responses?customer_id=${people[1]?.id}`)).body.data;
    expect(responses).toMatchObject([{ question: "satisfaction", type: "score", value: 4, campaign_id: c.body.id }]);
    // On the profile's timeline, with what it answered.
    const timeline = (await t.client.get(`/v1/customers/${people[1]?.id}/timeline`)).body.data;
    expect(timeline.find((e: any) => e.type === "inbound")?.data).toMatchObject({
      text: "４ - good class, a bit crowded",
      step: "conversation",
      campaign_id: c.body.id,
    });
    // After the question's 48 hours, a "5" is just a message.
    env.clock.advance(48 * 3_600_000);
    await t.sms(LEI, "5");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ step: "inbox" });
  });

  it("a YES answers an open yes/no question instead of subscribing a never-asked customer", async () => {
    const env = setup();
    const t = await twoWay(env, { locale: "en" });
    const c = await customer(t.client, { phone: EMMA, locale: "en", consent: { state: "never_asked" } });
    const m = await t.client.post("/v1/messages", {
      customer_id: c.id,
      text: "Your appointment is tomorrow at 10. Reply YES to confirm or NO to cancel.",
      kind: "notification",
      expects: { type: "yes_no", question: "appointment_confirmed", valid_for_hours: 24 },
    });
    expect(m.status).toBe(201);
    await settle(env);
    await t.sms(EMMA, "Yes");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({
      step: "conversation",
      in_reply_to: { message_id: m.body.id },
      detail: { answer: "yes" },
    });
    expect((await t.client.get(`/v1/customers/${c.id}`)).body.consent.state).toBe("never_asked");
    // With nothing open, YES is an opt-in word.
    env.clock.advance(25 * 3_600_000);
    await t.sms(EMMA, "YES");
    await settle(env);
    expect((await t.client.get(`/v1/customers/${c.id}`)).body.consent.state).toBe("subscribed");
  });

  it("attributes a reply to the latest message within the window (72 h by default), else to nothing", async () => {
    const env = setup();
    const t = await twoWay(env, { locale: "en" });
    const c = await customer(t.client, { phone: EMMA, locale: "en" });
    const a = await t.client.post("/v1/messages", { customer_id: c.id, text: "First", kind: "notification" });
    await settle(env);
    env.clock.advance(3_600_000);
    const b = await t.client.post("/v1/messages", { customer_id: c.id, text: "Second", kind: "notification" });
    await settle(env);
    await t.sms(EMMA, "thanks!");
    await settle(env);
    expect((await lastInbound(t.client)).in_reply_to.message_id).toBe(b.body.id);
    expect(a.body.id).not.toBe(b.body.id);
    env.clock.advance(73 * 3_600_000);
    await t.sms(EMMA, "thanks again");
    await settle(env);
    expect((await lastInbound(t.client)).in_reply_to).toEqual({ message_id: null, campaign_id: null });
  });
});

describe("keywords", () => {
  it("rejects a keyword that shadows a compliance word or another keyword, naming the conflict", async () => {
    const env = setup();
    const t = await twoWay(env);
    const reply = [{ type: "reply", text: "ok" }];
    for (const [words, match, conflict] of [
      [["TD"], "whole", "opt-out word 'td'"],
      [["ｓｔｏｐ"], "first_word", "opt-out word 'stop'"],
      [["退"], "prefix", "opt-out word '退订'"],
      [["stop yoga"], "whole", "opt-out word 'stop'"],
      [["Help"], "whole", "help word 'help'"],
      [["订阅"], "whole", "opt-in word '订阅'"],
    ] as const) {
      const res = await t.client.post("/v1/keywords", { name: "x", words, match, actions: reply });
      expect(res.status, String(words)).toBe(409);
      expect(res.body.error.message).toContain(conflict);
    }
    const yoga = await t.client.post("/v1/keywords", {
      name: "Yoga",
      words: ["YOGA"],
      match: "first_word",
      actions: reply,
    });
    expect(yoga.status).toBe(201);
    const dup = await t.client.post("/v1/keywords", {
      name: "Yo",
      words: ["ｙｏｇａ"],
      match: "whole",
      actions: reply,
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toBe("The word 'yoga' overlaps 'yoga' of keyword 'Yoga'");
    expect(dup.body.error.details).toMatchObject({ field: "words", keyword_id: yoga.body.id });
    // Field errors are 422s naming the field; nothing was stored by any of them.
    const bad = await t.client.post("/v1/keywords", {
      name: "x",
      words: ["join"],
      actions: [{ type: "add_to_group", group: "99" }],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe("actions.0.group");
    const unknown = await t.client.post("/v1/keywords", { name: "x", words: ["a1"], actions: reply, colour: "red" });
    expect(unknown.status).toBe(422);
    expect((await t.client.get("/v1/keywords")).body.data).toHaveLength(1);
  });

  it("runs actions in order: group, attribute, response, event, reply; prefix works without a space", async () => {
    const env = setup();
    const t = await twoWay(env);
    const group = await t.client.post("/v1/groups", { name: "Yoga", kind: "static", code: "01" });
    const vip = await t.client.post("/v1/groups", { name: "VIP", kind: "static", code: "02" });
    const k = await t.client.post("/v1/keywords", {
      name: "Join yoga",
      words: ["瑜伽", "yoga"],
      match: "prefix",
      argument: { type: "text", max_length: 40 },
      actions: [
        { type: "add_to_group", group: "01" },
        { type: "set_attribute", key: "yoga_level", value: "$argument" },
        { type: "record_response", question: "yoga_level" },
        { type: "record_event", event: "yoga.joined" },
        { type: "reply", text: "欢迎加入瑜伽群！" },
      ],
    });
    expect(k.status).toBe(201);
    const scoped = await t.client.post("/v1/keywords", {
      name: "VIP lounge",
      words: ["LOUNGE"],
      match: "whole",
      groups: [vip.body.id],
      actions: [{ type: "reply", text: "Lounge booked" }],
    });
    expect(scoped.status).toBe(201);
    const c = await customer(t.client, { phone: EMMA });
    await t.sms(EMMA, "瑜伽初级");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({
      step: "keyword",
      outcome: "success",
      keyword_id: k.body.id,
      detail: { argument: "初级" },
    });
    const profile = (await t.client.get(`/v1/customers/${c.id}`)).body;
    expect(profile.attributes.yoga_level).toBe("初级");
    expect((await t.client.get(`/v1/customers?group=${group.body.id}`)).body.data.map((x: any) => x.id)).toEqual([
      c.id,
    ]);
    expect((await t.client.get(`/v1/responses?customer_id=${c.id}`)).body.data[0]).toMatchObject({
      question: "yoga_level",
      value: "初级",
      keyword_id: k.body.id,
    });
    expect((await t.client.get(`/v1/events?customer_id=${c.id}`)).body.data[0]).toMatchObject({
      type: "yoga.joined",
      properties: { channel: "sms", keyword: "瑜伽", argument: "初级" },
    });
    expect(await textsTo(t.client, c.id)).toEqual(["欢迎加入瑜伽群！"]);
    // Scoped to a group: not for Emma (goes to the inbox) until she is in it.
    await t.sms(EMMA, "lounge");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ step: "inbox" });
    await t.client.post(`/v1/groups/${vip.body.id}/members`, { customer_ids: [c.id] });
    await t.sms(EMMA, "lounge");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ step: "keyword", keyword_id: scoped.body.id });
  });

  it("honours the active window, and reports uses, successes, failures and the unmatched rate", async () => {
    const env = setup("2026-11-23T04:00:00Z");
    const t = await twoWay(env);
    const k = await t.client.post("/v1/keywords", {
      name: "Vote",
      words: ["投票", "vote"],
      match: "first_word",
      argument: { type: "choice", options: ["A", "B", "C"], required: true },
      actions: [{ type: "record_response", question: "class_vote" }],
      failure_reply: { text: "回复“投票 A/B/C”参与投票" },
      starts_at: "2026-11-24T00:00:00Z",
      ends_at: "2026-11-26T00:00:00Z",
    });
    expect(k.status).toBe(201);
    await customer(t.client, { phone: EMMA });
    await t.sms(EMMA, "vote A");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ step: "inbox" });
    env.clock.set("2026-11-24T02:00:00Z");
    await t.sms(EMMA, "vote a");
    await t.sms(EMMA, "投票 D");
    await t.sms(EMMA, "VOTE");
    await settle(env);
    env.clock.set("2026-11-25T02:00:00Z");
    await t.sms(EMMA, "投票 B");
    await t.sms(EMMA, "hello there");
    await settle(env);
    const stats = (await t.client.get("/v1/keywords/stats?from=2026-11-23T00:00:00Z&to=2026-11-26T00:00:00Z")).body;
    expect(stats.keywords).toEqual([
      {
        keyword_id: k.body.id,
        name: "Vote",
        uses: 4,
        successes: 2,
        failures: 2,
        periods: [
          { period: "2026-11-24", uses: 3, successes: 1, failures: 2 },
          { period: "2026-11-25", uses: 1, successes: 1, failures: 0 },
        ],
      },
    ]);
    expect(stats.inbound).toBe(6);
    expect(stats.unmatched).toBe(2);
    expect(stats.unmatched_rate).toBeCloseTo(2 / 6, 6);
    const votes = (await t.client.get("/v1/responses?question=class_vote")).body.data.map((r: any) => r.value);
    expect(votes.sort()).toEqual(["A", "B"]);
  });
});

describe("card activation", () => {
  it("ACT 1234 / 激活1234: success records card.activated (channel sms) and triggers the next campaign", async () => {
    const env = setup();
    const t = await twoWay(env);
    await t.client.patch("/v1/tenant", { inbound: { service_phone: "400-820-8888" } });
    const k = await t.client.post("/v1/keywords", { preset: "card_activation" });
    expect(k.status).toBe(201);
    expect(k.body).toMatchObject({ words: ["act", "激活"], match: "prefix", preset: "card_activation" });
    const pin = await t.client.post("/v1/campaigns", {
      name: "PIN guide",
      kind: "event",
      template: "pin_setup_guide",
      event: { type: "card.activated", delay: { value: 1, unit: "hours" } },
      variables: { card: { last4: "4321" }, url: "https://bank.example/pin" },
    });
    expect(pin.status).toBe(201);
    expect((await t.client.post(`/v1/campaigns/${pin.body.id}/schedule`, {})).status).toBe(200);
    const c = await customer(t.client, { phone: EMMA, name: "张伟", attributes: { card_last4: "4321" } });
    await t.sms(EMMA, "激活４３２１");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ step: "keyword", outcome: "success", keyword_id: k.body.id });
    const events = (await t.client.get(`/v1/events?customer_id=${c.id}`)).body.data;
    expect(events).toMatchObject([{ type: "card.activated", properties: { channel: "sms", last4: "4321" } }]);
    expect((await t.client.get(`/v1/customers/${c.id}`)).body.attributes.card_activated_on).toBe("2026-11-23");
    expect(await textsTo(t.client, c.id)).toEqual([
      "张伟您好，您尾号4321的信用卡已成功激活，可立即使用。如非本人操作，请立即致电400-820-8888。",
    ]);
    const planned = (await t.client.get(`/v1/messages?campaign_id=${pin.body.id}`)).body.data;
    expect(planned).toHaveLength(1);
    // The same digits again: already active, no second event.
    await t.sms(EMMA, "ACT 4321");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ outcome: "already" });
    expect((await t.client.get(`/v1/events?customer_id=${c.id}`)).body.data).toHaveLength(1);
  });

  it("wrong digits say how many tries are left; at the limit the customer is handed to a person", async () => {
    const env = setup();
    const t = await twoWay(env, { locale: "en" });
    await t.client.patch("/v1/tenant", { inbound: { service_phone: "400-820-8888", activation_max_failures: 3 } });
    await t.client.post("/v1/keywords", { preset: "card_activation" });
    const c = await customer(t.client, { phone: EMMA, locale: "en", tier: "gold", attributes: { card_last4: "4321" } });
    await t.sms(EMMA, "ACT");
    await t.sms(EMMA, "ACT 1111");
    await t.sms(EMMA, "act 2222");
    await settle(env);
    const texts = await textsTo(t.client, c.id);
    expect(texts[0]).toMatch(/reply ACT followed by the last 4 digits/);
    expect(texts[1]).toMatch(/\(2 tries left\)/);
    expect(texts[2]).toMatch(/\(1 try left\)/);
    await t.sms(EMMA, "ACT 3333");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ outcome: "locked" });
    expect((await textsTo(t.client, c.id))[3]).toMatch(/can't activate this card by SMS.*call 400-820-8888/);
    const profile = (await t.client.get(`/v1/customers/${c.id}`)).body;
    expect(profile.tags).toContain("needs_human");
    expect(profile.attributes.activation_failures).toBe(3);
    const inbox = (await t.client.get("/v1/inbox?category=question")).body.data;
    expect(inbox).toMatchObject([{ flag: "activation_locked", customer: { id: c.id, tier: "gold" } }]);
    // Gold customers are answered within 24 hours.
    expect(Date.parse(inbox[0].due_at) - Date.parse(inbox[0].received_at)).toBe(24 * 3_600_000);
    // Locked: even the right digits do not activate by SMS now.
    await t.sms(EMMA, "ACT 4321");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ outcome: "locked" });
    expect((await t.client.get(`/v1/events?customer_id=${c.id}`)).body.data).toHaveLength(0);
    // Staff reset the count: it works again.
    await t.client.patch(`/v1/customers/${c.id}`, { attributes: { activation_failures: 0 } });
    await t.sms(EMMA, "ACT 4321");
    await settle(env);
    expect(await lastInbound(t.client)).toMatchObject({ outcome: "success" });
  });
});

describe("the inbox", () => {
  it("sorts by category, assigns, replies one by one or per category, groups the senders", async () => {
    const env = setup();
    const t = await twoWay(env, { locale: "en" });
    const ana = await t.client.post("/v1/staff", { name: "Ana" });
    const people = [];
    for (const phone of [EMMA, LEI, WEI]) people.push(await customer(t.client, { phone, locale: "en" }));
    await t.sms(EMMA, "The showers were dirty again, terrible");
    await t.sms(LEI, "投诉：前台态度差");
    await t.sms(WEI, "I suggest a later yoga class on Fridays");
    await t.sms(EMMA, "When does the pool reopen?");
    await t.sms(LEI, "ok thanks");
    await settle(env);
    const all = (await t.client.get("/v1/inbox")).body;
    expect(all.data.map((i: any) => i.category)).toEqual(["complaint", "complaint", "suggestion", "question", "other"]);
    expect(all.counts.complaint).toEqual({ open: 2, done: 0 });
    // Ordinary customers: 72 hours by default.
    expect(Date.parse(all.data[0].due_at) - Date.parse(all.data[0].received_at)).toBe(72 * 3_600_000);
    const first = all.data[0].id;
    const assigned = await t.client.patch(`/v1/inbox/${first}`, { assignee_id: ana.body.id });
    expect(assigned.body.assignee_id).toBe(ana.body.id);
    expect((await t.client.patch(`/v1/inbox/${first}`, { assignee_id: "stf_nope" })).status).toBe(422);
    const one = await t.client.post(`/v1/inbox/${first}/reply`, { reply: { text: "Sorry! Cleaned now." } });
    expect(one.body).toMatchObject({ status: "done" });
    const cat = await t.client.post("/v1/inbox/reply", { category: "complaint", reply: { text: "We're on it." } });
    expect(cat.body).toEqual({ items: 1, replies: 1 });
    await settle(env);
    expect(await textsTo(t.client, people[0]?.id as string)).toEqual(["Sorry! Cleaned now."]);
    expect(await textsTo(t.client, people[1]?.id as string)).toEqual(["We're on it."]);
    // Replies are free: a reply to the customer's own message.
    const priced = env.db.sqlite.prepare("select sum(price_micros) as p from messages where is_reply = 1").get();
    expect(priced).toEqual({ p: 0 });
    expect((await t.client.get("/v1/inbox?status=open")).body.data.map((i: any) => i.category)).toEqual([
      "suggestion",
      "question",
      "other",
    ]);
    const g = await t.client.post("/v1/groups", { name: "Wrote in", kind: "static" });
    const grouped = await t.client.post("/v1/inbox/group", { group: g.body.id });
    expect(grouped.body).toMatchObject({ senders: 3, added: 3 });
    // Another workspace sees none of it.
    const other = await tenant(env);
    expect((await other.client.get(`/v1/inbox/${first}`)).status).toBe(404);
    expect((await other.client.get("/v1/inbox")).body.data).toEqual([]);
    expect((await other.client.get("/v1/inbound")).body.data).toEqual([]);
  });
});
