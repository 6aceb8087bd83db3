// npm run demo:activation [-- --shipments 20000 --days 60 --rule-days 5 --seed 7 --holdout 20]
import { DEFAULT_DEMO, type DemoOptions, type DemoResult, runActivationDemo } from "./activation-demo";
import type { HoldoutResult } from "./activation-holdout";

function options(argv: string[]): DemoOptions {
  const o = { ...DEFAULT_DEMO };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    const flag = argv[i];
    if (flag === "--holdout") {
      if (!Number.isInteger(v) || v < 0 || v > 50) throw new Error("--holdout needs a percentage from 0 to 50");
      o.holdoutPercent = v;
      continue;
    }
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${flag} needs a positive whole number`);
    if (flag === "--shipments") o.shipments = v;
    else if (flag === "--days") o.days = v;
    else if (flag === "--rule-days") o.ruleDays = v;
    else if (flag === "--seed") o.seed = v;
    else throw new Error(`unknown option ${flag}`);
  }
  return o;
}

const pct = (x: number | null) => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);

function print(r: DemoResult) {
  const rows: [string, string, string][] = [
    ["first prompts sent", String(r.rule.first_prompts_sent), String(r.model.first_prompts_sent)],
    ["follow-ups sent", String(r.rule.follow_ups_sent), String(r.model.follow_ups_sent)],
    [
      "prompts skipped: already activated",
      String(r.rule.prompts_skipped_already_converted),
      String(r.model.prompts_skipped_already_converted),
    ],
    [
      "prompts sent after the card was activated",
      String(r.rule.prompts_after_activation),
      String(r.model.prompts_after_activation),
    ],
    [
      "prompt too late (activated before its time)",
      pct(r.rule.fitness.converted_before_send),
      pct(r.model.fitness.converted_before_send),
    ],
    [
      "card at home when the prompt was due",
      pct(r.rule.fitness.received_before_send),
      pct(r.model.fitness.received_before_send),
    ],
    ["well timed (card there, not yet active)", pct(r.rule.fitness.well_timed), pct(r.model.fitness.well_timed)],
    ...[...new Set([...Object.keys(r.rule.activations), ...Object.keys(r.model.activations)])]
      .sort()
      .map((ch): [string, string, string] => [
        `activations by ${ch}`,
        String(r.rule.activations[ch] ?? 0),
        String(r.model.activations[ch] ?? 0),
      ]),
    ["not activated by the end", String(r.rule.never_activated), String(r.model.never_activated)],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  console.log(`\n${"".padEnd(w)}  ${r.rule.name.padStart(22)}  ${r.model.name.padStart(14)}`);
  for (const [k, a, b] of rows) console.log(`${k.padEnd(w)}  ${a.padStart(22)}  ${b.padStart(14)}`);
  console.log(`\nagent activations avoided by the model's timing: ${r.agent_activations_avoided}`);
  console.log(`SMS activations gained: ${r.sms_activations_gained}`);
  console.log(`median days the model prompts earlier than the rule: ${r.median_days_saved_vs_rule}`);
  console.log("\nthe model, per cell (GET /v1/reports/delivery):");
  for (const c of r.cells)
    console.log(
      `  ${`${c.courier} / ${c.region}`.padEnd(20)} ${String(c.samples).padStart(5)} samples  p80 day ${c.p80 ?? "-"}  → timed by ${c.timed_by}, send day ${c.send_day ?? "-"}`,
    );
  if (r.holdout) printHoldout(r.holdout);
  console.log(`\n(${r.seconds} s)`);
}

function printHoldout(h: HoldoutResult) {
  const n = (x: number) => x.toLocaleString("en");
  const range = (x: { value: number; low: number; high: number | null }, f: (v: number) => string) =>
    `${f(x.value)} (${f(x.low)} to ${x.high === null ? "?" : f(x.high)})`;
  const pts = (x: number) => `${(x * 100).toFixed(1)} pts`;
  const rows: [string, string, string][] = [
    ["activated within 14 days, prompted", pct(h.prompted.rate), pct(h.truth.replay_rate_prompted)],
    ["activated within 14 days, held out", pct(h.held_out.rate), ""],
    [
      "activation rate caused by the prompts",
      range({ value: h.estimate.difference, low: h.estimate.low, high: h.estimate.high }, pts),
      pts(h.truth.difference),
    ],
    ["activations caused (prompted cardholders)", range(h.caused, n), n(h.truth.caused)],
    ["agent activations avoided", h.agent_avoided ? range(h.agent_avoided, n) : "-", n(h.truth.agent_avoided)],
    ["cost per activation caused (CNY)", h.cost_per_caused ? range(h.cost_per_caused, String) : "-", ""],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  console.log(
    `\nthe model's holdout: ${n(h.held_out.audience)} cardholders (${Math.round(h.holdout_share * 100)}%) never prompted, ${n(h.prompted.audience)} prompted`,
  );
  console.log(`${"".padEnd(w)}  ${"estimate (95% interval)".padStart(30)}  ${"true".padStart(10)}`);
  for (const [k, a, b] of rows) console.log(`${k.padEnd(w)}  ${a.padStart(30)}  ${b.padStart(10)}`);
  console.log(`the interval ${h.covered ? "covers" : "MISSES"} the true effect`);
  console.log(`\n${h.words.en}\n${h.words["zh-CN"]}`);
}

const o = options(process.argv.slice(2));
console.log(`Generating a bank: ${o.shipments} card shipments over ${o.days} days, 3 couriers x 5 cities…`);
print(await runActivationDemo(o, (s) => console.log(s)));
