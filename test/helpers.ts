// Node test setup: a fresh in-memory SQLite database per call, with the migrations applied.
import { createApp } from "../src/app";
import { ProviderRegistry } from "../src/delivery/registry";
import { type Deps, defaultAppConfig } from "../src/deps";
import { ManualClock } from "../src/lib/clock";
import { IdGenerator } from "../src/lib/ids";
import { importSecretKey, newSecretKeyBase64 } from "../src/lib/secretbox";
import { migrateDatabase, openDatabase } from "../src/node/db";
import { loadDefaultTemplates } from "../src/node/templates";

export { type Client, client, tenant } from "./harness";

const shipped = loadDefaultTemplates();
const secretKey = await importSecretKey(newSecretKeyBase64());

/** A fresh in-memory database with the migrations applied, and an app over it. */
export function setup(start = "2026-11-23T04:00:00Z", config: Partial<Deps["config"]> = {}) {
  const db = openDatabase(":memory:");
  migrateDatabase(db);
  const clock = new ManualClock(start);
  const ids = new IdGenerator(clock);
  const providers = new ProviderRegistry(secretKey, clock);
  const deps: Deps = {
    db,
    clock,
    ids,
    config: { ...defaultAppConfig, ...config },
    defaultTemplates: shipped,
    secretKey,
    providers,
  };
  const app = createApp(deps);
  return { db, clock, ids, deps, app };
}

export type TestEnv = ReturnType<typeof setup>;
