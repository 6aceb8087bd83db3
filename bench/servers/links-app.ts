// The app as `npm start` runs it (the jobs on their thread, clicks journaled beside the
// database and counted by the click job), with LINKS tracked links of a sent broadcast, for the
// link_redirect bench. Prints `@@READY <port> links`; GET /__bench/stats reports the clicks
// counted and waiting.

import "../../src/node/heap";
import { createTenant } from "../../src/tenants/service";
import { LINKS, linkCode, TARGET } from "./links-shared";
import { benchService } from "./service";

async function main() {
  const { deps, app, start } = await benchService("links", { TIDINGS_PUBLIC_URL: "https://t.bench.example" });
  const db = deps.db;
  const { tenant } = await createTenant(deps, {
    name: "Bench Gym",
    slug: "bench",
    default_country: "CN",
    time_zone: "Asia/Shanghai",
    locale: "zh-CN",
  });
  // A broadcast's links, one per member, written by SQLite itself. Their messages are not here:
  // the click job counts clicks of a link whose message it cannot see as it would any other.
  const insert = db.sqlite.prepare(
    `insert into links (code, tenant_id, message_id, customer_id, campaign_id, position, url, created_at)
       values (?, ?, ?, ?, 'cmp_bench', 0, ?, 0)`,
  );
  db.sqlite.transaction(() => {
    for (let i = 0; i < LINKS; i++) insert.run(linkCode(i), tenant.id, `msg_${i}`, `cus_${i}`, `${TARGET}?m=${i}`);
  })();

  const stats = () => {
    const counted = db.sqlite
      .prepare("select coalesce(sum(clicks + bot_clicks), 0) from links")
      .pluck()
      .get() as number;
    const waiting = db.sqlite.prepare("select count(*) from link_clicks").pluck().get() as number;
    const events = db.sqlite.prepare("select count(*) from events where type = 'link.clicked'").pluck().get() as number;
    return Response.json({ counted, waiting, events, rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20) });
  };
  const fetch = (req: Request) => (new URL(req.url).pathname === "/__bench/stats" ? stats() : app.fetch(req));
  start(fetch, "links");
}

await main();
