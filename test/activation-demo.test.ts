// The generated bank of `npm run demo:activation`, small: the model's timing must beat the
// fixed rule on the figures that decide it, and learn each cell's own p80 day.

import { describe, expect, it } from "vitest";
import { runActivationDemo } from "../scripts/activation-demo";

describe("the activation demo", () => {
  it("prompts fewer people too late, and turns agent activations into SMS ones", async () => {
    const r = await runActivationDemo({ shipments: 2000, days: 30, ruleDays: 5, seed: 7 });
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
  }, 120_000);
});
