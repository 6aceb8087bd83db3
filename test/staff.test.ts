import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { client, tenant } from "./harness";

describe("staff and owners", () => {
  it("adds staff with normalised, unique phones; only admins may change them", async () => {
    const env = await setup();
    const t = await tenant(env);
    const res = await t.client.post("/v1/staff", { name: "陈经理", phone: "137 0013 7000", email: "chen@gym.example" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: "陈经理", phone: "+8613700137000", email: "chen@gym.example" });
    const dup = await t.client.post("/v1/staff", { name: "Other", phone: "+86 137 0013 7000" });
    expect(dup.status).toBe(409);
    const bad = await t.client.post("/v1/staff", { name: "X", phone: "12", email: "not-an-email" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: any) => d.path)).toEqual(["body.email"]);
    const badPhone = await t.client.post("/v1/staff", { name: "X", phone: "12" });
    expect(badPhone.body.error.details[0]).toMatchObject({ path: "phone" });

    const writer = (await t.client.post("/v1/api-keys", { name: "w", scope: "write" })).body.key;
    const w = client(env, writer);
    expect((await w.post("/v1/staff", { name: "Sneaky" })).status).toBe(403);
    expect((await w.get("/v1/staff")).body.data).toHaveLength(1);
  });

  it("a customer's owner must be a staff member; removing the staff member clears the owner", async () => {
    const env = await setup();
    const t = await tenant(env);
    const s = await t.client.post("/v1/staff", { name: "Coach Li" });
    const c = await t.client.post("/v1/customers", { phone: "13800138000", owner_id: s.body.id });
    expect(c.body.owner_id).toBe(s.body.id);
    const renamed = await t.client.patch(`/v1/staff/${s.body.id}`, { name: "Coach Li Wei" });
    expect(renamed.body.name).toBe("Coach Li Wei");
    expect((await t.client.delete(`/v1/staff/${s.body.id}`)).status).toBe(204);
    expect((await t.client.get(`/v1/customers/${c.body.id}`)).body.owner_id).toBeNull();
    expect((await t.client.get(`/v1/staff/${s.body.id}`)).status).toBe(404);
  });

  it("refuses a CSV larger than the import limit with 413, storing nothing", async () => {
    const env = await setup();
    env.deps.config.maxImportBytes = 4096;
    const t = await tenant(env);
    const rows = ["phone,name"];
    for (let i = 0; i < 400; i++) rows.push(`1380013${8000 + i},Member ${i}`);
    const res = await t.client.post("/v1/customers/import", rows.join("\n"), { "content-type": "text/csv" });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("payload_too_large");
    expect((await t.client.get("/v1/customers")).body.data).toEqual([]);
  });

  it("stops a chunked CSV upload (no Content-Length) at the limit without buffering it", async () => {
    const env = await setup();
    env.deps.config.maxImportBytes = 4096;
    const t = await tenant(env);
    const chunk = new TextEncoder().encode("13800138000,Member\n".repeat(100));
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        if (pulled === 1) c.enqueue(new TextEncoder().encode("phone,name\n"));
        else if (pulled < 1000) c.enqueue(chunk);
        else c.close();
      },
    });
    const res = await env.app.request("/v1/customers/import", {
      method: "POST",
      headers: { authorization: `Bearer ${t.key}`, "content-type": "text/csv" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    // It stopped reading soon after the limit instead of draining the whole stream.
    expect(pulled).toBeLessThan(20);
  });
});
