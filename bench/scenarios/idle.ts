import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromBuild } from "../../src/node/threads";
import type { Result } from ".";

const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);

function rssMb(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
}

/**
 * `npm start` as a shop runs it (the demo workspace seeded, the jobs, checkpoint and import
 * threads started), left alone for a minute: the resident memory of its process, threads
 * included. npm's own process, which only waits for it, is not counted.
 */
export async function idleMemory(): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), "tidings-idle-"));
  // The service's bundle, next to this one when the bench runs from the build (`npm run bench`).
  const main = fromBuild
    ? [fileURLToPath(new URL("./main.js", import.meta.url))]
    : ["--import", "tsx", fileURLToPath(new URL("../../src/node/main.ts", import.meta.url))];
  const child = spawn(process.execPath, main, {
    env: { ...process.env, TIDINGS_DB_PATH: join(dir, "tidings.db"), PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("Tidings is listening")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`npm start exited with ${code}: ${out}`)));
    });
    const started = rssMb(child.pid as number);
    const samples: number[] = [];
    for (let s = 0; s < IDLE_S; s += 5) {
      await new Promise((r) => setTimeout(r, 5000));
      samples.push(rssMb(child.pid as number));
    }
    const value = samples[samples.length - 1] as number;
    return {
      value,
      unit: "MB RSS",
      target: 150,
      better: "lower",
      rss_at_start_mb: started,
      rss_max_idle_mb: Math.max(...samples),
      idle_s: IDLE_S,
    };
  } finally {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
