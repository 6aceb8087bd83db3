import { FREEFORM_BYTES, freeformProblem } from "../../src/lib/validators";
import { TemplateError } from "../../src/templates/engine";
import { compiled } from "../../src/templates/render";
import type { Result } from ".";

const DATA = { locale: "en", timeZone: "Asia/Shanghai", currency: "CNY", today: "2026-12-06" };
const RUNS = 30;

// As many items as a request's variables may hold (32 KB as JSON): the work budget, not the
// input, must be what bounds a render.
const zeros = Array.from({ length: 15_000 }, () => 0);
const text = "a ".repeat(14_000);
const few = zeros.slice(0, 1000);
const locales = (tag: string) => Array.from({ length: 2000 }, (_, i) => `en-x-${tag}${i}`);
const lists = Array.from({ length: 10_000 }, () => []);
const keys = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, 0]));

/** Templates written to spend the budget, each over the largest variables the API takes. */
const CASES: [string, string, (run: number) => Record<string, unknown>][] = [
  ["loops that print nothing", "{{#each a}}{{#each @root.a}}{{/each}}{{/each}}", () => ({ a: zeros })],
  ["empty branches", "{{#each a}}{{#each @root.a}}{{#if this}}{{/if}}{{/each}}{{/each}}", () => ({ a: zeros })],
  [
    "a new date format each turn",
    '{{#each a}}{{#if (formatDate "2026-01-01" locale=this)}}{{/if}}{{/each}}',
    (r) => ({ a: locales(`d${r}`) }),
  ],
  [
    "a new number format each turn",
    "{{#each a}}{{#if (currency 5 locale=this)}}{{/if}}{{/each}}",
    (r) => ({ a: locales(`n${r}`) }),
  ],
  [
    "helpers on long text",
    "{{#each a}}{{#if (upper @root.t)}}{{/if}}{{#if (truncate @root.t 1)}}{{/if}}{{/each}}",
    () => ({ a: few, t: text }),
  ],
  ["first names of long text", "{{#each a}}{{#if (firstNameOf @root.t)}}{{/if}}{{/each}}", () => ({ a: few, t: text })],
  [
    "lunar dates",
    '{{#each a}}{{#if (lunarDate "2026-01-01" locale="zh-CN" format="full")}}{{/if}}{{/each}}',
    () => ({ a: zeros }),
  ],
  ["an object's keys", "{{#each o}}{{#each @root.o}}{{/each}}{{/each}}", () => ({ o: keys })],
  ["lists as a lookup's field", "{{#each a}}{{#if (lookup this @root.a)}}{{/if}}{{/each}}", () => ({ a: lists })],
  ["lists as a helper's option", '{{#each a}}{{formatDate "2026-01-01" style=@root.a}}{{/each}}', () => ({ a: lists })],
  [
    "lookups",
    "{{#each a}}{{#each @root.a}}{{#if (lookup @root.a @index)}}{{/if}}{{/each}}{{/each}}",
    () => ({ a: zeros }),
  ],
];

/**
 * The longest one render holds the thread: each hostile template, RUNS times over fresh inputs
 * (new locales each run, so formatters are built anew). A render must stop at its step budget
 * within ~50 ms, the most a request may hold the event loop (Workers give no timer to stop it).
 */
export async function templateWorstCase(): Promise<Result> {
  const slowest: Record<string, number> = {};
  let worst = 0;
  for (const [name, source, variables] of CASES) {
    const template = compiled(source);
    for (let run = 0; run < RUNS; run++) {
      const vars = variables(run);
      const problem = freeformProblem(vars);
      if (problem) throw new Error(`${name}: the API would refuse these variables (${problem.message})`);
      const t0 = performance.now();
      // Each must stop early: at its step budget, or refused (a list where a word belongs).
      try {
        template.render(vars, DATA);
        throw new Error(`${name}: rendered to the end; it should have stopped`);
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
      }
      const ms = performance.now() - t0;
      slowest[name] = Math.max(slowest[name] ?? 0, ms);
      worst = Math.max(worst, ms);
    }
  }
  return {
    value: Math.round(worst * 10) / 10,
    unit: "ms (slowest render)",
    target: 50,
    better: "lower",
    runs_per_case: RUNS,
    variables_bytes_max: FREEFORM_BYTES,
    slowest_ms: Object.fromEntries(Object.entries(slowest).map(([k, v]) => [k, Math.round(v * 10) / 10])),
  };
}
