// The app as `npm start` runs it (a WAL file checkpointed by its own thread, @hono/node-server,
// the pipeline and the dispatcher on the jobs thread, kicked as webhooks arrive), seeded for the inbound bench. Run as its own process so the load
// generator does not share its CPU. Prints `@@READY <port> <channelId>`; GET /__bench/stats
// reports what was stored and handled.

import "../../src/node/heap";
import { createTenant } from "../../src/tenants/service";
import { CUSTOMERS, SECRET, SERVICE_NUMBER } from "./inbound-shared";
import { benchService } from "./service";

async function main() {
  const { deps, app, start } = await benchService("inbound");
  const db = deps.db;
  const { apiKey } = await createTenant(deps, {
    name: "Bench Bank",
    slug: "bench",
    default_country: "CN",
    time_zone: "Asia/Shanghai",
    locale: "zh-CN",
  });
  const call = async (path: string, body: unknown) => {
    const res = await app.request(path, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const channel = await call("/v1/channels", {
    name: "Sim",
    provider: "simulator",
    config: { from: SERVICE_NUMBER },
    credentials: { secret: SECRET },
    default: true,
  });
  await call("/v1/keywords", { preset: "card_activation" });
  await call("/v1/groups", { name: "Yoga", kind: "static", code: "01" });
  await call("/v1/keywords", {
    name: "Join yoga",
    words: ["JOIN", "加入"],
    match: "first_word",
    actions: [
      { type: "add_to_group", group: "01" },
      { type: "reply", text: "Welcome to the yoga group!" },
    ],
  });
  const rows = Array.from({ length: CUSTOMERS }, (_, i) => {
    const phone = `138${String(i).padStart(8, "0")}`;
    return `${phone},Member ${i},${String(i % 10_000).padStart(4, "0")},subscribed`;
  });
  const csv = `phone,name,attributes.card_last4,consent\n${rows.join("\n")}\n`;
  const imported = await app.request("/v1/customers/import", {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "text/csv" },
    body: csv,
  });
  if (imported.status >= 300) throw new Error(`import: ${imported.status} ${await imported.text()}`);

  // Polled while the pipeline drains: two index lookups, not a scan of every message (a scan
  // of 150k rows four times a second slowed the drain it measured). Rowids are handed out in
  // order and never deleted here, so the largest is the number stored. `?full` adds the steps.
  const stats = (full: boolean) => {
    const stored = db.sqlite.prepare("select coalesce(max(rowid), 0) from inbound_messages").pluck().get() as number;
    const waiting = db.sqlite
      .prepare("select count(*) from inbound_messages where status = 'received'")
      .pluck()
      .get() as number;
    const steps = full
      ? db.sqlite
          .prepare(
            "select sum(step = 'inbox') as inbox, sum(step = 'keyword') as keyword, sum(step = 'opt_out') as opt_out from inbound_messages",
          )
          .get()
      : {};
    return Response.json({
      stored,
      processed: stored - waiting,
      ...(steps as object),
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    });
  };
  const fetch = (req: Request) => {
    const url = new URL(req.url);
    return url.pathname === "/__bench/stats" ? stats(url.searchParams.has("full")) : app.fetch(req);
  };
  start(fetch, channel.id);
}

await main();
