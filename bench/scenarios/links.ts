import type autocannon from "autocannon";
import { LINKS, linkCode } from "../servers/links-shared";
import type { Result } from ".";
import { prng, startServer as start } from "./common";
import { getLoad } from "./load";

const DURATION_S = 10;
/** As the inbound bench: a cold server spends its first second compiling. */
const WARMUP_S = 3;
const CONNECTIONS = 32;
const TURNS = 2;
/** The click job counts a few tens of thousands a second; the run's clicks take seconds. */
const DRAIN_LIMIT_MS = 120_000;
const BROWSER =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";

const load = (port: number, paths: string[], seconds: number) =>
  getLoad(port, paths, { seconds, connections: CONNECTIONS, headers: { "user-agent": BROWSER } });

async function stats(port: number) {
  const res = await fetch(`http://127.0.0.1:${port}/__bench/stats`);
  return (await res.json()) as { counted: number; waiting: number; events: number; rss_mb: number };
}

/** Waits until the app has counted this many clicks (or the limit passes). */
async function counted(port: number, answered: number) {
  const t0 = performance.now();
  let s = await stats(port);
  while (s.counted < answered && performance.now() - t0 < DRAIN_LIMIT_MS) {
    await new Promise((r) => setTimeout(r, 250));
    s = await stats(port);
  }
  return s;
}

/**
 * Short links' redirect under load on loopback (autocannon, 32 connections), members opening
 * their links of a 100k broadcast in random order, beside a bare Hono redirect in the same run
 * (the ceiling), in turns; then how long the click job takes to count every click. The p99 is
 * the worst turn's.
 */
export async function linkRedirect(): Promise<Result> {
  const rand = prng(31);
  const paths = Array.from({ length: 200_000 }, () => `/l/${linkCode(Math.floor(rand() * LINKS))}`);
  // Both servers up at once and loaded in turns, twice each: this machine's speed drifts by a
  // third within minutes, and turns share the drift out between them.
  // Each server is loaded while the other is idle: the app's click job has counted the last
  // turn's clicks before the bare server's turn.
  const bare = await start("bare-hono");
  const app = await start("links-app");
  await load(bare.port, paths, WARMUP_S);
  const warm = await load(app.port, paths, WARMUP_S);
  let answered = warm["3xx"];
  let s = await counted(app.port, answered);
  const bareRuns: autocannon.Result[] = [];
  const runs: autocannon.Result[] = [];
  const drains: number[] = [];
  for (let turn = 0; turn < TURNS; turn++) {
    bareRuns.push(await load(bare.port, paths, DURATION_S));
    const run = await load(app.port, paths, DURATION_S);
    runs.push(run);
    answered += run["3xx"];
    const t0 = performance.now();
    s = await counted(app.port, answered);
    drains.push((performance.now() - t0) / 1000);
  }
  bare.child.kill("SIGTERM");
  app.child.kill("SIGTERM");
  for (const r of [warm, ...runs, ...bareRuns]) {
    if (r["3xx"] !== r.requests.total || r.errors > 0)
      throw new Error(`${r.requests.total - r["3xx"]} answers not a redirect, ${r.errors} errors`);
  }
  // A load ends with requests in flight whose answers it does not count: each run's clicks may
  // be up to a connection's worth more than the answers counted, never fewer.
  if (s.counted < answered || s.counted > answered + (TURNS + 1) * CONNECTIONS)
    throw new Error(`counted ${s.counted} clicks for ${answered} answers`);
  const rate = (rs: autocannon.Result[]) => rs.reduce((n, r) => n + r.requests.total, 0) / (rs.length * DURATION_S);
  const rps = Math.round(rate(runs));
  const ceiling = Math.round(rate(bareRuns));
  const p99 = Math.max(...runs.map((r) => r.latency.p99));
  return {
    value: rps,
    unit: "req/s",
    target: Math.round(ceiling * 0.5),
    better: "higher",
    ceiling,
    ratio: Math.round((rps / ceiling) * 1000) / 1000,
    target_ratio: 0.5,
    p99_ms: p99,
    p99_target_ms: 10,
    p50_ms: Math.max(...runs.map((r) => r.latency.p50)),
    bare_p99_ms: Math.max(...bareRuns.map((r) => r.latency.p99)),
    requests: runs.reduce((n, r) => n + r.requests.total, 0),
    turns: TURNS,
    clicks_counted: s.counted,
    first_click_events: s.events,
    count_after_load_s: Math.round(Math.max(...drains) * 10) / 10,
    server_rss_mb: s.rss_mb,
  };
}
