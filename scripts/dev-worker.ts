// `npm run dev:worker`: the Worker on this machine with wrangler (local D1, no account needed).
// Creates .dev.vars with a secret key and demo seeding the first time, applies the migrations to
// the local D1, then runs `wrangler dev`.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
if (!existsSync(".dev.vars")) {
  writeFileSync(".dev.vars", `TIDINGS_SECRET_KEY=${randomBytes(32).toString("base64")}\nTIDINGS_SEED_DEMO=true\n`);
  console.log("wrote .dev.vars (a local secret key; Demo Gym is seeded on the first request)");
}
const run = (args: string[]) => {
  const r = spawnSync("npx", ["wrangler", ...args], { stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(["d1", "migrations", "apply", "tidings", "--local"]);
run(["dev", ...process.argv.slice(2)]);
