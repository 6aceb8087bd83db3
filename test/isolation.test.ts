import { setup } from "test-runtime";
import { beforeAll, describe, expect, it } from "vitest";
import { type TestEnv, tenant } from "./harness";

// Two workspaces on one database: every resource of A is invisible to B's key (404, never 403),
// and nothing B does touches A's data.
describe("tenant isolation", () => {
  let env: TestEnv;
  let a: Awaited<ReturnType<typeof tenant>>;
  let b: Awaited<ReturnType<typeof tenant>>;
  const A: Record<string, string> = {};

  beforeAll(async () => {
    env = await setup();
    a = await tenant(env, { slug: "gym-a" });
    b = await tenant(env, { slug: "gym-b" });
    A.customer = (
      await a.client.post("/v1/customers", {
        phone: "13800138000",
        external_id: "M1",
        name: "A's member",
        attributes: { secret_score: 9 },
      })
    ).body.id;
    A.group = (await a.client.post("/v1/groups", { name: "A's group", code: "01" })).body.id;
    await a.client.post(`/v1/groups/${A.group}/members`, { customer_ids: [A.customer] });
    A.segment = (
      await a.client.post("/v1/groups", {
        name: "A's segment",
        kind: "segment",
        filter: { field: "tier", op: "exists" },
      })
    ).body.id;
    A.staff = (await a.client.post("/v1/staff", { name: "A's manager", phone: "13700137000" })).body.id;
    A.key = (await a.client.post("/v1/api-keys", { name: "A's reader", scope: "read" })).body.id;
  });

  it("B sees none of A's resources in lists", async () => {
    expect((await b.client.get("/v1/customers")).body.data).toEqual([]);
    expect((await b.client.get("/v1/customers?q=138")).body.data).toEqual([]);
    expect((await b.client.get("/v1/groups")).body.data).toEqual([]);
    expect((await b.client.get("/v1/staff")).body.data).toEqual([]);
    expect((await b.client.get("/v1/attributes")).body.data).toEqual([]);
    expect((await b.client.get("/v1/api-keys")).body.data.map((k: any) => k.name)).toEqual(["first admin key"]);
    expect((await b.client.get("/v1/tenant")).body.slug).toBe("gym-b");
    expect((await b.client.post("/v1/segments/preview", { filter: { field: "phone", op: "exists" } })).body.count).toBe(
      0,
    );
  });

  it("B gets 404 reading, changing or deleting A's resources by id", async () => {
    const attempts: [string, string, unknown?][] = [
      ["GET", `/v1/customers/${A.customer}`],
      ["PATCH", `/v1/customers/${A.customer}`, { name: "hijacked" }],
      ["DELETE", `/v1/customers/${A.customer}`],
      ["GET", `/v1/customers/${A.customer}/timeline`],
      ["GET", `/v1/customers/${A.customer}/groups`],
      ["GET", `/v1/customers?group=${A.group}`],
      ["GET", `/v1/groups/${A.group}`],
      ["GET", "/v1/groups/01"],
      ["PATCH", `/v1/groups/${A.group}`, { name: "hijacked" }],
      ["DELETE", `/v1/groups/${A.segment}`],
      ["GET", `/v1/groups/${A.group}/preview`],
      ["POST", `/v1/groups/${A.group}/members`, { customer_ids: [A.customer] }],
      ["POST", `/v1/groups/${A.group}/members/remove`, { customer_ids: [A.customer] }],
      ["GET", `/v1/staff/${A.staff}`],
      ["PATCH", `/v1/staff/${A.staff}`, { name: "hijacked" }],
      ["DELETE", `/v1/staff/${A.staff}`],
      ["DELETE", `/v1/api-keys/${A.key}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await (b.client as any)[method.toLowerCase()](path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
  });

  it("B's writes that name A's data do not reach it", async () => {
    const own = await b.client.post("/v1/groups", { name: "B's group" });
    // Group codes are per workspace: B's first group is 01 too.
    expect(own.body.code).toBe("01");
    const add = await b.client.post(`/v1/groups/${own.body.id}/members`, {
      customer_ids: [A.customer],
      external_ids: ["M1"],
      phones: ["13800138000"],
    });
    expect(add.body.added).toBe(0);
    expect(add.body.not_found).toHaveLength(3);
    const owner = await b.client.post("/v1/customers", { phone: "13900139000", owner_id: A.staff });
    expect(owner.status).toBe(422);
    const segment = await b.client.post("/v1/segments/preview", {
      filter: { field: "groups", op: "member_of", value: A.group },
    });
    expect(segment.status).toBe(422);
    const attr = await b.client.post("/v1/segments/preview", {
      filter: { field: "attributes.secret_score", op: "gt", value: 1 },
    });
    expect(attr.status).toBe(422);

    // The same phone and external id are separate customers in B.
    const upsert = await b.client.put("/v1/customers", { phone: "13800138000", external_id: "M1", name: "B's member" });
    expect(upsert.body.result).toBe("created");
    const imported = await b.client.post("/v1/customers/import", "phone,external_id,name\n13800138000,M1,B renamed\n", {
      "content-type": "text/csv",
    });
    expect(imported.body).toMatchObject({ updated: 1, created: 0 });

    const mine = await a.client.get(`/v1/customers/${A.customer}`);
    expect(mine.body).toMatchObject({ name: "A's member", phone: "+8613800138000", external_id: "M1" });
    expect((await a.client.get(`/v1/groups/${A.group}`)).body).toMatchObject({ name: "A's group", member_count: 1 });
    expect((await a.client.get(`/v1/staff/${A.staff}`)).body.name).toBe("A's manager");
    expect((await a.client.get("/v1/api-keys")).body.data.every((k: any) => k.revoked_at === null)).toBe(true);
    expect((await b.client.get("/v1/groups/01")).body.name).toBe("B's group");
  });
});
