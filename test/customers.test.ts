import { eq } from "drizzle-orm";
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { consentEvents, customers } from "../src/db/schema";
import { tenant } from "./harness";

describe("customers", () => {
  it("creates a customer, storing the phone as E.164 parsed with the workspace's country", async () => {
    const env = await setup();
    const t = await tenant(env);
    const res = await t.client.post("/v1/customers", {
      name: "张三",
      phone: "138 0013 8000",
      external_id: "M1001",
      tier: "gold",
      tags: ["vip", "yoga", "vip"],
      birthday: "1990-03-14",
      attributes: { last_visit: "2026-10-01", points: 1200, newsletter: true, card_no: "0042" },
      consent: { state: "subscribed", evidence: "signed membership form" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      phone: "+8613800138000",
      external_id: "M1001",
      locale: "zh-CN",
      time_zone: "Asia/Shanghai",
      tier: "gold",
      tags: ["vip", "yoga"],
      birthday: { year: 1990, month: 3, day: 14, lunar: false },
      attributes: { last_visit: "2026-10-01", points: 1200, newsletter: true, card_no: "0042" },
      consent: { state: "subscribed", source: "api", at: "2026-11-23T04:00:00.000Z" },
      source: "api",
    });
    const attrs = await t.client.get("/v1/attributes");
    expect(Object.fromEntries(attrs.body.data.map((a: any) => [a.key, a.type]))).toEqual({
      card_no: "string",
      last_visit: "date",
      newsletter: "boolean",
      points: "number",
    });
    // A label to show people; re-describing keeps it, null clears it.
    const labelled = await t.client.put("/v1/attributes/last_visit", { type: "date", label: " Last visit " });
    expect(labelled.body).toMatchObject({ key: "last_visit", label: "Last visit" });
    expect((await t.client.put("/v1/attributes/last_visit", { type: "date", description: "d" })).body.label).toBe(
      "Last visit",
    );
    expect((await t.client.put("/v1/attributes/last_visit", { type: "date", label: null })).body.label).toBeNull();
    expect((await t.client.get(`/v1/customers/${res.body.id}`)).body).toEqual(res.body);
  });

  it("rejects an invalid phone with 422 naming the field and why, and stores nothing", async () => {
    const env = await setup();
    const t = await tenant(env);
    for (const [phone, why] of [
      ["12345", "too short"],
      ["+1 202 555 01", "too short"],
      ["call me", "not a phone number"],
      ["1380013800", "not a valid number for CN"],
      // SMS needs a mobile number: a Beijing landline is valid, but not for texts.
      ["010 6552 9988", "is a fixed-line number in CN; SMS needs a mobile number"],
      ["+44 20 7946 0018", "is a fixed-line number in GB"],
    ]) {
      const res = await t.client.post("/v1/customers", { phone });
      expect(res.status, phone).toBe(422);
      expect(res.body.error.details[0].path).toBe("phone");
      expect(res.body.error.details[0].message).toContain(why);
    }
    expect((await t.client.get("/v1/customers")).body.data).toEqual([]);
  });

  it("rejects unknown fields, wrong types and bad values", async () => {
    const env = await setup();
    const t = await tenant(env);
    const cases: [unknown, string][] = [
      [{ phone: "13800138000", favourite_colour: "red" }, "body.favourite_colour"],
      [{ phone: 13800138000 }, "body.phone"],
      [{}, "body.phone"],
      [{ phone: "13800138000", tier: "platinum" }, "tier"],
      [{ phone: "13800138000", time_zone: "Asia/Atlantis" }, "time_zone"],
      [{ phone: "13800138000", birthday: "1990-02-30" }, "birthday"],
      [{ phone: "13800138000", birthday: "14/03/1990" }, "body.birthday"],
      [{ phone: "13800138000", attributes: { "Bad Key": 1 } }, "attributes.Bad Key"],
      [{ phone: "13800138000", owner_id: "stf_nobody" }, "owner_id"],
      [{ phone: "13800138000", consent: { state: "maybe" } }, "body.consent.state"],
    ];
    for (const [body, path] of cases) {
      const res = await t.client.post("/v1/customers", body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code).toBe("validation_failed");
      expect(
        res.body.error.details.map((d: any) => d.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect((await t.client.get("/v1/customers")).body.data).toEqual([]);
  });

  it("keeps attribute types: a value of the wrong type is refused", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.put("/v1/attributes/points", { type: "number" });
    const bad = await t.client.post("/v1/customers", { phone: "13800138000", attributes: { points: "lots" } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0]).toEqual({
      path: "attributes.points",
      message: "must be a number (the attribute is of type number)",
      reason: "attribute_type",
      type: "number",
    });
    const ok = await t.client.post("/v1/customers", { phone: "13800138000", attributes: { points: "15" } });
    expect(ok.body.attributes.points).toBe(15);
    const change = await t.client.put("/v1/attributes/points", { type: "string" });
    expect(change.status).toBe(409);
  });

  it("409 on a duplicate phone or external id, naming the other customer", async () => {
    const env = await setup();
    const t = await tenant(env);
    const a = await t.client.post("/v1/customers", { phone: "13800138000", external_id: "M1" });
    const dupPhone = await t.client.post("/v1/customers", { phone: "+86 138-0013-8000" });
    expect(dupPhone.status).toBe(409);
    expect(dupPhone.body.error.details).toEqual({
      field: "phone",
      customer_id: a.body.id,
      reason: "taken_customer",
      value: "+8613800138000",
    });
    const dupExt = await t.client.post("/v1/customers", { phone: "13900139000", external_id: "M1" });
    expect(dupExt.status).toBe(409);
    expect(dupExt.body.error.details.field).toBe("external_id");
  });

  it("PATCH changes only what is sent; null clears; attributes null removes a key", async () => {
    const env = await setup();
    const t = await tenant(env);
    const a = await t.client.post("/v1/customers", {
      name: "Li Na",
      phone: "13800138000",
      tier: "silver",
      attributes: { points: 5, last_visit: "2026-01-01" },
    });
    env.clock.advance(60_000);
    const res = await t.client.patch(`/v1/customers/${a.body.id}`, {
      tier: "gold",
      name: null,
      attributes: { points: null, last_visit: "2026-11-20T23:30:00Z" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tier: "gold", name: null, phone: "+8613800138000" });
    // A date-time becomes the customer's local date: 23:30 UTC is the next morning in Shanghai.
    expect(res.body.attributes).toEqual({ last_visit: "2026-11-21" });
    expect(res.body.updated_at).toBe("2026-11-23T04:01:00.000Z");
    expect(res.body.created_at).toBe("2026-11-23T04:00:00.000Z");
  });

  it("upserts by external id, else phone; the same body twice changes nothing", async () => {
    const env = await setup();
    const t = await tenant(env);
    const body = { external_id: "C-77", phone: "13800138000", name: "王芳", tier: "gold" };
    const first = await t.client.put("/v1/customers", body);
    expect(first.status).toBe(201);
    expect(first.body.result).toBe("created");
    env.clock.advance(1000);
    const second = await t.client.put("/v1/customers", body);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ result: "unchanged", matched_by: "external_id" });
    expect(second.body.customer.updated_at).toBe(first.body.customer.updated_at);
    const byPhone = await t.client.put("/v1/customers", { phone: "+8613800138000", tier: "diamond" });
    expect(byPhone.body).toMatchObject({ result: "updated", matched_by: "phone" });
    expect(byPhone.body.customer.id).toBe(first.body.customer.id);
    expect((await t.client.get("/v1/customers")).body.data).toHaveLength(1);
    const none = await t.client.put("/v1/customers", { name: "nobody" });
    expect(none.status).toBe(422);
  });

  it("lists with a stable order, cursor pagination and filters", async () => {
    const env = await setup();
    const t = await tenant(env);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await t.client.post("/v1/customers", {
        name: i % 2 ? `Member ${i}` : `会员 ${i}`,
        phone: `1390013${String(9000 + i)}`,
        tier: i % 3 === 0 ? "gold" : "ordinary",
        tags: i % 4 === 0 ? ["vip"] : [],
        consent: { state: i < 6 ? "subscribed" : "unsubscribed" },
      });
      ids.push(r.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await t.client.get(`/v1/customers?limit=5${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((c: any) => c.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);

    const names = async (q: string) => (await t.client.get(`/v1/customers?${q}`)).body.data.map((c: any) => c.name);
    expect(await names("tier=gold")).toEqual(["会员 0", "Member 3", "会员 6", "Member 9"]);
    expect(await names("tier=gold,ordinary&limit=500")).toHaveLength(12);
    // A tier filter that names no tier is refused, not read as "every tier".
    for (const q of ["tier=%20", "tier=,"]) {
      const r = await t.client.get(`/v1/customers?${q}`);
      expect(r.status).toBe(422);
      expect(r.body.error.details?.[0]?.field ?? JSON.stringify(r.body.error)).toContain("tier");
    }
    expect(await names("tag=vip")).toEqual(["会员 0", "会员 4", "会员 8"]);
    expect(await names("consent=unsubscribed&tier=gold")).toEqual(["会员 6", "Member 9"]);
    expect(await names("q=member%201")).toEqual(["Member 1", "Member 11"]);
    expect(await names("q=00139011")).toEqual(["Member 11"]);
    expect(await names("q=%25")).toEqual([]);
    // A NUL ended SQLite's LIKE pattern early, so it matched everyone: now it is refused.
    for (const q of ["%00", "a%00b", "%1B"]) {
      const res = await t.client.get(`/v1/customers?q=${q}`);
      expect(res.status, q).toBe(422);
      expect(res.body.error.details[0]).toMatchObject({
        path: "query.q",
        message: "must not contain control characters",
      });
    }
    const bad = await t.client.get("/v1/customers?cursor=garbage");
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe("cursor");
    expect((await t.client.get("/v1/customers?limit=0")).status).toBe(422);
    expect((await t.client.get("/v1/customers?sort=age")).body.error.details[0].path).toBe("query.sort");
    expect((await t.client.get("/v1/customers?order=name")).body.error.details[0].path).toBe("query.order");
  });

  it("deleting removes personal data but keeps the consent ledger, and a new profile honours the opt-out", async () => {
    const env = await setup();
    const t = await tenant(env);
    const a = await t.client.post("/v1/customers", {
      name: "Zhao Min",
      phone: "13800138000",
      external_id: "M9",
      tags: ["vip"],
      attributes: { points: 3 },
      consent: { state: "unsubscribed", evidence: "asked at the desk" },
    });
    const g = await t.client.post("/v1/groups", { name: "Yoga" });
    await t.client.post(`/v1/groups/${g.body.id}/members`, { customer_ids: [a.body.id] });
    expect((await t.client.delete(`/v1/customers/${a.body.id}`)).status).toBe(204);
    expect((await t.client.get(`/v1/customers/${a.body.id}`)).status).toBe(404);
    expect((await t.client.patch(`/v1/customers/${a.body.id}`, { name: "x" })).status).toBe(404);
    expect((await t.client.get(`/v1/groups/${g.body.id}`)).body.member_count).toBe(0);

    const [row] = await env.db.orm.select().from(customers).where(eq(customers.id, a.body.id)).all();
    expect(row).toMatchObject({ name: null, phone: null, externalId: null, tags: [], attributes: {} });
    expect(row?.deletedAt).not.toBeNull();
    const ledger = await env.db.orm.select().from(consentEvents).where(eq(consentEvents.customerId, a.body.id)).all();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ state: "unsubscribed", phone: "+8613800138000", evidence: "asked at the desk" });

    const again = await t.client.post("/v1/customers", { name: "Zhao Min", phone: "13800138000", external_id: "M9" });
    expect(again.status).toBe(201);
    expect(again.body.consent.state).toBe("unsubscribed");
  });

  it("an SMS opt-out cannot be undone by the API; only the customer's own opt-in can", async () => {
    const env = await setup();
    const t = await tenant(env);
    const a = await t.client.post("/v1/customers", { phone: "13800138000", consent: { state: "subscribed" } });
    // The two-way issue writes keyword opt-outs; here the row is set as that code will.
    await env.db.orm
      .update(customers)
      .set({ consentState: "unsubscribed", consentSource: "keyword" })
      .where(eq(customers.id, a.body.id));
    const res = await t.client.patch(`/v1/customers/${a.body.id}`, { consent: { state: "subscribed" } });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("consent.state");
    expect((await t.client.get(`/v1/customers/${a.body.id}`)).body.consent.state).toBe("unsubscribed");
  });

  it("the timeline lists creation, consent and group changes in time order", async () => {
    const env = await setup();
    const t = await tenant(env);
    const a = await t.client.post("/v1/customers", {
      phone: "13800138000",
      consent: { state: "subscribed", evidence: "web form" },
    });
    const g = await t.client.post("/v1/groups", { name: "Spin", code: "07" });
    env.clock.advance(60_000);
    await t.client.post(`/v1/groups/07/members`, { customer_ids: [a.body.id] });
    env.clock.advance(60_000);
    await t.client.patch(`/v1/customers/${a.body.id}`, { tier: "gold", consent: { state: "unsubscribed" } });
    env.clock.advance(60_000);
    await t.client.post(`/v1/groups/07/members/remove`, { customer_ids: [a.body.id] });
    const res = await t.client.get(`/v1/customers/${a.body.id}/timeline`);
    expect(res.body.data.map((e: any) => [e.at.slice(11, 16), e.type])).toEqual([
      ["04:00", "customer.created"],
      ["04:00", "consent.changed"],
      ["04:01", "group.joined"],
      ["04:02", "consent.changed"],
      ["04:02", "customer.updated"],
      ["04:03", "group.left"],
    ]);
    expect(res.body.data[2].data).toEqual({ group_id: g.body.id, code: "07", name: "Spin" });
    expect(res.body.data[3].data).toEqual({ state: "unsubscribed", source: "api", evidence: null });
    expect(res.body.data[4].data).toEqual({ fields: ["tier"] });
  });

  it("refuses bodies over the limit with 413 and malformed JSON with 400", async () => {
    const env = await setup();
    env.deps.config.maxJsonBytes = 2048;
    const t = await tenant(env);
    const big = await t.client.post("/v1/customers", { phone: "13800138000", name: "x".repeat(5000) });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("payload_too_large");
    const broken = await t.client.post("/v1/customers", "{ not json", { "content-type": "application/json" });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe("invalid_json");
    const text = await t.client.post("/v1/customers", "phone=1", { "content-type": "text/plain" });
    expect(text.status).toBe(415);
    expect((await t.client.get("/v1/customers")).body.data).toEqual([]);
  });
});
