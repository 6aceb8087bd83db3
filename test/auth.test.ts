import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { apiKeys } from "../src/db/schema";
import { form } from "./console-helpers";
import { client, tenant } from "./harness";

describe("API keys and scopes", () => {
  it("401 without a key, with a malformed key, and with an unknown key", async () => {
    const env = await setup();
    await tenant(env);
    const none = await client(env, null).get("/v1/customers");
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("unauthorized");
    expect(none.body.error.requestId).toMatch(/[0-9a-f-]{36}/);
    expect((await client(env, "nonsense").get("/v1/customers")).status).toBe(401);
    const forged = `tid_AAAAAAAA_${"B".repeat(32)}`;
    expect((await client(env, forged).get("/v1/customers")).status).toBe(401);
  });

  it("stores keys as SHA-256 hashes with a visible prefix, never the key itself", async () => {
    const env = await setup();
    const t = await tenant(env);
    const rows = await env.db.orm.select().from(apiKeys).all();
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.hash).not.toContain(t.key);
    expect(t.key.startsWith(`${row?.prefix}_`)).toBe(true);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(t.key));
    expect(row?.hash).toBe(Buffer.from(digest).toString("hex"));
    expect(JSON.stringify(rows)).not.toContain(t.key.slice(13));
  });

  it("enforces read < write < admin", async () => {
    const env = await setup();
    const t = await tenant(env);
    const read = await t.client.post("/v1/api-keys", { name: "reporting", scope: "read" });
    expect(read.status).toBe(201);
    expect(read.body.key).toMatch(/^tid_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}$/);
    const write = await t.client.post("/v1/api-keys", { name: "crm sync", scope: "write" });
    const r = client(env, read.body.key);
    const w = client(env, write.body.key);

    expect((await r.get("/v1/customers")).status).toBe(200);
    const denied = await r.post("/v1/customers", { phone: "13800138000" });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain("'write'");
    // The scope is checked before the body: a read key learns nothing from validation errors.
    expect((await r.post("/v1/customers", { bogus: 1 })).status).toBe(403);
    expect((await w.post("/v1/customers", { phone: "13800138000" })).status).toBe(201);
    expect((await w.patch("/v1/tenant", { name: "X" })).status).toBe(403);
    expect((await w.get("/v1/api-keys")).status).toBe(403);
    expect((await t.client.patch("/v1/tenant", { name: "Renamed Gym" })).body.name).toBe("Renamed Gym");
    // A denied write changed nothing.
    expect((await r.get("/v1/customers")).body.data).toHaveLength(1);
  });

  it("lists keys without their text and revokes them at once", async () => {
    const env = await setup();
    const t = await tenant(env);
    const extra = await t.client.post("/v1/api-keys", { name: "temp", scope: "read" });
    const list = await t.client.get("/v1/api-keys");
    expect(list.body.data.map((k: any) => k.name).sort()).toEqual(["first admin key", "temp"]);
    expect(JSON.stringify(list.body)).not.toContain(extra.body.key);
    expect((await client(env, extra.body.key).get("/v1/tenant")).status).toBe(200);
    const revoked = await t.client.delete(`/v1/api-keys/${extra.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).toBe(env.clock.now().toISOString());
    expect((await client(env, extra.body.key).get("/v1/tenant")).status).toBe(401);
  });

  it("rejects bad key input naming the field", async () => {
    const env = await setup();
    const t = await tenant(env);
    const res = await t.client.post("/v1/api-keys", { name: "x", scope: "root" });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("body.scope");
  });
});

describe("console password sign-in under guessing", () => {
  it("locks a member after five wrong passwords for the window, before hashing; a right one clears the count", async () => {
    const env = await setup();
    const t = await tenant(env, { slug: "guess-gym" });
    await t.client.post("/v1/staff", {
      name: "Li",
      email: "li@guess.example",
      role: "operator",
      password: "correct horse battery",
    });
    const attempt = (password: string, email = "li@guess.example") =>
      form(env, "/console/login/password", { workspace: "guess-gym", email, password, next: "/console" });

    // A wrong one, then the right one: the count starts again.
    expect((await attempt("wrong password 0")).status).toBe(401);
    expect((await attempt("correct horse battery")).status).toBe(303);
    for (let i = 1; i <= 5; i++) expect((await attempt(`wrong password ${i}`)).status).toBe(401);
    const locked = await attempt("correct horse battery");
    expect(locked.status).toBe(429);
    expect(locked.headers.get("retry-after")).toBe("900");
    expect(await locked.text()).toContain("Password sign-in is paused for 15 minutes");
    // Refused before the password is looked at: a locked try is not even counted as a failure.
    const failures = async () =>
      (await env.db.rawAll<{ n: number }>("select count(*) as n from console_login_failures", []))[0]?.n;
    expect(await failures()).toBe(5);
    expect((await attempt("anything")).status).toBe(429);
    expect(await failures()).toBe(5);
    // Another member of the workspace is not locked; an unknown workspace costs nothing.
    expect((await attempt("x", "someone@guess.example")).status).toBe(401);
    expect(
      (await form(env, "/console/login/password", { workspace: "no-such", email: "a@b.c", password: "x" })).status,
    ).toBe(401);
    // After the window, the right password works again.
    env.clock.set(env.clock.now().getTime() + 15 * 60_000 + 1000);
    expect((await attempt("correct horse battery")).status).toBe(303);
  }, 60_000);
});
