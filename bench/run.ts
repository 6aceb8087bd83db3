// `npm run bench [-- <scenario> ...]`: runs each scenario in its own process (so peak RSS is
// its own), prints a table and writes bench/results.json.
// The scenarios run under the service's heap settings.
import "../src/node/heap";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBuild } from "../src/node/threads";
import { type Result, scenarios } from "./scenarios";

// This file is bench/run.ts, or its bundle dist/node/bench.js (`npm run bench`).
const root = resolve(dirname(fileURLToPath(import.meta.url)), fromBuild ? "../.." : "..");
const resultsPath = join(root, "bench", "results.json");

async function child(name: string) {
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`unknown scenario ${name}`);
  const result = await scenario();
  const peak = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`\n@@RESULT ${JSON.stringify({ ...result, peak_rss_mb: Math.round(peak) })}\n`);
}

function parent(names: string[]) {
  const unknown = names.filter((n) => !scenarios[n]);
  if (unknown.length > 0) {
    console.error(`Unknown scenario(s): ${unknown.join(", ")}. Known: ${Object.keys(scenarios).join(", ")}`);
    process.exit(2);
  }
  const results: Record<string, Result & { peak_rss_mb: number }> = existsSync(resultsPath)
    ? JSON.parse(readFileSync(resultsPath, "utf8"))
    : {};
  const ran: string[] = [];
  for (const name of names) {
    console.log(`running ${name} ...`);
    const self = fileURLToPath(import.meta.url);
    // From the build (`npm run bench`) as the service runs; from source under tsx otherwise.
    const run = spawnSync(process.execPath, [...(fromBuild ? [] : ["--import", "tsx"]), self, "--child", name], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 64 * 1024 * 1024,
    });
    const line = run.stdout.split("\n").find((l) => l.startsWith("@@RESULT "));
    if (run.status !== 0 || !line) {
      console.error(`${name} failed (exit ${run.status})\n${run.stdout}`);
      process.exitCode = 1;
      continue;
    }
    results[name] = JSON.parse(line.slice("@@RESULT ".length));
    ran.push(name);
  }
  writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  const rows = ran.map((name) => {
    const r = results[name] as Result & { peak_rss_mb: number };
    const rssTarget = typeof r.peak_rss_target_mb === "number" ? r.peak_rss_target_mb : Number.POSITIVE_INFINITY;
    // A scenario with a target ratio is judged by it: the machine's speed moves by a third from
    // run to run, the ratio to a ceiling measured in the same run much less.
    const ok =
      (r.target_ratio !== undefined
        ? (r.ratio ?? 0) >= r.target_ratio
        : r.better === "higher"
          ? r.value >= r.target
          : r.value <= r.target) && r.peak_rss_mb <= rssTarget;
    return [
      name,
      `${r.value} ${r.unit}`,
      `${r.better === "higher" ? ">=" : "<="} ${r.target}`,
      r.ceiling === undefined ? "–" : `${r.ceiling} ${r.unit}`,
      r.ratio === undefined ? "–" : String(r.ratio),
      r.target_ratio === undefined ? "–" : `>= ${r.target_ratio}`,
      `${r.peak_rss_mb} MB${Number.isFinite(rssTarget) ? ` (<= ${rssTarget})` : ""}`,
      ok ? "ok" : "MISSED",
    ];
  });
  const header = ["scenario", "value", "target", "ceiling", "ratio", "target ratio", "peak RSS", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const fmt = (r: string[]) => r.map((c, i) => String(c).padEnd(widths[i] ?? 0)).join("  ");
  console.log(`\n${fmt(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const r of rows) console.log(fmt(r as string[]));
  console.log(`\nwrote ${resultsPath}`);
}

const args = process.argv.slice(2);
if (args[0] === "--child") await child(args[1] as string);
else parent(args.length > 0 ? args : Object.keys(scenarios));
