import { applyD1Migrations, env } from "cloudflare:test";

// Each test file gets its own D1 with the migrations applied (wrangler's d1_migrations table).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
