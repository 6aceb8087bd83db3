// The generated bank of `npm run demo:activation`, small: the model's timing must beat the
// fixed rule on the figures that decide it, and learn each cell's own p80 day.

import { describe, expect, it } from "vitest";
import { runActivationDemo } from "../scripts/activation-demo";

describe("the activation demo", () => {
  it("prompts fewer people too late, and turns agent activations into SMS ones", async () => {
    const r = await runActivationDemo({ shipments: 2000, days: 30, ruleDays: 5, seed: 7, holdoutPercent: 20 });
    expect(r.model.fitness.converted_before_send).toBeLessThan(r.rule.fitness.converted_before_send);
    expect(r.model.fitness.well_timed).toBeGreaterThan(r.rule.fitness.well_timed);
    expect(r.model.activations.sms).toBeGreaterThan(r.rule.activations.sms ?? 0);
    expect(r.agent_activations_avoided).toBeGreaterThan(0);
    expect(r.median_days_saved_vs_rule).toBeGreaterThan(0);
    // Nobody is prompted after activating: those prompts were skipped instead.
    expect(r.model.prompts_after_activation).toBe(0);
    expect(r.rule.prompts_after_activation).toBe(0);
    expect(r.model.prompts_skipped_already_converted).toBeGreaterThan(0);
    const cell = (courier: string, region: string) => r.cells.find((c) => c.courier === courier && c.region === region);
    // "80% by day 2" and "80% by day 6" in the generator, learned from the data.
    expect(cell("SF", "Shanghai")).toMatchObject({ p80: 2, timed_by: "cell", send_day: 2 });
    expect(cell("EMS", "Shanghai")).toMatchObject({ p80: 6, timed_by: "cell", send_day: 6 });
    // The thin cell is timed by its courier's row.
    expect(cell("YTO", "Urumqi")?.timed_by).toBe("courier");
    // The model's 20 % holdout: the estimate of what the prompts caused covers the true effect,
    // which the simulation knows from every cardholder's outcome with and without prompts.
    const h = r.holdout;
    expect(h).not.toBeNull();
    if (!h) return;
    expect(h.holdout_share).toBeGreaterThan(0.17);
    expect(h.holdout_share).toBeLessThan(0.23);
    // The replay the truth comes from agrees with what the app saw among the prompted.
    expect(Math.abs(h.truth.replay_rate_prompted - h.prompted.rate)).toBeLessThan(0.01);
    expect(h.truth.difference).toBeGreaterThan(0.05);
    expect(h.covered).toBe(true);
    expect(h.estimate.low).toBeGreaterThan(0);
    expect(h.caused.low).toBeGreaterThan(0);
    expect(h.agent_avoided?.low).toBeGreaterThan(0);
    const c = h.cost_per_caused;
    expect(c && c.low <= c.value && c.value <= (c.high ?? Infinity)).toBe(true);
    // The prompted paid: sent prompts × 0.1 CNY, over the activations caused.
    expect(Math.abs((c?.value ?? 0) - h.prompted.cost / h.caused.value)).toBeLessThanOrEqual(0.005 + 1e-9);
    expect(h.words.en).toMatch(
      /^Among 1,\d{3} people, the messages caused about \d+ more conversions \(95% interval \d+ to \d+\)\. About \d+ fewer went through an agent/,
    );
    expect(h.words["zh-CN"]).toMatch(/短信带来了约 \d+ 次额外转化.*经由客服的约少 \d+ 次/);
  }, 120_000);
});
