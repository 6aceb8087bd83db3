// The activation-timing case (a bank's card prompts timed to the card's arrival), generated
// and replayed through the real app on a simulated clock. One bank, two identical workspaces: one prompts on a fixed "day N after
// mailing" rule, the other on the lead-time model's p80 day. Same cardholders, same couriers,
// same deliveries and the same people: someone who would have called an agent on day 4 does so
// in both, unless a prompt that came after their card (and before day 4) got them to reply
// 激活 1234 first. Everything goes through the HTTP API, the jobs and the inbound webhook.

import { createApp } from "../src/app";
import { ProviderRegistry } from "../src/delivery/registry";
import { type Deps, defaultAppConfig } from "../src/deps";
import { runDispatch } from "../src/jobs/dispatch";
import { runInbound } from "../src/jobs/inbound";
import { runLeadTimes } from "../src/jobs/lead-times";
import { runPlan } from "../src/jobs/plan";
import { ManualClock } from "../src/lib/clock";
import { IdGenerator } from "../src/lib/ids";
import { hmacBase64, importSecretKey, newSecretKeyBase64 } from "../src/lib/secretbox";
import { migrateDatabase, openDatabase } from "../src/node/db";
import { loadDefaultTemplates } from "../src/node/templates";
import type { DeliveryReport } from "../src/reports/delivery";
import { createTenant } from "../src/tenants/service";
import { generate, replyAtOf, type Truth } from "./activation-bank";
import { type CampaignExperiment, type HoldoutResult, holdoutResult } from "./activation-holdout";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SECRET = "demo-webhook-secret-0123456789";

/** `holdoutPercent`: cardholders each campaign holds out (never prompted, followed all the same). */
export type DemoOptions = { shipments: number; days: number; ruleDays: number; seed: number; holdoutPercent: number };
export const DEFAULT_DEMO: DemoOptions = { shipments: 20_000, days: 60, ruleDays: 5, seed: 7, holdoutPercent: 20 };

type Arm = {
  name: string;
  key: string;
  channelId: string;
  campaignId: string;
  /** Shipment id per truth index, and back. */
  shipmentOf: Map<number, string>;
  truthOf: Map<string, Truth>;
  activated: Set<number>;
  replied: Set<string>;
};

export type ArmResult = {
  name: string;
  first_prompts_sent: number;
  follow_ups_sent: number;
  prompts_skipped_already_converted: number;
  /** Prompts delivered to someone who had activated before they went: must be none. */
  prompts_after_activation: number;
  fitness: { received_before_send: number; converted_before_send: number; well_timed: number };
  activations: Record<string, number>;
  never_activated: number;
};

type Fitness = {
  timings: { timing: string; received_before_send: number; converted_before_send: number; well_timed: number }[];
  median_days_saved_vs_rule: number | null;
};

export type DemoResult = {
  options: DemoOptions;
  rule: ArmResult;
  model: ArmResult;
  agent_activations_avoided: number;
  sms_activations_gained: number;
  /** The model workspace's holdout: what the prompts caused, estimated and true. */
  holdout: HoldoutResult | null;
  median_days_saved_vs_rule: number | null;
  cells: {
    courier: string;
    region: string;
    samples: number;
    p80: number | null;
    timed_by: string;
    send_day: number | null;
  }[];
  seconds: number;
};

export async function runActivationDemo(
  o: DemoOptions = DEFAULT_DEMO,
  log: (s: string) => void = () => {},
): Promise<DemoResult> {
  const t0 = performance.now();
  // 1 March 2026, 00:00 in Beijing.
  const start = Date.parse("2026-02-28T16:00:00Z");
  const truth = generate(o, start);
  const db = openDatabase(":memory:");
  migrateDatabase(db);
  const clock = new ManualClock(new Date(start).toISOString());
  const ids = new IdGenerator(clock);
  const secretKey = await importSecretKey(newSecretKeyBase64());
  const deps: Deps = {
    db,
    clock,
    ids,
    config: { ...defaultAppConfig },
    defaultTemplates: loadDefaultTemplates(),
    secretKey,
    providers: new ProviderRegistry(secretKey, clock),
  };
  const app = createApp(deps);
  const call = async <T = { id: string }>(
    key: string,
    method: string,
    path: string,
    body?: unknown,
    type = "application/json",
  ): Promise<T> => {
    const res = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": type },
      ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const json = (await res.json()) as T;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  };

  const arm = async (name: string, slug: string, timing: Record<string, unknown>): Promise<Arm> => {
    const { apiKey } = await createTenant(deps, {
      name,
      slug,
      default_country: "CN",
      time_zone: "Asia/Shanghai",
      locale: "zh-CN",
      brand_signature: "【示范银行】",
    });
    const ch = await call(apiKey, "POST", "/v1/channels", {
      name: "SMS",
      provider: "simulator",
      config: { from: "+8610695555" },
      credentials: { secret: SECRET },
      default: true,
    });
    await call(apiKey, "POST", "/v1/keywords", { preset: "card_activation" });
    const csv = [
      "external_id,phone,name,time_zone,consent",
      ...truth.map((t) => `${t.customer},${t.phone},持卡人${t.n},${t.zone},subscribed`),
    ].join("\n");
    await call(apiKey, "POST", "/v1/customers/import", csv, "text/csv");
    const c = await call(apiKey, "POST", "/v1/campaigns", {
      name: `Activation prompt (${name})`,
      kind: "after_delivery",
      template: "card_activation_prompt",
      variables: { activationUrl: "bank.example/activate" },
      after_delivery: { item_kind: "card", ...timing, follow_up: { after_days: 3, max_messages: 2 } },
      // Its goal is the card's activation within 14 days (the after-delivery default).
      ...(o.holdoutPercent > 0 && {
        experiment: { arms: [{ name: "prompted", weight: 1 }], holdout: o.holdoutPercent / 100 },
      }),
    });
    await call(apiKey, "POST", `/v1/campaigns/${c.id}/schedule`, {});
    return {
      name,
      key: apiKey,
      channelId: ch.id,
      campaignId: c.id,
      shipmentOf: new Map(),
      truthOf: new Map(),
      activated: new Set(),
      replied: new Set(),
    };
  };
  const rule = await arm(`fixed rule (day ${o.ruleDays})`, "rule-bank", { fixed_days: o.ruleDays });
  const model = await arm("model (p80)", "model-bank", { quantile: 0.8 });
  const arms = [rule, model];
  log(`${truth.length} shipments over ${o.days} days; two workspaces of ${truth.length} cardholders each`);

  // What happens when, for both workspaces alike; replies are added as prompts arrive.
  type Action =
    | { kind: "ship"; t: Truth }
    | { kind: "feed"; t: Truth }
    | { kind: "own"; t: Truth }
    | { kind: "reply"; t: Truth; arm: Arm };
  const byHour = new Map<number, Action[]>();
  const at = (ms: number, a: Action) => {
    const h = Math.ceil((ms - start) / HOUR);
    const list = byHour.get(h);
    if (list) list.push(a);
    else byHour.set(h, [a]);
  };
  for (const t of truth) {
    at(t.shippedAt, { kind: "ship", t });
    // The courier's feed comes in each evening.
    if (t.feed) at(t.deliveredAt + 4 * HOUR, { kind: "feed", t });
    if (t.own) at(t.own.at, { kind: "own", t });
  }
  const sms = async (a: Arm, from: string, text: string, id: string) => {
    const body = JSON.stringify({ id, from, to: "+8610695555", text });
    const res = await app.request(`/webhooks/simulator/${a.channelId}/inbound`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-simulator-signature": hmacBase64("SHA-256", SECRET, body),
      },
      body,
    });
    if (res.status !== 200) throw new Error(`webhook ${res.status}`);
  };

  const end = o.days + 25;
  let seen = 0;
  for (let h = 1; h <= end * 24; h++) {
    const now = start + h * HOUR;
    clock.set(now);
    const actions = byHour.get(h) ?? [];
    byHour.delete(h);
    const ships = actions.filter((a) => a.kind === "ship").map((a) => a.t);
    if (ships.length > 0) {
      for (const a of arms) {
        const out = await call<{ data: { id: string }[] }>(a.key, "POST", "/v1/shipments", {
          shipments: ships.map((t) => ({
            customer_external_id: t.customer,
            reference: t.last4,
            external_id: `T${t.n}`,
            courier: t.courier,
            region: t.city,
            shipped_at: new Date(t.shippedAt).toISOString(),
            promised_days: o.ruleDays,
          })),
        });
        ships.forEach((t, i) => {
          const id = out.data[i]?.id as string;
          a.shipmentOf.set(t.n, id);
          a.truthOf.set(id, t);
        });
      }
    }
    const feed = actions.filter((a) => a.kind === "feed").map((a) => a.t);
    if (feed.length > 0)
      for (const a of arms)
        await call(a.key, "POST", "/v1/shipments/updates", {
          updates: feed.map((t) => ({ external_id: `T${t.n}`, delivered_at: new Date(t.deliveredAt).toISOString() })),
        });
    for (const act of actions) {
      if (act.kind === "own") {
        for (const a of arms) {
          if (a.activated.has(act.t.n)) continue;
          a.activated.add(act.t.n);
          await call(a.key, "POST", "/v1/events", {
            external_id: act.t.customer,
            type: "card.activated",
            properties: { channel: act.t.own?.channel ?? "agent", last4: act.t.last4 },
            occurred_at: new Date(act.t.own?.at ?? now).toISOString(),
            event_id: `own-${act.t.n}`,
          });
        }
      } else if (act.kind === "reply" && !act.arm.activated.has(act.t.n)) {
        act.arm.activated.add(act.t.n);
        await sms(act.arm, act.t.phone, `激活 ${act.t.last4}`, `r-${act.t.n}`);
      }
    }
    await runPlan(deps);
    await runDispatch(deps);
    await runInbound(deps);
    await runDispatch(deps);
    if (h % 24 === 3) await runLeadTimes(deps);
    // Prompts delivered this hour: does the cardholder answer?
    for (const a of arms) {
      const got = await db.rawAll<{ shipment_id: string; step: number; sent_at: number }>(
        `select t.shipment_id, t.step, m.sent_at from messages m join timing_decisions t on t.tenant_id = m.tenant_id and t.message_id = m.id
         where m.tenant_id = (select tenant_id from campaigns where id = ?) and m.campaign_id = ? and m.status = 'delivered'
           and m.sent_at > ? and m.sent_at <= ?`,
        [a.campaignId, a.campaignId, now - HOUR, now],
      );
      for (const g of got) {
        const t = a.truthOf.get(g.shipment_id) as Truth;
        const key = `${t.n}`;
        if (a.replied.has(key) || a.activated.has(t.n)) continue;
        const replyAt = replyAtOf(t, g.step, g.sent_at);
        if (replyAt === null) continue;
        a.replied.add(key);
        at(replyAt, { kind: "reply", t, arm: a });
      }
    }
    if (h % (24 * 10) === 0) {
      seen = h / 24;
      log(`  day ${seen}: ${model.activated.size} activated (model), ${rule.activated.size} (rule)`);
    }
  }

  const result = async (a: Arm): Promise<ArmResult> => {
    const stats = await call<{ by_reason: Record<string, number> }>(
      a.key,
      "GET",
      `/v1/campaigns/${a.campaignId}/stats`,
    );
    const steps = await db.rawAll<{ step: number; status: string; reason: string | null; n: number }>(
      `select t.step, m.status, m.reason, count(*) as n from timing_decisions t join messages m on m.tenant_id = t.tenant_id and m.id = t.message_id
       where t.campaign_id = ? group by t.step, m.status, m.reason`,
      [a.campaignId],
    );
    const [after] = await db.rawAll<{ n: number }>(
      `select count(*) as n from timing_decisions t join messages m on m.tenant_id = t.tenant_id and m.id = t.message_id
       join shipments s on s.tenant_id = t.tenant_id and s.id = t.shipment_id
       where t.campaign_id = ? and m.sent_at is not null and s.converted_at < m.sent_at`,
      [a.campaignId],
    );
    const sent = (step: number) =>
      steps.filter((s) => s.step === step && s.status === "delivered").reduce((x, s) => x + s.n, 0);
    const fit = await call<Fitness>(
      a.key,
      "GET",
      `/v1/reports/timing-fitness?campaign_id=${a.campaignId}&from=${new Date(start).toISOString()}&to=${new Date(start + o.days * DAY).toISOString()}`,
    );
    const mine = fit.timings.find((x) => x.timing.startsWith("campaign")) as Fitness["timings"][number];
    const mix = await call<{ series: { counts: Record<string, number> }[] }>(
      a.key,
      "GET",
      `/v1/reports/activation-channels?from=${new Date(start).toISOString()}&to=${new Date(start + end * DAY).toISOString()}&bucket=week`,
    );
    const activations: Record<string, number> = {};
    for (const b of mix.series)
      for (const [ch, n] of Object.entries(b.counts)) activations[ch] = (activations[ch] ?? 0) + (n as number);
    return {
      name: a.name,
      first_prompts_sent: sent(1),
      follow_ups_sent: sent(2),
      prompts_skipped_already_converted: stats.by_reason.already_converted ?? 0,
      prompts_after_activation: after?.n ?? 0,
      fitness: {
        received_before_send: mine.received_before_send,
        converted_before_send: mine.converted_before_send,
        well_timed: mine.well_timed,
      },
      activations,
      never_activated: truth.length - a.activated.size,
    };
  };
  const r = await result(rule);
  const m = await result(model);
  const cmp = await call<Fitness>(
    model.key,
    "GET",
    `/v1/reports/timing-fitness?rule_days=${o.ruleDays}&from=${new Date(start).toISOString()}&to=${new Date(start + o.days * DAY).toISOString()}`,
  );
  const report = await call<DeliveryReport>(model.key, "GET", "/v1/reports/delivery");
  const stats = await call<{ experiment: CampaignExperiment | null }>(
    model.key,
    "GET",
    `/v1/campaigns/${model.campaignId}/stats`,
  );
  const holdout = stats.experiment
    ? await holdoutResult(db, model.campaignId, stats.experiment, model.truthOf, start)
    : null;
  db.close();
  return {
    options: o,
    rule: r,
    model: m,
    agent_activations_avoided: (r.activations.agent ?? 0) - (m.activations.agent ?? 0),
    sms_activations_gained: (m.activations.sms ?? 0) - (r.activations.sms ?? 0),
    holdout,
    median_days_saved_vs_rule: cmp.median_days_saved_vs_rule,
    cells: report.cells.map((c) => ({
      courier: c.courier,
      region: c.region,
      samples: c.samples,
      p80: c.quantiles.p80?.days ?? null,
      timed_by: c.timed_by.level,
      send_day: c.timed_by.recommended_send_day,
    })),
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
