import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
// Test files that run on both runtimes: they import their setup() as "test-runtime". Each file
// costs the workers project a fresh runtime (about 8 s here), so the list holds the files whose
// SQL or platform use differs on D1 and workerd; others (auth, staff, tenant) use "test-runtime"
// too and can join when that matters.
const SHARED = [
  "test/isolation.test.ts",
  "test/customers.test.ts",
  "test/templates.test.ts",
  "test/admin.test.ts",
  "test/messages.test.ts",
  "test/groups.test.ts",
  "test/import.test.ts",
  "test/scheduler.test.ts",
  "test/shipments.test.ts",
  "test/console.test.ts",
  "test/console-pages.test.ts",
  "test/console-refusals.test.ts",
  "test/cloud-sign-vectors.test.ts",
  "test/exports.test.ts",
  "test/links.test.ts",
  "test/experiments.test.ts",
  "test/experiment-campaigns.test.ts",
  "test/control-group.test.ts",
];

// Offline: wrangler must not fetch request.cf data or send metrics.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";
process.env.WRANGLER_SEND_METRICS ??= "false";

// Two projects: the Node runtime (better-sqlite3) and the Workers runtime (workerd, D1), each
// with the same migrations applied to a fresh database per test file.
export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations");
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 30_000,
      // vitest's default on 2 cores is one file at a time; much of the suite waits (child
      // processes, Chromium, workerd starting), so two at a time finish sooner.
      maxWorkers: 2,
      projects: [
        {
          resolve: { alias: { "test-runtime": here("./test/runtime-node.ts") } },
          test: {
            name: "node",
            include: ["test/**/*.test.ts"],
            exclude: ["test/workers/**"],
            testTimeout: 30_000,
            hookTimeout: 30_000,
          },
        },
        {
          plugins: [
            cloudflareTest({
              main: "./src/worker.ts",
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  // A fixed test key (never a real one): 32 bytes of zeros, base64.
                  TIDINGS_SECRET_KEY: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                },
              },
            }),
          ],
          resolve: { alias: { "test-runtime": here("./test/runtime-workers.ts") } },
          test: {
            name: "workers",
            include: ["test/workers/**/*.test.ts", ...SHARED],
            setupFiles: ["./test/workers/apply-migrations.ts"],
            testTimeout: 30_000,
          },
        },
      ],
    },
  };
});
