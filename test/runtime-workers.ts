// Workers setup for the shared test files (alias "test-runtime"): the file's D1 database
// (migrations applied by apply-migrations.ts) emptied first, so a test sees only its own rows
// as it does on Node, the shipped templates from the Worker's bundle, and a manual clock.
import { env } from "cloudflare:test";
import type { Deps } from "../src/deps";
import { importSecretKey, newSecretKeyBase64 } from "../src/lib/secretbox";
import { d1Database } from "../src/worker/d1";
import { shippedTemplates as templates } from "../src/worker/templates";
import { type TestEnv, testEnv } from "./harness";

const secretKey = await importSecretKey(newSecretKeyBase64());

export async function setup(start = "2026-11-23T04:00:00Z", config: Partial<Deps["config"]> = {}): Promise<TestEnv> {
  await emptyTables();
  return testEnv(d1Database(env.DB), { start, config, templates, secretKey });
}

/**
 * Deletes every row the app wrote. A job such as the dispatcher works over every workspace, so
 * what an earlier test left due would otherwise be sent, and counted, by the next one.
 */
async function emptyTables() {
  const { results } = await env.DB.prepare(
    `select name from sqlite_master
      where type = 'table' and name <> 'd1_migrations' and name not like 'sqlite!_%' escape '!' and name not like '!_cf!_%' escape '!'`,
  ).all<{ name: string }>();
  await env.DB.batch([
    // Emptied together, so the order of the deletes does not matter to foreign keys.
    env.DB.prepare("pragma defer_foreign_keys = on"),
    ...results.map((r) => env.DB.prepare(`delete from "${r.name}"`)),
  ]);
}
