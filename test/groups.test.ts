import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { type Client, tenant } from "./harness";

async function names(c: Client, filter: unknown): Promise<string[]> {
  const res = await c.post("/v1/segments/preview", { filter, sample: 100 });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.sample).toHaveLength(Math.min(res.body.count, 100));
  return res.body.sample.map((s: any) => s.name).sort();
}

async function people(c: Client, list: Record<string, unknown>[]) {
  const ids: Record<string, string> = {};
  let n = 0;
  for (const p of list) {
    const res = await c.post("/v1/customers", { phone: `1380013${String(8000 + n++)}`, ...p });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids[p.name as string] = res.body.id;
  }
  return ids;
}

describe("static groups", () => {
  it("gives each static group a two-digit code, unique in the workspace", async () => {
    const env = await setup();
    const t = await tenant(env);
    const a = await t.client.post("/v1/groups", { name: "Morning Yoga" });
    const b = await t.client.post("/v1/groups", { name: "Spin", code: "05" });
    const c = await t.client.post("/v1/groups", { name: "Swim" });
    expect([a.body.code, b.body.code, c.body.code]).toEqual(["01", "05", "02"]);
    const taken = await t.client.post("/v1/groups", { name: "Boxing", code: "05" });
    expect(taken.status).toBe(409);
    const bad = await t.client.post("/v1/groups", { name: "Boxing", code: "5" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe("body.code");
    expect((await t.client.post("/v1/groups", { name: "x", code: "00" })).status).toBe(422);
    expect((await t.client.get("/v1/groups/05")).body.name).toBe("Spin");
    const renamed = await t.client.patch("/v1/groups/05", { name: "Spin Class", code: "06" });
    expect(renamed.body).toMatchObject({ name: "Spin Class", code: "06" });
    expect((await t.client.get("/v1/groups")).body.data.map((g: any) => g.code)).toEqual(["01", "02", "06"]);
  });

  it("adds and removes members in bulk by id, external id or phone, reporting what it could not find", async () => {
    const env = await setup();
    const t = await tenant(env);
    const ids = await people(t.client, [
      { name: "A", external_id: "E-A" },
      { name: "B", external_id: "E-B" },
      { name: "C" },
    ]);
    const g = await t.client.post("/v1/groups", { name: "Yoga" });
    const add = await t.client.post(`/v1/groups/${g.body.code}/members`, {
      customer_ids: [ids.A, "cus_nope"],
      external_ids: ["E-B", "E-Z"],
      phones: ["138 0013 8002", "123"],
    });
    expect(add.status).toBe(200);
    expect(add.body).toEqual({
      added: 3,
      already_members: 0,
      member_count: 3,
      not_found: [
        { ref: "123", reason: "phone is too short" },
        { ref: "cus_nope", reason: "no such customer" },
        { ref: "E-Z", reason: "no customer with this external id" },
      ],
    });
    const again = await t.client.post(`/v1/groups/${g.body.id}/members`, { customer_ids: [ids.A] });
    expect(again.body).toMatchObject({ added: 0, already_members: 1, member_count: 3 });
    const members = await t.client.get(`/v1/customers?group=${g.body.code}`);
    expect(members.body.data.map((c: any) => c.name)).toEqual(["A", "B", "C"]);
    const remove = await t.client.post(`/v1/groups/${g.body.id}/members/remove`, { customer_ids: [ids.B, ids.B] });
    expect(remove.body).toMatchObject({ removed: 1, member_count: 2 });
    expect((await t.client.post(`/v1/groups/${g.body.id}/members`, {})).status).toBe(422);
  });

  it("segments have no manual members; a group a segment uses cannot be deleted", async () => {
    const env = await setup();
    const t = await tenant(env);
    const g = await t.client.post("/v1/groups", { name: "Yoga" });
    const s = await t.client.post("/v1/groups", {
      name: "Yoga VIPs",
      kind: "segment",
      filter: { field: "groups", op: "member_of", value: g.body.code },
    });
    expect(s.status).toBe(201);
    expect(s.body.code).toBeNull();
    expect((await t.client.post(`/v1/groups/${s.body.id}/members`, { customer_ids: ["x"] })).status).toBe(409);
    const del = await t.client.delete(`/v1/groups/${g.body.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.details.segments).toEqual([s.body.id]);
    expect((await t.client.delete(`/v1/groups/${s.body.id}`)).status).toBe(204);
    expect((await t.client.delete(`/v1/groups/${g.body.id}`)).status).toBe(204);
    expect((await t.client.get(`/v1/groups/${g.body.id}`)).status).toBe(404);
  });
});

describe("segments", () => {
  it("combines tiers, tags, consent, groups and attributes with and/or/not", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.put("/v1/attributes/visits", { type: "number" });
    const ids = await people(t.client, [
      { name: "Gold Yogi", tier: "gold", tags: ["yoga"], consent: { state: "subscribed" }, attributes: { visits: 40 } },
      { name: "Diamond", tier: "diamond", consent: { state: "subscribed" }, attributes: { visits: 3 } },
      { name: "Silver Yogi", tier: "silver", tags: ["yoga", "vip"], consent: { state: "unsubscribed" } },
      { name: "No Tier", consent: { state: "subscribed" } },
    ]);
    const g = await t.client.post("/v1/groups", { name: "PT" });
    await t.client.post(`/v1/groups/${g.body.id}/members`, { customer_ids: [ids.Diamond, ids["No Tier"]] });

    const c = t.client;
    expect(await names(c, { field: "tier", op: "in", value: ["gold", "diamond"] })).toEqual(["Diamond", "Gold Yogi"]);
    // not_in counts a missing value as "not in the list".
    expect(await names(c, { field: "tier", op: "not_in", value: ["gold", "diamond"] })).toEqual([
      "No Tier",
      "Silver Yogi",
    ]);
    expect(await names(c, { field: "attributes.visits", op: "in", value: [3, 40] })).toEqual(["Diamond", "Gold Yogi"]);
    expect(await names(c, { field: "attributes.visits", op: "not_in", value: [3] })).toEqual([
      "Gold Yogi",
      "No Tier",
      "Silver Yogi",
    ]);
    // Short lists are written into the SQL, long ones bound as JSON: quotes and both paths.
    expect(await names(c, { field: "name", op: "in", value: ["Diamond", "O'Brien') or 1=1 --"] })).toEqual(["Diamond"]);
    const many = Array.from({ length: 40 }, (_, i) => `nobody ${i}'`).concat("Gold Yogi");
    expect(await names(c, { field: "name", op: "in", value: many })).toEqual(["Gold Yogi"]);
    expect(await names(c, { field: "name", op: "in", value: ["Line\nbreak", "No Tier"] })).toEqual(["No Tier"]);
    expect(await names(c, { field: "tags", op: "has", value: "yoga" })).toEqual(["Gold Yogi", "Silver Yogi"]);
    expect(await names(c, { field: "tags", op: "has_all", value: ["yoga", "vip"] })).toEqual(["Silver Yogi"]);
    expect(await names(c, { field: "tags", op: "has_any", value: ["vip", "none"] })).toEqual(["Silver Yogi"]);
    expect(await names(c, { field: "groups", op: "member_of", value: g.body.code })).toEqual(["Diamond", "No Tier"]);
    expect(await names(c, { field: "attributes.visits", op: "gte", value: 10 })).toEqual(["Gold Yogi"]);
    expect(await names(c, { field: "attributes.visits", op: "not_exists" })).toEqual(["No Tier", "Silver Yogi"]);
    // NOT is two-valued: customers without a tier are "not gold".
    expect(await names(c, { not: { field: "tier", op: "eq", value: "gold" } })).toEqual([
      "Diamond",
      "No Tier",
      "Silver Yogi",
    ]);
    expect(await names(c, { field: "tier", op: "neq", value: "gold" })).toEqual(["Diamond", "No Tier", "Silver Yogi"]);
    expect(
      await names(c, {
        and: [
          { field: "consent", op: "eq", value: "subscribed" },
          {
            or: [
              { field: "tags", op: "has", value: "yoga" },
              { field: "groups", op: "member_of_any", value: [g.body.id] },
            ],
          },
          { not: { field: "tier", op: "eq", value: "diamond" } },
        ],
      }),
    ).toEqual(["Gold Yogi", "No Tier"]);
    expect(await names(c, { field: "name", op: "contains", value: "yogi" })).toEqual(["Gold Yogi", "Silver Yogi"]);
    expect(await names(c, { field: "phone", op: "starts_with", value: "+86138001380" })).toHaveLength(4);
  });

  it("takes relative dates in each customer's own calendar", async () => {
    // 02:00 UTC: already 23 November in Shanghai, still 22 November in New York.
    const env = await setup("2026-11-23T02:00:00Z");
    const t = await tenant(env);
    await people(t.client, [
      { name: "SH today", birthday: "11-23", time_zone: "Asia/Shanghai" },
      { name: "SH yesterday", birthday: "11-22", time_zone: "Asia/Shanghai" },
      { name: "NY today", birthday: "11-22", time_zone: "America/New_York" },
      { name: "NY tomorrow", birthday: "1980-11-23", time_zone: "America/New_York" },
      { name: "SH in a week", birthday: "11-30", time_zone: "Asia/Shanghai" },
      { name: "SH in 8 days", birthday: "12-01", time_zone: "Asia/Shanghai" },
    ]);
    const c = t.client;
    expect(await names(c, { field: "birthday", op: "is_today" })).toEqual(["NY today", "SH today"]);
    expect(await names(c, { field: "birthday", op: "within_next", value: 7 })).toEqual([
      "NY today",
      "NY tomorrow",
      "SH in a week",
      "SH today",
    ]);
    expect(await names(c, { field: "birthday", op: "month_is", value: 12 })).toEqual(["SH in 8 days"]);
  });

  it("finds lunar birthdays by the lunar calendar", async () => {
    // 2026-09-24 is lunar 8/14; Mid-Autumn (8/15) is 2026-09-25.
    const env = await setup("2026-09-24T04:00:00Z");
    const t = await tenant(env);
    await people(t.client, [
      { name: "Lunar 8-15", birthday: { month: 8, day: 15, lunar: true } },
      { name: "Lunar 8-17", birthday: { month: 8, day: 17, lunar: true } },
      { name: "Solar 8-15", birthday: "08-15" },
      { name: "Solar 9-25", birthday: "09-25" },
    ]);
    expect(await names(t.client, { field: "birthday", op: "within_next", value: 1 })).toEqual([
      "Lunar 8-15",
      "Solar 9-25",
    ]);
    expect(await names(t.client, { field: "birthday", op: "is_today" })).toEqual([]);
  });

  it("celebrates 29 February on 28 February in common years", async () => {
    const env = await setup("2027-02-27T04:00:00Z");
    const t = await tenant(env);
    await people(t.client, [{ name: "Leapling", birthday: "2000-02-29" }]);
    expect(await names(t.client, { field: "birthday", op: "within_next", value: 1 })).toEqual(["Leapling"]);
    env.clock.set("2028-02-27T04:00:00Z");
    expect(await names(t.client, { field: "birthday", op: "within_next", value: 1 })).toEqual([]);
    expect(await names(t.client, { field: "birthday", op: "within_next", value: 2 })).toEqual(["Leapling"]);
  });

  it("compares date attributes and instants against today and now", async () => {
    const env = await setup("2026-11-23T04:00:00Z");
    const t = await tenant(env);
    await people(t.client, [
      { name: "31 days", attributes: { last_visit: "2026-10-23", expires: "2026-11-25" } },
      { name: "30 days", attributes: { last_visit: "2026-10-24", expires: "2027-01-01" } },
      { name: "today", attributes: { last_visit: "2026-11-23", expires: "2026-11-20" } },
    ]);
    env.clock.advance(3 * 86_400_000);
    await people(t.client, [{ name: "new", phone: "13900139000" }]);
    const c = t.client;
    env.clock.set("2026-11-23T04:00:00Z");
    expect(await names(c, { field: "attributes.last_visit", op: "older_than", value: 30 })).toEqual(["31 days"]);
    expect(await names(c, { field: "attributes.last_visit", op: "within_last", value: 30 })).toEqual([
      "30 days",
      "today",
    ]);
    expect(await names(c, { field: "attributes.expires", op: "within_next", value: 7 })).toEqual(["31 days"]);
    expect(await names(c, { field: "attributes.expires", op: "before", value: "2026-11-23" })).toEqual(["today"]);
    env.clock.set("2026-11-27T04:00:00Z");
    expect(await names(c, { field: "created_at", op: "within_last", value: 2 })).toEqual(["new"]);
    expect(await names(c, { field: "created_at", op: "older_than", value: 2 })).toEqual([
      "30 days",
      "31 days",
      "today",
    ]);
  });

  it("refuses invalid filters with 422 naming the place and the problem", async () => {
    const env = await setup();
    const t = await tenant(env);
    await t.client.put("/v1/attributes/visits", { type: "number" });
    const cases: [unknown, string, string][] = [
      [{ field: "shoe_size", op: "eq", value: 42 }, "filter.field", "'shoe_size' is not a known field"],
      [{ field: "attributes.unknown", op: "eq", value: 1 }, "filter.field", "'unknown' is not a defined attribute"],
      [{ field: "tier", op: "gt", value: "gold" }, "filter.op", "'gt' does not apply to tier"],
      [{ field: "tier", op: "in", value: ["gold", "platinum"] }, "filter.value[1]", "'platinum' is not one of"],
      [{ field: "attributes.visits", op: "gt", value: "ten" }, "filter.value", "must be a number"],
      [{ field: "birthday", op: "within_next", value: 400 }, "filter.value", "0-366"],
      [{ and: [] }, "filter.and", "must be a list of 1-50 filters"],
      [{ and: [{ field: "tier", op: "eq", value: "gold" }], or: [] }, "filter", "'and' must be the only key"],
      [{ not: "tier" }, "filter.not", "must be an object"],
      [{ field: "tier", op: "eq", value: "gold", extra: 1 }, "filter.extra", "is not a known key"],
      [{ field: "groups", op: "member_of", value: "42" }, "filter.value", "no group '42'"],
      [{ field: "consent", op: "eq", value: "yes" }, "filter.value", "'yes' is not one of"],
      // Names on every object's prototype are no fields (they were a 500).
      [{ field: "__proto__", op: "eq", value: "x" }, "filter.field", "'__proto__' is not a known field"],
      [{ field: "toString", op: "eq", value: "x" }, "filter.field", "'toString' is not a known field"],
    ];
    for (const [filter, path, message] of cases) {
      const res = await t.client.post("/v1/segments/preview", { filter });
      expect(res.status, JSON.stringify(filter)).toBe(422);
      expect(res.body.error.details[0].path, JSON.stringify(filter)).toBe(path);
      expect(res.body.error.details[0].message).toContain(message);
    }
    let deep: unknown = { field: "tier", op: "eq", value: "gold" };
    for (let i = 0; i < 12; i++) deep = { not: deep };
    expect((await t.client.post("/v1/segments/preview", { filter: deep })).body.error.message).toContain("nesting");
    // Thousands of levels (a stack overflow, and a 500, before): refused before anything walks them.
    const abyss = `${'{"and":['.repeat(5000)}{"field":"tier","op":"eq","value":"gold"}${"]}".repeat(5000)}`;
    for (const path of ["/v1/segments/preview", "/v1/groups"]) {
      const body = path === "/v1/groups" ? `{"name":"x","kind":"segment","filter":${abyss}}` : `{"filter":${abyss}}`;
      const res = await t.client.post(path, body, { "content-type": "application/json" });
      expect(res.status, path).toBe(422);
      expect(res.body.error.details[0].message).toBe("nesting is limited to 16 levels");
    }
    const saved = await t.client.post("/v1/groups", {
      name: "x",
      kind: "segment",
      filter: { field: "nope", op: "eq", value: 1 },
    });
    expect(saved.status).toBe(422);
    expect((await t.client.get("/v1/groups")).body.data).toEqual([]);
    expect((await t.client.post("/v1/groups", { name: "x", kind: "segment" })).status).toBe(422);
  });

  it("a segment may use another segment, but not itself", async () => {
    const env = await setup();
    const t = await tenant(env);
    await people(t.client, [
      { name: "Gold", tier: "gold", consent: { state: "subscribed" } },
      { name: "Gold off", tier: "gold", consent: { state: "unsubscribed" } },
    ]);
    const gold = await t.client.post("/v1/groups", {
      name: "Gold",
      kind: "segment",
      code: "10",
      filter: { field: "tier", op: "eq", value: "gold" },
    });
    const reachable = await t.client.post("/v1/groups", {
      name: "Reachable gold",
      kind: "segment",
      filter: {
        and: [
          { field: "groups", op: "member_of", value: "10" },
          { field: "consent", op: "eq", value: "subscribed" },
        ],
      },
    });
    const preview = await t.client.get(`/v1/groups/${reachable.body.id}/preview?sample=5`);
    expect(preview.body.count).toBe(1);
    expect(preview.body.sample.map((s: any) => s.name)).toEqual(["Gold"]);
    const loop = await t.client.patch(`/v1/groups/${gold.body.id}`, {
      filter: { field: "groups", op: "member_of", value: reachable.body.id },
    });
    expect(loop.status).toBe(422);
    expect(loop.body.error.message).toContain("refers to itself");
    expect((await t.client.get(`/v1/customers?group=10`)).body.data.map((c: any) => c.name)).toEqual([
      "Gold",
      "Gold off",
    ]);
  });
});
