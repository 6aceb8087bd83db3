import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Ctx } from "../../src/context";
import { ManualClock, systemClock } from "../../src/lib/clock";
import { IdGenerator } from "../../src/lib/ids";
import { startCheckpointer } from "../../src/node/checkpointer";
import { migrateDatabase, openDatabase } from "../../src/node/db";
import { fromBuild } from "../../src/node/threads";
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
  const checkpointer = startCheckpointer(db, systemClock);
  const remove = () => {
    if (db.sqlite.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", remove);
  /** Closes the database and removes its files (a scenario that makes several, one after another). */
  const close = async () => {
    await checkpointer?.stop();
    remove();
  };
  const ids = new IdGenerator(clock);
  const { tenant } = await createTenant(
    { db, clock, ids },
    { name: "Bench Gym", slug: "bench", default_country: "CN", time_zone: "Asia/Shanghai", locale: "zh-CN" },
  );
  const ctx: Ctx = { db, clock, ids, tenantId: tenant.id };
  return { db, clock, ids, ctx, close };
}

export { seededRandom as prng } from "../../src/lib/random";

/** Runs bench/servers/<name>.ts, or its bundle (dist/node/bench-<name>.js) when the bench runs from the build. */
export function startServer(
  name: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; port: number; channel: string }> {
  const script = fromBuild
    ? [fileURLToPath(new URL(`./bench-${name}.js`, import.meta.url))]
    : ["--import", "tsx", fileURLToPath(new URL(`../servers/${name}.ts`, import.meta.url))];
  const child = spawn(process.execPath, script, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /@@READY (\d+) (\S+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), channel: m[2] as string });
    });
    child.on("exit", (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}
