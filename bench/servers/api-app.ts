// The app as `npm start` runs it (jobs on their thread, checkpoints on theirs) on a workspace of
// CUSTOMERS customers and MESSAGES messages written by SQLite itself, for the api_read,
// console_pages and broadcast_e2e benches. Prints `@@READY <port> <api key>`. With
// BENCH_SEND=1 the workspace has the simulator channel and no quiet hours, so that a broadcast
// goes out whenever the bench runs. GET /__bench/delivered?campaign=<id> counts its delivered
// messages and reports the process's peak RSS.

import "../../src/node/heap";
import { createStarterChannel } from "../../src/channels/service";
import { createTenant } from "../../src/tenants/service";
import { fillWorkspace } from "./api-fill";
import { benchService } from "./service";

const SEND = process.env.BENCH_SEND === "1";

async function main() {
  const { deps, app, start } = await benchService("api", { TIDINGS_PUBLIC_URL: "https://t.bench.example" });
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
  start(fetch, apiKey);
}

await main();
