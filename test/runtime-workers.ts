// Workers test setup: the file's D1 database (migrations applied by apply-migrations.ts), the
// shipped templates from the Worker's bundle, and a manual clock. Tests on one D1 share it, so
// each works in workspaces of its own.
import { env } from "cloudflare:test";
import { createApp } from "../src/app";
import { ProviderRegistry } from "../src/delivery/registry";
import { type Deps, defaultAppConfig } from "../src/deps";
import { ManualClock } from "../src/lib/clock";
import { IdGenerator } from "../src/lib/ids";
import { importSecretKey, newSecretKeyBase64 } from "../src/lib/secretbox";
import { parseTemplateFile } from "../src/templates/library";
import { d1Database } from "../src/worker/d1";
import { SHIPPED_TEMPLATE_FILES } from "../src/worker/templates.gen";
import type { TestEnv } from "./harness";

const shipped = SHIPPED_TEMPLATE_FILES.map(([name, text]) => parseTemplateFile(name, text));
const secretKey = await importSecretKey(newSecretKeyBase64());

export function setup(start = "2026-11-23T04:00:00Z", config: Partial<Deps["config"]> = {}): TestEnv {
  const db = d1Database(env.DB);
  const clock = new ManualClock(start);
  const ids = new IdGenerator(clock);
  const deps: Deps = {
    db,
    clock,
    ids,
    config: { ...defaultAppConfig, ...config },
    defaultTemplates: shipped,
    secretKey,
    providers: new ProviderRegistry(secretKey, clock),
  };
  return { db, clock, ids, deps, app: createApp(deps) };
}
