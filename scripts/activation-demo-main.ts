// npm run demo:activation [-- --shipments 20000 --days 60 --rule-days 5 --seed 7]
import { DEFAULT_DEMO, type DemoOptions, type DemoResult, runActivationDemo } from "./activation-demo";

function options(argv: string[]): DemoOptions {
  const o = { ...DEFAULT_DEMO };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    const flag = argv[i];
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
  console.log(`\n(${r.seconds} s)`);
}

const o = options(process.argv.slice(2));
console.log(`Generating a bank: ${o.shipments} card shipments over ${o.days} days, 3 couriers x 5 cities…`);
print(await runActivationDemo(o, (s) => console.log(s)));
