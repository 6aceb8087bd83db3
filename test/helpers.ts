// Node test setup: a fresh in-memory SQLite database per call, with the migrations applied.
import type { Deps } from "../src/deps";
import { importSecretKey, newSecretKeyBase64 } from "../src/lib/secretbox";
import { migrateDatabase, openDatabase } from "../src/node/db";
import { loadDefaultTemplates } from "../src/node/templates";
import { testEnv } from "./harness";

export { type Client, client, tenant } from "./harness";

const templates = loadDefaultTemplates();
const secretKey = await importSecretKey(newSecretKeyBase64());

/** A fresh in-memory database with the migrations applied, and an app over it. */
export function setup(start = "2026-11-23T04:00:00Z", config: Partial<Deps["config"]> = {}) {
  const db = openDatabase(":memory:");
  migrateDatabase(db);
  return testEnv(db, { start, config, templates, secretKey });
}

export type TestEnv = ReturnType<typeof setup>;
