import { scryptAsync } from "@noble/hashes/scrypt.js";
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { apiKeys } from "../src/db/schema";
import { toBase64 } from "../src/lib/crypto";
import { form, page, sessionCookie, sessionToken } from "./console-helpers";
import { type Client, client, type TestEnv, tenant } from "./harness";

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

/** A cheap scrypt hash in the stored format (the cost travels in the text), to keep tests fast. */
async function cheapHash(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await scryptAsync(password.normalize("NFKC"), salt, { N: 16, r: 8, p: 1, dkLen: 32 });
  return `scrypt$4$8$1$${toBase64(salt)}$${toBase64(hash)}`;
}

async function setHash(env: TestEnv, id: string) {
  const hash = await cheapHash("right password");
  await env.db.batch([{ sql: "update staff set password_hash = ? where id = ?", params: [hash, id] }]);
}

async function staffWithPassword(env: TestEnv, t: { client: Client }, email: string, role = "admin") {
  const made = await t.client.post("/v1/staff", { name: email, email, role });
  await setHash(env, made.body.id);
  return made.body.id as string;
}

describe("console sessions follow their member", () => {
  it("a demotion applies on the next request; a new or removed password ends every session", async () => {
    const env = await setup();
    const t = await tenant(env, { slug: "follow-gym" });
    const id = await staffWithPassword(env, t, "lin@follow.example");
    const signIn = async () => {
      const res = await form(env, "/console/login/password", {
        workspace: "follow-gym",
        email: "lin@follow.example",
        password: "right password",
      });
      expect(res.status).toBe(303);
      const cookie = sessionCookie(res);
      return { cookie, bearer: client(env, sessionToken(cookie)) };
    };
    const first = await signIn();
    const second = await signIn();
    expect((await first.bearer.post("/v1/api-keys", { name: "by session", scope: "admin" })).status).toBe(201);

    // Demoted: the same cookie and token read, but no longer write or administer.
    expect((await t.client.patch(`/v1/staff/${id}`, { role: "viewer" })).status).toBe(200);
    const refused = await first.bearer.post("/v1/api-keys", { name: "after demotion", scope: "admin" });
    expect(refused.status).toBe(403);
    expect((await first.bearer.patch("/v1/tenant", { name: "Taken Over" })).status).toBe(403);
    expect((await first.bearer.get("/v1/customers")).status).toBe(200);
    expect(await (await page(env, "/console", first.cookie)).text()).toContain("<span>Role: Viewer</span>");
    expect((await t.client.get("/v1/tenant")).body.name).toBe("Test Gym");
    // Promoted back: at once too.
    expect((await t.client.patch(`/v1/staff/${id}`, { role: "operator" })).status).toBe(200);
    expect(await (await page(env, "/console", second.cookie)).text()).toContain("<span>Role: Operator</span>");

    // A new password ends both sessions, on the console and the API; the new one signs in.
    await setHash(env, id);
    for (const s of [first, second]) {
      expect((await page(env, "/console", s.cookie)).status).toBe(303);
      expect((await s.bearer.get("/v1/customers")).status).toBe(401);
    }
    const third = await signIn();
    expect((await third.bearer.get("/v1/customers")).status).toBe(200);
    // Console sign-in removed (no password, or no email): the session ends.
    expect((await t.client.patch(`/v1/staff/${id}`, { password: null })).status).toBe(200);
    expect((await third.bearer.get("/v1/customers")).status).toBe(401);
    await setHash(env, id);
    const fourth = await signIn();
    expect((await t.client.patch(`/v1/staff/${id}`, { email: null })).status).toBe(200);
    expect((await fourth.bearer.get("/v1/customers")).status).toBe(401);
  });

  it("a password set through the API ends the member's sessions", async () => {
    const env = await setup();
    const t = await tenant(env, { slug: "reset-gym" });
    const id = await staffWithPassword(env, t, "wu@reset.example");
    const res = await form(env, "/console/login/password", {
      workspace: "reset-gym",
      email: "wu@reset.example",
      password: "right password",
    });
    const cookie = sessionCookie(res);
    expect((await page(env, "/console", cookie)).status).toBe(200);
    expect((await t.client.patch(`/v1/staff/${id}`, { password: "a brand new passphrase" })).status).toBe(200);
    expect((await page(env, "/console", cookie)).status).toBe(303);
  }, 30_000);
});

describe("console password sign-in under a burst of parallel guesses", () => {
  it("evaluates no more guesses than the limits allow, and a refused guess stores nothing", async () => {
    const env = await setup();
    const t = await tenant(env, { slug: "burst-gym" });
    await staffWithPassword(env, t, "target@burst.example");
    // Every guess at once, each with a wrong password: how many were hashed, how many refused.
    const burst = async (workspace: string, emails: string[]) => {
      const all = await Promise.all(
        emails.map((email, i) => form(env, "/console/login/password", { workspace, email, password: `guess ${i}` })),
      );
      const count = (s: number) => all.filter((r) => r.status === s).length;
      return { wrong: count(401), locked: count(429) };
    };
    const failures = async () =>
      (await env.db.rawAll<{ n: number }>("select count(*) as n from console_login_failures", []))[0]?.n;

    // 120 at once against one member: five are hashed and fail, the rest are refused unhashed.
    expect(
      await burst(
        "burst-gym",
        Array.from({ length: 120 }, () => "target@burst.example"),
      ),
    ).toEqual({
      wrong: 5,
      locked: 115,
    });
    expect(await failures()).toBe(5);

    // 100 at once over distinct members of another workspace: thirty in all, then it is paused.
    const u = await tenant(env, { slug: "many-gym" });
    const hash = await cheapHash("right password");
    const emails = Array.from({ length: 100 }, (_, i) => `m${i}@many.example`);
    await env.db.batch(
      emails.map((email, i) => ({
        sql: "insert into staff (id, tenant_id, name, email, role, password_hash, created_at, updated_at) values (?, ?, ?, ?, 'viewer', ?, 0, 0)",
        params: [`stf_many_${i}`, u.tenant.id, email, email, hash],
      })),
    );
    expect(await burst("many-gym", emails)).toEqual({ wrong: 30, locked: 70 });
    expect(await failures()).toBe(35);
    // The first workspace's right password is still refused while its member is locked.
    expect(
      (
        await form(env, "/console/login/password", {
          workspace: "burst-gym",
          email: "target@burst.example",
          password: "right password",
        })
      ).status,
    ).toBe(429);
  });
});
