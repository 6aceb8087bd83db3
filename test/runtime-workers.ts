// Workers test setup: the file's D1 database (migrations applied by apply-migrations.ts), the
// shipped templates from the Worker's bundle, and a manual clock. Tests on one D1 share it, so
// each works in workspaces of its own.
import { env } from "cloudflare:test";
import type { Deps } from "../src/deps";
import { importSecretKey, newSecretKeyBase64 } from "../src/lib/secretbox";
import { d1Database } from "../src/worker/d1";
import { shippedTemplates as templates } from "../src/worker/templates";
import { type TestEnv, testEnv } from "./harness";

const secretKey = await importSecretKey(newSecretKeyBase64());

export function setup(start = "2026-11-23T04:00:00Z", config: Partial<Deps["config"]> = {}): TestEnv {
  return testEnv(d1Database(env.DB), { start, config, templates, secretKey });
}
