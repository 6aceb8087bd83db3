import { spawnSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Result } from ".";

/**
 * Cloudflare's published prices (Workers Paid), read on 2026-12-07 from
 * https://developers.cloudflare.com/workers/platform/pricing/,
 * https://developers.cloudflare.com/d1/platform/pricing/ and
 * https://developers.cloudflare.com/queues/platform/pricing/, in US dollars per unit beyond the
 * monthly inclusions (10M requests, 25B rows read, 50M rows written, 1M queue operations).
 */
export const CLOUDFLARE_PRICES = {
  date: "2026-12-07",
  request: 0.3 / 1e6,
  d1_row_read: 0.001 / 1e6,
  d1_row_written: 1.0 / 1e6,
  /** A message of up to 64 KB is written, read and deleted: three operations. */
  queue_operation: 0.4 / 1e6,
  queue_operations_per_message: 3,
};

type Per = { rows_written: number; rows_read: number; invocations: number; queue_messages: number };
type Sent = Per & { per_broadcast: { rows_written: number; rows_read: number } };

/** US dollars for a million of something that costs `per` each, beyond the inclusions. */
function pricePerMillion(per: Per) {
  const p = CLOUDFLARE_PRICES;
  const d1Written = per.rows_written * p.d1_row_written * 1e6;
  const d1Read = per.rows_read * p.d1_row_read * 1e6;
  const requests = per.invocations * p.request * 1e6;
  const queue = per.queue_messages * p.queue_operations_per_message * p.queue_operation * 1e6;
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    d1_written: round(d1Written),
    d1_read: round(d1Read),
    requests: round(requests),
    queue: round(queue),
    total: round(d1Written + d1Read + requests + queue),
  };
}

/**
 * Runs test/workers/cost.test.ts in workerd (the test pool's D1 and queue), which counts D1's
 * rows, the Worker's invocations and queue messages per message sent and per inbound SMS, and
 * prices a million of each. CPU time is not counted: workerd under the test pool does not
 * measure it as the platform bills it.
 */
export async function workersCost(): Promise<Result> {
  // bench/scenarios/ from source, dist/node/ from the build: both two levels below the root.
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const run = spawnSync("npx", ["vitest", "run", "--project", "workers", "test/workers/cost.test.ts"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = run.stdout.split("\n").find((l) => l.includes("@@COST "));
  if (run.status !== 0 || !line)
    throw new Error(`the cost test failed (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  const cost = JSON.parse(line.slice(line.indexOf("@@COST ") + 7)) as { per_sent: Sent; per_inbound: Per };
  const round = (o: Per) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === "number" ? Math.round(v * 100) / 100 : v]));
  return {
    // What each message adds, from two broadcast sizes (the test's per_sent), to a tenth: a
    // message writes whole rows, and the hundredths are batches' own (per_sent has them).
    value: Math.round(cost.per_sent.rows_written * 10) / 10,
    unit: "D1 rows written per message sent",
    target: 12,
    better: "lower",
    rows_read_per_sent: Math.round(cost.per_sent.rows_read * 100) / 100,
    rows_written_per_broadcast: Math.round(cost.per_sent.per_broadcast.rows_written),
    rows_read_target: 25,
    per_sent: round(cost.per_sent),
    per_inbound: round(cost.per_inbound),
    usd_per_million_sent: pricePerMillion(cost.per_sent),
    usd_per_million_inbound: pricePerMillion(cost.per_inbound),
    prices: CLOUDFLARE_PRICES,
  };
}
