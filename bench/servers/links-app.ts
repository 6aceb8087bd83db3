// The app as `npm start` runs it (the jobs on their thread, clicks journaled beside the
// database and counted by the click job), with LINKS tracked links of a sent broadcast, for the
// link_redirect bench. Prints `@@READY <port> links`; GET /__bench/stats reports the clicks
// counted and waiting.

import "../../src/node/heap";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createApp } from "../../src/app";
import { newSecretKeyBase64 } from "../../src/lib/secretbox";
import { startBackground } from "../../src/node/background";
import { startCheckpointer } from "../../src/node/checkpointer";
import { loadConfig } from "../../src/node/config";
import { nodeDeps } from "../../src/node/runtime";
import { createTenant } from "../../src/tenants/service";
import { LINKS, linkCode, TARGET } from "./links-shared";

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "tidings-links-"));
  const config = loadConfig({
    TIDINGS_DB_PATH: join(dir, "bench.db"),
    TIDINGS_SECRET_KEY: newSecretKeyBase64(),
    TIDINGS_SEED_DEMO: "false",
    TIDINGS_PUBLIC_URL: "https://t.bench.example",
  });
  const deps = await nodeDeps(config);
  const checkpointer = startCheckpointer(deps.db, deps.clock);
  const background = startBackground(config, deps);
  deps.onMessageDue = () => background.kick("dispatch");
  deps.onInboundReceived = () => background.kick("inbound");
  deps.storeInbound = background.storeInbound;
  deps.links = background.links;
  const db = deps.db;
  const app = createApp(deps);
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
  const server = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    process.stdout.write(`@@READY ${info.port} links\n`);
  });
  process.on("SIGTERM", async () => {
    await background.stop();
    await checkpointer?.stop();
    server.close();
    background.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

await main();
