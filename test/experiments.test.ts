// The statistics behind experiments, before any campaign uses them: assignment to arms is
// stable, balanced (a chi-square test over 100,000 customers) and the same in SQL (SQLite, and
// D1 on workerd) as in JavaScript; the intervals cover a known simulated effect as often as
// they claim; the verdict says no more than its interval.

import jstatModule from "jstat";
import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { armAt, armOf, armSql, type Design, HOLDOUT } from "../src/experiments/assign";
import { differenceOf, neededPerArm, rateOf } from "../src/experiments/stats";
import { verdictOf } from "../src/experiments/verdict";
import { ManualClock } from "../src/lib/clock";
import { IdGenerator } from "../src/lib/ids";
import { seededRandom } from "../src/lib/random";

const { chisquare } = jstatModule.jStat ?? jstatModule;
const design: Design = {
  arms: [
    { name: "A", weight: 1 },
    { name: "B", weight: 1 },
    { name: "C", weight: 2 },
  ],
  holdout: 0.1,
};
const shares: Record<string, number> = { holdout: 0.1, A: 0.225, B: 0.225, C: 0.45 };

/** Customer ids as the service makes them: one at a time (ULIDs), and an import's block of them. */
function customerIds(n: number): string[] {
  const clock = new ManualClock("2026-12-01T00:00:00Z");
  const ids = new IdGenerator(clock);
  const out: string[] = [];
  for (let i = 0; i < n / 2; i++) {
    if (i % 7 === 0) clock.advance(1);
    out.push(ids.next("cus"));
  }
  const block = ids.block("cus");
  for (let i = 0; i < n / 2; i++) out.push(`${block}${String(i).padStart(10, "0")}`);
  return out;
}

/** The p-value of the counts against the shares (chi-square, one degree of freedom fewer than arms). */
function balance(counts: Record<string, number>, total: number): number {
  let chi = 0;
  for (const [arm, share] of Object.entries(shares)) chi += ((counts[arm] ?? 0) - share * total) ** 2 / (share * total);
  return 1 - chisquare.cdf(chi, Object.keys(shares).length - 1);
}

describe("experiment assignment", () => {
  it("is balanced over 100,000 customers for each of several campaigns, and stable", () => {
    const ids = customerIds(100_000);
    for (const campaign of ["cmp_01KBX0000000000000000000A1", "cmp_01KBX0000000000000000000A2", "cmp_x"]) {
      const counts: Record<string, number> = {};
      for (const id of ids) {
        const arm = armOf(design, campaign, id);
        counts[arm] = (counts[arm] ?? 0) + 1;
      }
      expect(balance(counts, ids.length)).toBeGreaterThan(0.001);
      // Each share within half a point of its weight.
      for (const [arm, share] of Object.entries(shares))
        expect(Math.abs((counts[arm] ?? 0) / ids.length - share)).toBeLessThan(0.005);
    }
    expect(armOf(design, "cmp_1", ids[0] as string)).toBe(armOf(design, "cmp_1", ids[0] as string));
    // Two campaigns hold out different customers: about 1 in 100 is held out by both.
    const both = ids.filter((id) => armOf(design, "cmp_1", id) === HOLDOUT && armOf(design, "cmp_2", id) === HOLDOUT);
    expect(both.length / ids.length).toBeGreaterThan(0.005);
    expect(both.length / ids.length).toBeLessThan(0.015);
    expect(armAt({ arms: [{ name: "only", weight: 1 }], holdout: 0 }, 0.99)).toBe("only");
  });

  it("splits a gym's few hundred imported members as evenly as chance would", () => {
    // An import's ids count up; a hash that only weighs their characters walks the buckets by
    // a fixed stride, and for some campaigns that split 97 members 71 to 26. Over 300
    // campaigns and two audience sizes, the two arms' difference must look like coin flips:
    // z = (A − B) / √n about N(0, 1), beyond 3 about 0.3 % of the time.
    const clock = new ManualClock("2026-12-01T00:00:00Z");
    const ids = new IdGenerator(clock);
    const two: Design = {
      arms: [
        { name: "A", weight: 1 },
        { name: "B", weight: 1 },
      ],
      holdout: 0,
      rollout: { test_share: 0.3 },
    };
    const zs: number[] = [];
    for (let k = 0; k < 300; k++) {
      const campaign = ids.next("cmp");
      const block = ids.block("cus");
      for (const size of [100, 300]) {
        const n: Record<string, number> = { A: 0, B: 0, rest: 0 };
        for (let i = 0; i < size; i++) {
          const arm = armOf(two, campaign, `${block}${String(i).padStart(10, "0")}`);
          n[arm] = (n[arm] ?? 0) + 1;
        }
        const tested = (n.A as number) + (n.B as number);
        if (tested > 0) zs.push(((n.A as number) - (n.B as number)) / Math.sqrt(tested));
      }
    }
    const sd = Math.sqrt(zs.reduce((s, z) => s + z * z, 0) / zs.length);
    expect(sd).toBeGreaterThan(0.85);
    expect(sd).toBeLessThan(1.15);
    // About 1.6 expected; 8 or more happens about once in ten thousand runs (the old hash gave 13).
    expect(zs.filter((z) => Math.abs(z) > 3).length).toBeLessThanOrEqual(7);
  });

  it("puts each customer in the same arm in SQL as in JavaScript", async () => {
    const env = await setup("2026-12-07T02:00:00Z");
    const ids = customerIds(4000);
    // Today's hash, and the first one that experiments planned before it keep (hash: 1).
    const legacy = { ...design, hash: 1 };
    const rows = await env.db.rawAll<{ id: string; arm: string; old: string }>(
      `select value as id, ${armSql(design, "cmp_sql", "value")} as arm, ${armSql(legacy, "cmp_sql", "value")} as old
         from json_each(?)`,
      [JSON.stringify(ids)],
    );
    expect(rows).toHaveLength(ids.length);
    const mismatched = rows.filter(
      (r) => r.arm !== armOf(design, "cmp_sql", r.id) || r.old !== armOf(legacy, "cmp_sql", r.id),
    );
    expect(mismatched).toEqual([]);
    // The two hashes are different assignments: about as many agree as chance would have it.
    const same = rows.filter((r) => r.arm === r.old).length / rows.length;
    expect(same).toBeLessThan(0.45);
    expect(new Set(rows.map((r) => r.arm))).toEqual(new Set(["holdout", "A", "B", "C"]));
  });
});

/** A binomial draw from the seeded generator. */
function draw(rand: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rand() < p) k++;
  return k;
}

describe("experiment statistics", () => {
  it("covers a known simulated effect in at least 93 of 100 seeded simulations", () => {
    const rand = seededRandom(2026);
    let diffCovered = 0;
    let rateCovered = 0;
    for (let s = 0; s < 100; s++) {
      // A card-activation prompt: 12 % activate by SMS with it, 9 % without (the holdout).
      const a = rateOf(draw(rand, 2000, 0.12), 2000);
      const b = rateOf(draw(rand, 2000, 0.09), 2000);
      const d = differenceOf(a, b);
      if (d && d.low <= 0.03 && 0.03 <= d.high) diffCovered++;
      if ((a.low as number) <= 0.12 && 0.12 <= (a.high as number)) rateCovered++;
    }
    expect(diffCovered).toBeGreaterThanOrEqual(93);
    expect(rateCovered).toBeGreaterThanOrEqual(93);
  });

  it("says which arm is better only when the interval says so, in both languages", () => {
    const names = { a: "Variant B", b: "Variant A", aZh: "方案 B", bZh: "方案 A" };
    const metric = { en: "converts", zh: "转化率" };
    const a = rateOf(560, 4000);
    const b = rateOf(400, 4000);
    const d = differenceOf(a, b);
    expect(d?.difference).toBeCloseTo(0.04, 10);
    expect(d?.p_value).toBeLessThan(0.001);
    const v = verdictOf(names, metric, a, b, d);
    expect(v.outcome).toBe("better");
    expect(v.en).toMatch(
      /^Variant B converts 4\.0 points more than Variant A \(95% interval 2\.\d to 5\.\d\): Variant B is better\.$/,
    );
    expect(v.zh).toMatch(/^方案 B的转化率比方案 A高 4\.0 个百分点（95% 区间 2\.\d 到 5\.\d）：方案 B更好。$/);
    // The same rates on a tenth of the recipients: too early to say, and how many more would tell.
    const small = verdictOf(
      names,
      metric,
      rateOf(56, 400),
      rateOf(40, 400),
      differenceOf(rateOf(56, 400), rateOf(40, 400)),
    );
    expect(small.outcome).toBe("unclear");
    const more = neededPerArm(0.1, 0.04) - 400;
    expect(small.en).toBe(
      `Not enough data yet: about ${more.toLocaleString("en")} more recipients per arm would be needed to see a 4.0-point difference.`,
    );
    expect(small.zh).toContain("数据还不够");
    // The textbook figure: 10 % against 12 % needs about 3,800 per arm at 95 % and 80 % power.
    expect(neededPerArm(0.1, 0.02)).toBeGreaterThan(3700);
    expect(neededPerArm(0.1, 0.02)).toBeLessThan(3900);
    expect(differenceOf(rateOf(0, 0), b)).toBeNull();
  });
});
