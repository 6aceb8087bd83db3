import type autocannon from "autocannon";
import { CUSTOMERS, MESSAGES } from "../servers/api-fill";
import type { Result } from ".";
import { startServer } from "./common";
import { getLoad } from "./load";

const DURATION_S = 5;
const WARMUP_S = 2;
const CONNECTIONS = 50;
const TURNS = 2;

type Load = { name: string; paths: string[] };

const load = (port: number, key: string, paths: string[], seconds: number) =>
  getLoad(port, paths, { seconds, connections: CONNECTIONS, headers: { authorization: `Bearer ${key}` } });

/** A thousand of the workspace's customers, by the API's own pages. */
async function someCustomerIds(port: number, key: string) {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await fetch(`http://127.0.0.1:${port}/v1/customers?limit=100${cursor ? `&cursor=${cursor}` : ""}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const page = (await res.json()) as { data: { id: string }[]; next_cursor: string | null };
    ids.push(...page.data.map((c) => c.id));
    cursor = page.next_cursor;
  } while (cursor && ids.length < 1000);
  return ids;
}

/**
 * The read API under load (autocannon, 50 connections) on a workspace of 100,000 customers and
 * 1,000,000 messages: a page of customers, one customer, a page of messages, each against
 * `/health` of the same server in turns (the ceiling: a request through the same server with
 * no key and no database). The value is the mix of the three; each is reported beside it.
 */
export async function apiRead(): Promise<Result> {
  const server = await startServer("api-app");
  const { port, channel: key } = server;
  try {
    const ids = await someCustomerIds(port, key);
    if (ids.length !== 1000) throw new Error(`expected 1000 customers, got ${ids.length}`);
    const loads: Load[] = [
      { name: "customers_page", paths: ["/v1/customers?limit=50"] },
      { name: "customer", paths: ids.map((id) => `/v1/customers/${id}`) },
      { name: "messages_page", paths: ["/v1/messages?limit=50"] },
    ];
    // The three in equal shares, each customer in turn.
    const mix: Load = {
      name: "mix",
      paths: ids.flatMap((id) => ["/v1/customers?limit=50", `/v1/customers/${id}`, "/v1/messages?limit=50"]),
    };
    const health: Load = { name: "health", paths: ["/health"] };
    const all = [health, ...loads, mix];
    for (const l of all) await load(port, key, l.paths, WARMUP_S);
    const runs = new Map<string, autocannon.Result[]>(all.map((l) => [l.name, []]));
    for (let turn = 0; turn < TURNS; turn++) {
      for (const l of all) runs.get(l.name)?.push(await load(port, key, l.paths, DURATION_S));
    }
    for (const [name, rs] of runs) {
      for (const r of rs)
        if (r["2xx"] !== r.requests.total || r.errors > 0)
          throw new Error(`${name}: ${r.requests.total - r["2xx"]} answers not 2xx, ${r.errors} errors`);
    }
    const rate = (name: string) => {
      const rs = runs.get(name) ?? [];
      return Math.round(rs.reduce((n, r) => n + r.requests.total, 0) / (rs.length * DURATION_S));
    };
    const worst = (name: string, p: "p50" | "p99") => Math.max(...(runs.get(name) ?? []).map((r) => r.latency[p]));
    const ceiling = rate("health");
    const each = Object.fromEntries(
      loads.map((l) => [
        l.name,
        {
          req_per_s: rate(l.name),
          ratio: Math.round((rate(l.name) / ceiling) * 1000) / 1000,
          p50_ms: worst(l.name, "p50"),
          p99_ms: worst(l.name, "p99"),
        },
      ]),
    );
    const value = rate("mix");
    return {
      value,
      unit: "req/s",
      target: Math.round(ceiling * 0.25),
      better: "higher",
      ceiling,
      ratio: Math.round((value / ceiling) * 1000) / 1000,
      // A read is a key check, one or two indexed queries and a page of JSON: a quarter of a
      // request that does none of them.
      target_ratio: 0.25,
      p50_ms: worst("mix", "p50"),
      p99_ms: worst("mix", "p99"),
      p99_target_ms: 30,
      ...each,
      health_p99_ms: worst("health", "p99"),
      customers: CUSTOMERS,
      messages: MESSAGES,
      connections: CONNECTIONS,
    };
  } finally {
    server.child.kill("SIGTERM");
  }
}
