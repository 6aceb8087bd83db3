import { afterEach, describe, expect, it, vi } from "vitest";
import type { Deps } from "../src/deps";
import type { Job } from "../src/jobs";
import { startJobs } from "../src/node/cron";

describe("node-cron runner", () => {
  afterEach(() => vi.restoreAllMocks());

  it("turns a tick during a long run into one more run after it, without a warning", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const runs: number[] = [];
    let first = true;
    const job: Job = {
      name: "slow",
      schedule: "* * * * *",
      nodeSchedule: "* * * * * *",
      async run() {
        runs.push(performance.now());
        if (first) {
          first = false;
          // Spans the next tick or two.
          await new Promise((r) => setTimeout(r, 1600));
        }
      },
    };
    const deps = {} as Deps;
    const jobs = startJobs([job], deps);
    const t0 = performance.now();
    while (runs.length < 2 && performance.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    await jobs.stop();
    expect(runs.length).toBeGreaterThanOrEqual(2);
    // The second run starts when the first ends, not at a tick of its own.
    expect((runs[1] as number) - (runs[0] as number)).toBeGreaterThanOrEqual(1590);
    expect(deps.signal?.aborted).toBe(true);
    expect(warn.mock.calls.filter((c) => String(c[0]).includes("NODE-CRON"))).toEqual([]);
  });
});
