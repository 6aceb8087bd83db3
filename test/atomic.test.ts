import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { staff } from "../src/db/schema";
import { setup, tenant } from "./helpers";

describe("db.batch (the atomic-write helper) on better-sqlite3", () => {
  it("writes every statement when all succeed", async () => {
    const env = setup();
    const t = await tenant(env);
    await env.db.batch([
      env.db.orm.insert(staff).values({ id: "stf_a", tenantId: t.tenant.id, name: "A", createdAt: 0, updatedAt: 0 }),
      {
        sql: "insert into staff (id, tenant_id, name, created_at, updated_at) values (?, ?, ?, 0, 0)",
        params: ["stf_b", t.tenant.id, "B"],
      },
    ]);
    const rows = await env.db.orm.select().from(staff).where(eq(staff.tenantId, t.tenant.id)).all();
    expect(rows.map((r) => r.name).sort()).toEqual(["A", "B"]);
  });

  it("leaves nothing written when a later statement fails", async () => {
    const env = setup();
    const t = await tenant(env);
    await expect(
      env.db.batch([
        env.db.orm.insert(staff).values({ id: "stf_c", tenantId: t.tenant.id, name: "C", createdAt: 0, updatedAt: 0 }),
        {
          sql: "insert into staff (id, tenant_id, name, created_at, updated_at) values (?, ?, ?, 0, 0)",
          params: ["stf_d", t.tenant.id, "D"],
        },
        // Same primary key again: fails, and must take the two inserts above with it.
        env.db.orm
          .insert(staff)
          .values({ id: "stf_c", tenantId: t.tenant.id, name: "C again", createdAt: 0, updatedAt: 0 }),
      ]),
    ).rejects.toThrow(/UNIQUE constraint failed: staff.id\); nothing was written/);
    const rows = await env.db.orm.select().from(staff).where(eq(staff.tenantId, t.tenant.id)).all();
    expect(rows).toEqual([]);
  });

  it("takes a generator, running each statement as it is made, and still all or nothing", async () => {
    const env = setup();
    const t = await tenant(env);
    const insert = (id: string, name: string) => ({
      sql: "insert into staff (id, tenant_id, name, created_at, updated_at) values (?, ?, ?, 0, 0)",
      params: [id, t.tenant.id, name],
    });
    const made: string[] = [];
    function* three() {
      for (const name of ["E", "F", "G"]) {
        made.push(name);
        yield insert(`stf_${name}`, name);
      }
    }
    await env.db.batch(three());
    expect(made).toEqual(["E", "F", "G"]);
    // A generator that fails after two statements ran leaves nothing of them.
    function* failing() {
      yield insert("stf_h", "H");
      yield insert("stf_i", "I");
      throw new Error("the third statement could not be made");
    }
    await expect(env.db.batch(failing())).rejects.toThrow("the third statement could not be made");
    const rows = await env.db.orm.select().from(staff).where(eq(staff.tenantId, t.tenant.id)).all();
    expect(rows.map((r) => r.name).sort()).toEqual(["E", "F", "G"]);
  });
});
