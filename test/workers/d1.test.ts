// The shared code on workerd and D1: the atomic-write helper, and the app end to end.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ConflictError } from "../../src/lib/errors";
import worker from "../../src/worker";
import { d1Database } from "../../src/worker/d1";

describe("D1", () => {
  it("writes a batch whole or not at all", async () => {
    const db = d1Database(env.DB);
    await db.batch([
      { sql: "insert into tenant_time_zones (tenant_id, time_zone) values (?, ?)", params: ["t1", "Asia/Shanghai"] },
    ]);
    const failing = db.batch([
      { sql: "insert into tenant_time_zones (tenant_id, time_zone) values (?, ?)", params: ["t1", "Europe/Paris"] },
      { sql: "insert into tenant_time_zones (tenant_id, time_zone) values (?, ?)", params: ["t1", "Asia/Shanghai"] },
    ]);
    await expect(failing).rejects.toBeInstanceOf(ConflictError);
    const rows = await db.rawAll<{ time_zone: string }>(
      "select time_zone from tenant_time_zones where tenant_id = ? order by time_zone",
      ["t1"],
    );
    expect(rows.map((r) => r.time_zone)).toEqual(["Asia/Shanghai"]);
  });

  it("reads rows as arrays in the order selected (rawRows)", async () => {
    const db = d1Database(env.DB);
    await db.batch([
      { sql: "insert into tenant_time_zones (tenant_id, time_zone) values (?, ?)", params: ["t3", "Asia/Tokyo"] },
    ]);
    expect(await db.rawRows("select time_zone, tenant_id from tenant_time_zones where tenant_id = ?", ["t3"])).toEqual([
      ["Asia/Tokyo", "t3"],
    ]);
  });

  it("takes a generator of statements, all or nothing as a list", async () => {
    const db = d1Database(env.DB);
    const zone = (tz: string) => ({
      sql: "insert into tenant_time_zones (tenant_id, time_zone) values (?, ?)",
      params: ["t2", tz],
    });
    function* zones(names: string[]) {
      for (const n of names) yield zone(n);
    }
    await db.batch(zones(["Asia/Tokyo", "Europe/Paris"]));
    await expect(db.batch(zones(["Asia/Seoul", "Asia/Tokyo"]))).rejects.toBeInstanceOf(ConflictError);
    const rows = await db.rawAll<{ time_zone: string }>(
      "select time_zone from tenant_time_zones where tenant_id = ? order by time_zone",
      ["t2"],
    );
    expect(rows.map((r) => r.time_zone)).toEqual(["Asia/Tokyo", "Europe/Paris"]);
  });

  it("serves the app, and a missing secret is a clear 500", async () => {
    const res = await worker.fetch(new Request("http://x/v1/customers"), env, createExecutionContext());
    expect(res.status).toBe(401);
    const bad = await worker.fetch(
      new Request("http://x/v1/customers"),
      { ...env, TIDINGS_SECRET_KEY: undefined },
      createExecutionContext(),
    );
    expect(bad.status).toBe(500);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("misconfigured");
    expect(body.error.message).toContain("TIDINGS_SECRET_KEY");
  });
});
