// Tracked short links, as a gym's member and a bank's systems meet them: a marketing message's
// link becomes the member's own short link (counted exactly in the preview), the redirect sends
// a browser on at once, preview bots, HEAD requests and a carrier's scan are counted apart, and
// a person's first click lands on the timeline, in the campaign's numbers, as a webhook event,
// and as the trigger of a "clicked but did not book" reminder. On both runtimes.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { runClicks } from "../src/jobs/clicks";
import { runDispatch } from "../src/jobs/dispatch";
import { runPlan } from "../src/jobs/plan";
import { CODE_LENGTH, findLinks } from "../src/links/shorten";
import { type Client, type TestEnv, tenant } from "./harness";

const BASE = "https://t.gym.example";
const BROWSER =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
const SHORT = new RegExp(`${BASE.replace(/\./g, "\\.")}/l/([0-9A-Za-z]{${CODE_LENGTH}})`, "g");

async function gym(env: TestEnv) {
  const t = await tenant(env, { locale: "en", brand_signature: "[Demo Gym]" });
  const ch = await t.client.post("/v1/channels", {
    name: "Sim",
    provider: "simulator",
    config: { receipt_delay_ms: 0 },
    default: true,
  });
  expect(ch.status).toBe(201);
  return t;
}

async function member(c: Client, i: number) {
  const r = await c.post("/v1/customers", {
    name: `Member ${i}`,
    phone: `+86138001380${String(10 + i)}`,
    locale: "en",
    consent: { state: "subscribed" },
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

async function follow(env: TestEnv, path: string, init: { method?: string; agent?: string } = {}) {
  return env.app.request(path, {
    method: init.method ?? "GET",
    headers: init.agent === undefined ? { "user-agent": BROWSER } : { "user-agent": init.agent },
  });
}

async function sentTexts(c: Client, campaignId: string) {
  const list = await c.get(`/v1/messages?campaign_id=${campaignId}`);
  return new Map((list.body.data as any[]).map((m) => [m.customer_id as string, m.text as string]));
}

function codesIn(text: string): string[] {
  return [...text.matchAll(SHORT)].map((m) => m[1] as string);
}

describe("short links", () => {
  it("gives each recipient their own short link, counted exactly, and counts people apart from bots", async () => {
    const env = await setup("2026-12-07T02:00:00Z", { publicUrl: BASE });
    const t = await gym(env);
    const ids = [await member(t.client, 1), await member(t.client, 2), await member(t.client, 3)];
    const offer = {
      name: "December offer",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: { offer: "20% off PT", validUntil: "2026-12-31", link: "https://gym.example/book?class=spin&week=49" },
    };

    // The preview counts the short link, not the long URL.
    const preview = await t.client.post("/v1/templates/preview", {
      key: "member_promotion",
      customer_id: ids[0],
      variables: offer.variables,
    });
    expect(preview.status).toBe(200);
    expect(preview.body.links).toEqual({ found: 1, tracked: true });
    expect(preview.body.text).toContain(`${BASE}/l/xxxxxxxxxx`);
    expect(preview.body.text).not.toContain("gym.example/book");

    const c = await t.client.post("/v1/campaigns", offer);
    expect(c.status).toBe(201);
    expect(c.body.track_links).toBeNull();
    const forecast = await t.client.get(`/v1/campaigns/${c.body.id}/forecast`);
    expect(forecast.status).toBe(200);
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    await runPlan(env.deps);
    await runDispatch(env.deps);

    const texts = await sentTexts(t.client, c.body.id);
    const codes = ids.map((id) => codesIn(texts.get(id) as string));
    for (const [i, id] of ids.entries()) {
      const text = texts.get(id) as string;
      expect(text).not.toContain("gym.example/book");
      expect(codes[i]).toHaveLength(1);
      // Exactly as long as the preview's text: segments and cost were exact.
      expect(text.length).toBe((preview.body.text as string).replace("Member 1", `Member ${i + 1}`).length);
    }
    expect(new Set(codes.flat()).size).toBe(3);
    const sent = (await t.client.get(`/v1/messages?campaign_id=${c.body.id}`)).body.data[0];
    expect(sent.segments).toBe(preview.body.segments);
    expect(forecast.body.occurrences[0].segments).toBe(preview.body.segments * 3);

    const [a, b, cc] = codes.map((x) => x[0] as string);
    // A carrier's scanner follows the link within seconds of delivery: not a click.
    const scan = await follow(env, `/l/${a}`);
    expect(scan.status).toBe(302);
    env.clock.advance(60_000);
    // A chat app drawing a preview, and a HEAD request: counted apart, still redirected.
    expect(
      (
        await follow(env, `/l/${a}`, {
          agent: "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        })
      ).status,
    ).toBe(302);
    expect((await follow(env, `/l/${b}`, { method: "HEAD" })).status).toBe(302);
    expect((await follow(env, `/l/${b}`, { agent: "" })).status).toBe(302);
    // The member opens it, twice; another member once.
    const click = await follow(env, `/l/${a}`);
    expect(click.status).toBe(302);
    expect(click.headers.get("location")).toBe("https://gym.example/book?class=spin&week=49");
    expect(click.headers.get("cache-control")).toBe("private, no-store");
    expect(await click.text()).toBe("");
    env.clock.advance(3_600_000);
    await follow(env, `/l/${a}`);
    await follow(env, `/l/${cc}`);
    // Unknown, malformed and guessed codes: a page saying so, nothing stored.
    for (const bad of ["/l/AAAAAAAAAA", "/l/short", `/l/${a}x`, "/l/%00%00"]) {
      const res = await follow(env, bad);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain("此链接无效");
    }

    expect(await runClicks(env.deps)).toEqual({ clicks: 3, apart: 4 });
    expect(await runClicks(env.deps)).toEqual({ clicks: 0, apart: 0 });
    const stats = (await t.client.get(`/v1/campaigns/${c.body.id}/stats`)).body;
    expect(stats.links).toEqual({
      recipients: 3,
      clicked: 2,
      click_rate: 0.6667,
      clicks: 3,
      bot_clicks: 4,
      by_url: [
        {
          url: "https://gym.example/book?class=spin&week=49",
          recipients: 3,
          clicked: 2,
          click_rate: 0.6667,
          clicks: 3,
        },
      ],
    });

    // The first click is on the member's timeline, once, with the link it was.
    const timeline = await t.client.get(`/v1/customers/${ids[0]}/timeline`);
    const clicks = (timeline.body.data as any[]).filter((e) => e.type === "event" && e.data.type === "link.clicked");
    expect(clicks).toHaveLength(1);
    expect(clicks[0].data.properties).toMatchObject({ url: "https://gym.example/book?class=spin&week=49", link: a });
    const none = await t.client.get(`/v1/customers/${ids[1]}/timeline`);
    expect((none.body.data as any[]).some((e) => e.type === "event")).toBe(false);
  });

  it("leaves links as written where tracking is off or has nowhere to point from, and takes a workspace's link domain", async () => {
    const env = await setup("2026-12-07T02:00:00Z", { publicUrl: BASE });
    const t = await gym(env);
    const id = await member(t.client, 1);
    // A notification's link is not tracked by default; a campaign can turn it off for marketing.
    const c = await t.client.post("/v1/campaigns", {
      name: "Untracked",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: { offer: "x", validUntil: "2026-12-31", link: "https://gym.example/a" },
      track_links: false,
    });
    expect(c.body.track_links).toBe(false);
    await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {});
    await runPlan(env.deps);
    await runDispatch(env.deps);
    expect((await sentTexts(t.client, c.body.id)).get(id)).toContain("https://gym.example/a");

    // A workspace's own link domain.
    const set = await t.client.patch("/v1/tenant", { compose: { link_domain: "https://go.gym.cn" } });
    expect(set.status).toBe(200);
    const q = await t.client.post("/v1/templates/preview", {
      source: "Book at https://gym.example/b",
      kind: "marketing",
    });
    expect(q.body.text).toContain("https://go.gym.cn/l/xxxxxxxxxx");
    // Chinese running on after a link: a space keeps it out of the short link phones detect.
    const zh = await t.client.post("/v1/templates/preview", {
      source: "点击https://gym.example/a领取，或见 (https://w.example/Spin_(class)).",
      kind: "marketing",
      locale: "zh-CN",
    });
    expect(zh.body.text).toContain("点击https://go.gym.cn/l/xxxxxxxxxx 领取，或见 (https://go.gym.cn/l/xxxxxxxxxx).");
    expect(
      findLinks("see https://w.example/Spin_(class)). Or https://x.example/q?a=1&b=2, ok").map((l) => l.url),
    ).toEqual(["https://w.example/Spin_(class)", "https://x.example/q?a=1&b=2"]);
    const wrong = await t.client.patch("/v1/tenant", { compose: { link_domain: "https://go.gym.cn/path" } });
    expect(wrong.status).toBe(422);
    expect(JSON.stringify(wrong.body.error.details)).toContain("link_domain");
  });

  it("sends links as written when there is nowhere to point short links from, and the preview says why", async () => {
    const env = await setup("2026-12-07T02:00:00Z");
    const t = await gym(env);
    const id = await member(t.client, 1);
    const p = await t.client.post("/v1/templates/preview", {
      source: "Book at https://gym.example/b",
      kind: "marketing",
    });
    expect(p.body.links).toEqual({ found: 1, tracked: false });
    expect(p.body.warnings.map((w: any) => w.code)).toContain("links_not_tracked");
    const m = await t.client.post("/v1/messages", {
      customer_id: id,
      text: "Book at https://gym.example/b",
      kind: "marketing",
    });
    expect(m.status).toBe(201);
    await runDispatch(env.deps);
    expect((await t.client.get(`/v1/messages/${m.body.id}`)).body.text).toContain("https://gym.example/b");
  });

  it("makes a click an event: clicked but did not book gets a reminder, booking first is a conversion", async () => {
    const env = await setup("2026-12-07T02:00:00Z", { publicUrl: BASE });
    const t = await gym(env);
    const [booker, waverer] = [await member(t.client, 1), await member(t.client, 2)];
    const reminder = await t.client.post("/v1/campaigns", {
      name: "Still thinking?",
      kind: "event",
      template: "member_promotion",
      message_kind: "marketing",
      variables: { offer: "a free class", validUntil: "2026-12-31", link: "https://gym.example/book" },
      event: { type: "link.clicked", delay: { value: 2, unit: "hours" }, cancel_on: ["booking"] },
      // Its own link is not tracked: a reminder's click should not remind again.
      track_links: false,
    });
    expect(reminder.status).toBe(201);
    await t.client.post(`/v1/campaigns/${reminder.body.id}/schedule`, {});
    const offer = await t.client.post("/v1/campaigns", {
      name: "Spin week",
      kind: "broadcast",
      template: "member_promotion",
      audience: { all: true },
      variables: { offer: "spin", validUntil: "2026-12-31", link: "https://gym.example/spin" },
    });
    await t.client.post(`/v1/campaigns/${offer.body.id}/schedule`, {});
    await runPlan(env.deps);
    await runDispatch(env.deps);
    const texts = await sentTexts(t.client, offer.body.id);
    env.clock.advance(5 * 60_000);
    for (const id of [booker, waverer]) await follow(env, `/l/${codesIn(texts.get(id) as string)[0]}`);
    expect(await runClicks(env.deps)).toEqual({ clicks: 2, apart: 0 });

    // Each click planned the reminder two hours on; the booker books within the hour.
    const planned = await t.client.get(`/v1/messages?campaign_id=${reminder.body.id}`);
    expect((planned.body.data as any[]).map((m) => [m.customer_id, m.status]).sort()).toEqual(
      [
        [booker, "planned"],
        [waverer, "planned"],
      ].sort(),
    );
    env.clock.advance(30 * 60_000);
    const booked = await t.client.post("/v1/events", { customer_id: booker, type: "booking", properties: {} });
    expect(booked.body.cancelled).toBe(1);
    env.clock.advance(2 * 3_600_000);
    await runPlan(env.deps);
    await runDispatch(env.deps);
    const after = await t.client.get(`/v1/messages?campaign_id=${reminder.body.id}`);
    const byCustomer = new Map((after.body.data as any[]).map((m) => [m.customer_id, m]));
    expect(byCustomer.get(booker)).toMatchObject({ status: "skipped", reason: "cancelled_by_event" });
    expect(byCustomer.get(waverer).status).toBe("delivered");
    expect(byCustomer.get(waverer).text).toContain("https://gym.example/book");
    // The reminder converted no one (the booker booked before theirs was sent).
    expect((await t.client.get(`/v1/campaigns/${reminder.body.id}/stats`)).body.converted).toBe(0);
  });
});
