// The app as `npm start` runs it (jobs on their thread, checkpoints on theirs) on a workspace of
// CUSTOMERS customers and MESSAGES messages written by SQLite itself, for the api_read,
// console_pages and broadcast_e2e benches. Prints `@@READY <port> <api key>`. With
// BENCH_SEND=1 the workspace has the simulator channel and no quiet hours, so that a broadcast
// goes out whenever the bench runs. GET /__bench/delivered?campaign=<id> counts its delivered
// messages and reports the process's peak RSS.

import "../../src/node/heap";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createApp } from "../../src/app";
import { createStarterChannel } from "../../src/channels/service";
import { newSecretKeyBase64 } from "../../src/lib/secretbox";
import { startBackground } from "../../src/node/background";
import { startCheckpointer } from "../../src/node/checkpointer";
import { loadConfig } from "../../src/node/config";
import { nodeDeps } from "../../src/node/runtime";
import { createTenant } from "../../src/tenants/service";
import { fillWorkspace } from "./api-fill";

const SEND = process.env.BENCH_SEND === "1";

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "tidings-api-"));
  const config = loadConfig({
    TIDINGS_DB_PATH: join(dir, "bench.db"),
    TIDINGS_SECRET_KEY: newSecretKeyBase64(),
    TIDINGS_SEED_DEMO: "false",
    TIDINGS_PUBLIC_URL: "https://t.bench.example",
  });
  const deps = await nodeDeps(config);
  const { tenant, apiKey } = await createTenant(deps, {
    name: "Bench Gym",
    slug: "bench",
    default_country: "CN",
    time_zone: "Asia/Shanghai",
    locale: "zh-CN",
    ...(SEND && { quiet_hours: null }),
  });
  if (SEND) await createStarterChannel(deps, tenant.id);
  fillWorkspace(deps.db, tenant.id, deps.clock.now().getTime());
  const checkpointer = startCheckpointer(deps.db, deps.clock);
  const background = startBackground(config, deps);
  deps.onMessageDue = () => background.kick("dispatch");
  deps.onPlanDue = () => background.kick("plan");
  deps.onInboundReceived = () => background.kick("inbound");
  deps.storeInbound = background.storeInbound;
  deps.links = background.links;
  const app = createApp(deps);
  const delivered = deps.db.sqlite
    .prepare("select count(*) from messages where tenant_id = ? and campaign_id = ? and status = 'delivered'")
    .pluck();
  const statuses = deps.db.sqlite.prepare(
    "select status, count(*) as n from messages where tenant_id = ? and campaign_id = ? group by status",
  );
  const fetch = (req: Request) => {
    const url = new URL(req.url);
    if (url.pathname !== "/__bench/delivered") return app.fetch(req);
    return Response.json({
      delivered: delivered.get(tenant.id, url.searchParams.get("campaign")),
      ...(url.searchParams.has("statuses") && {
        statuses: statuses.all(tenant.id, url.searchParams.get("campaign")),
      }),
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    });
  };
  const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    process.stdout.write(`@@READY ${info.port} ${apiKey}\n`);
  });
  process.on("SIGTERM", async () => {
    await background.stop();
    await checkpointer?.stop();
    server.close();
    background.close();
    deps.db.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

await main();
