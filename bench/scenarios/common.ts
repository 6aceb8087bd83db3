import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Ctx } from "../../src/context";
import { ManualClock, systemClock } from "../../src/lib/clock";
import { IdGenerator } from "../../src/lib/ids";
import { startCheckpointer } from "../../src/node/checkpointer";
import { migrateDatabase, openDatabase } from "../../src/node/db";
import { createTenant } from "../../src/tenants/service";

/** A migrated database in a temp file (WAL, checkpointed by a thread, as `npm start` runs it) with one workspace. */
export async function benchWorkspace() {
  const dir = mkdtempSync(join(tmpdir(), "tidings-bench-"));
  // Each scenario runs in its own process; its database (gigabytes for the 1M scenarios) goes
  // with it, or the next scenarios run on a filling disk with its pages still being written out.
  const db = openDatabase(join(dir, "bench.db"));
  migrateDatabase(db);
  const clock = new ManualClock("2026-11-23T04:00:00Z");
  // Checkpoints on their own thread, as `npm start` runs them.
  startCheckpointer(db, systemClock);
  process.once("exit", () => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const ids = new IdGenerator(clock);
  const { tenant } = await createTenant(
    { db, clock, ids },
    { name: "Bench Gym", slug: "bench", default_country: "CN", time_zone: "Asia/Shanghai", locale: "zh-CN" },
  );
  const ctx: Ctx = { db, clock, ids, tenantId: tenant.id };
  return { db, clock, ids, ctx };
}

export { seededRandom as prng } from "../../src/lib/random";
