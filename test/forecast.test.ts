// The forecast and the dispatcher decide with the same checks (src/delivery/checks.ts): what
// the forecast says about an audience is what the sends then do, reason by reason.
import { describe, expect, it } from "vitest";
import { customers } from "../src/db/schema";
import { RECIPIENT_CHECKS, recipientExclusion, recipientExclusionSql } from "../src/delivery/checks";
import { runDispatch } from "../src/jobs/dispatch";
import { runPlan } from "../src/jobs/plan";
import { type Client, setup, tenant } from "./helpers";

async function person(c: Client, i: number, consent: string) {
  const r = await c.post("/v1/customers", {
    name: `Member ${i}`,
    phone: `+86138001${String(38000 + i)}`,
    locale: "en",
    ...(consent === "never_asked" ? {} : { consent: { state: consent } }),
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

/** Two subscribed, one opted out, one never asked, one subscribed without a number. */
async function mixedAudience() {
  const env = setup("2026-11-23T04:00:00Z");
  const t = await tenant(env, { locale: "en" });
  expect((await t.client.post("/v1/channels", { name: "Sim", provider: "simulator" })).status).toBe(201);
  const ids = [
    await person(t.client, 0, "subscribed"),
    await person(t.client, 1, "subscribed"),
    await person(t.client, 2, "unsubscribed"),
    await person(t.client, 3, "never_asked"),
    await person(t.client, 4, "subscribed"),
  ];
  // A number that stopped parsing (an import of another country's data): kept without one.
  env.db.sqlite.prepare("update customers set phone = null where id = ?").run(ids[4]);
  return { env, t, ids };
}

async function forecastThenSend(template: string, kind: "marketing" | "notification") {
  const { env, t, ids } = await mixedAudience();
  const c = await t.client.post("/v1/campaigns", {
    name: "Offer",
    kind: "broadcast",
    template,
    variables: { offer: "20% off PT", validUntil: "2026-12-15", link: "gym.example/b" },
    send_at: "2026-11-23T06:00:00Z",
    audience: { customers: ids },
  });
  expect(c.status).toBe(201);
  expect(c.body.message_kind).toBe(kind);
  expect((await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {})).status).toBe(200);
  const f = await t.client.get(`/v1/campaigns/${c.body.id}/forecast?days=2`);
  expect(f.status).toBe(200);
  const said = f.body.occurrences[0];
  env.clock.set("2026-11-23T06:00:00Z");
  await runPlan(env.deps);
  await runDispatch(env.deps);
  const sent = (await t.client.get(`/v1/messages?campaign_id=${c.body.id}`)).body.data as any[];
  const done: Record<string, number> = {};
  for (const m of sent) if (m.status === "skipped") done[m.reason] = (done[m.reason] ?? 0) + 1;
  return { said, done, sending: sent.filter((m) => m.status === "delivered").length };
}

describe("forecast and send agree", () => {
  it("excludes the same customers for the same reasons as the dispatcher, for marketing", async () => {
    const { said, done, sending } = await forecastThenSend("member_promotion", "marketing");
    expect(said.excluded).toEqual({ opted_out: 1, no_consent: 1, invalid_number: 1 });
    expect(done).toEqual(said.excluded);
    expect(said.sending).toBe(2);
    expect(sending).toBe(2);
  });

  it("counts a text too long for the channel as the dispatcher will skip it", async () => {
    const { env, t, ids } = await mixedAudience();
    const long = await t.client.post("/v1/templates", {
      key: "long_notice",
      locale: "en",
      kind: "notification",
      source: `Dear {{firstName}}, ${"our opening hours change. ".repeat(70)}`,
    });
    expect(long.status).toBe(201);
    const c = await t.client.post("/v1/campaigns", {
      name: "Notice",
      kind: "broadcast",
      template: "long_notice",
      send_at: "2026-11-23T06:00:00Z",
      audience: { customers: ids },
    });
    expect((await t.client.post(`/v1/campaigns/${c.body.id}/schedule`, {})).status).toBe(200);
    const said = (await t.client.get(`/v1/campaigns/${c.body.id}/forecast?days=2`)).body.occurrences[0];
    // A notification asks no consent: only the missing number, and the length for the rest.
    expect(said.excluded).toEqual({ invalid_number: 1, too_long: 4 });
    expect(said.sending).toBe(0);
    env.clock.set("2026-11-23T06:00:00Z");
    await runPlan(env.deps);
    await runDispatch(env.deps);
    const sent = (await t.client.get(`/v1/messages?campaign_id=${c.body.id}`)).body.data as any[];
    const done: Record<string, number> = {};
    for (const m of sent) done[m.reason] = (done[m.reason] ?? 0) + 1;
    expect(done).toEqual(said.excluded);
  });

  it("holds each recipient check's SQL to its per-customer form", async () => {
    const { env, ids } = await mixedAudience();
    // An empty number, not a missing one: both are no number to send to.
    env.db.sqlite.prepare("update customers set phone = '' where id = ?").run(ids[3]);
    const rows = await env.deps.db.orm.select().from(customers).all();
    expect(rows).toHaveLength(5);
    for (const kind of ["marketing", "notification"]) {
      const bySql = new Map(
        (
          env.db.sqlite.prepare(`select c.id, ${recipientExclusionSql(kind)} as reason from customers c`).all() as {
            id: string;
            reason: string;
          }[]
        ).map((r) => [r.id, r.reason || null]),
      );
      for (const row of rows)
        expect([kind, row.id, bySql.get(row.id)]).toEqual([kind, row.id, recipientExclusion(kind, row)]);
    }
    expect(RECIPIENT_CHECKS.map((r) => r.reason)).toEqual(["opted_out", "no_consent", "invalid_number"]);
  });
});
