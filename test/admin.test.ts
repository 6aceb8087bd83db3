// The operator route that creates workspaces where there is no CLI (Workers). Runs on both runtimes.
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { client } from "./harness";

const TOKEN = "operator-token-0123456789abcdef";
const body = {
  name: "North Bank",
  slug: "north-bank",
  default_country: "CN",
  time_zone: "Asia/Shanghai",
  locale: "zh-CN",
  brand_signature: "【North】",
};

describe("POST /admin/tenants", () => {
  it("creates a workspace and a working admin key with the operator token only", async () => {
    const env = await setup(undefined, { adminToken: TOKEN });
    const nobody = client(env, null);
    expect((await nobody.post("/admin/tenants", body)).status).toBe(401);
    expect((await client(env, "wrong-token-0123456789abcdef").post("/admin/tenants", body)).status).toBe(401);
    const operator = client(env, TOKEN);
    const made = await operator.post("/admin/tenants", body);
    expect(made.status).toBe(201);
    expect(made.body.tenant).toMatchObject({ name: "North Bank", slug: "north-bank", time_zone: "Asia/Shanghai" });
    expect(made.body.api_key).toMatch(/^tid_/);
    const me = await client(env, made.body.api_key).get("/v1/tenant");
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(made.body.tenant.id);
    // The same slug again is a conflict; a bad body names the field.
    expect((await operator.post("/admin/tenants", body)).status).toBe(409);
    const bad = await operator.post("/admin/tenants", { ...body, slug: "other", time_zone: "Mars/Base" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toContain("time_zone");
    // A workspace key is not the operator token.
    expect((await client(env, made.body.api_key).post("/admin/tenants", { ...body, slug: "x2" })).status).toBe(401);
  });

  it("does not exist without an operator token configured", async () => {
    const env = await setup();
    expect((await client(env, "anything-at-all-0123456789").post("/admin/tenants", body)).status).toBe(404);
  });
});
