// The template engine: Handlebars syntax, no code generation. Handlebars' own parser builds the
// AST (here) and compiler.ts turns it, once per template, into a tree of closures that call
// evaluate.ts and charge budget.ts. Workers forbid `eval` and `new Function` (so
// `Handlebars.compile` cannot run there); closures are plain JavaScript, so the same engine
// renders on Node and on Workers. test/template-differential.test.ts proves that its output
// equals what Handlebars.compile prints with { strict: true, noEscape: true }.
//
// Semantics are Handlebars' strict mode, with these deliberate differences for SMS:
// - No HTML escaping: an SMS is plain text, so `{{x}}` and `{{{x}}}` print the same.
// - Only own properties are read; a prototype name (`constructor`, `toString`) is a missing variable.
// - Printing an object or a list is an error (Handlebars would print "[object Object]").
// - Printed values are always joined as text: Handlebars adds the first two values of a block
//   with `+`, so `{{a}}{{b}}` with 5 and 0 prints "5" there and "50" here.
// - Unknown helpers, partials, decorators and sections on plain values (`{{#person}}`) are
//   rejected when the template is compiled, not when a customer's message is rendered.
// - Work and output are bounded: a step budget (not a clock: Workers freeze timers during a
//   request) and a maximum output length. Every program run (each loop iteration, each branch
//   taken, even one that prints nothing) and every helper call costs steps; a helper pays more
//   for long text arguments and for slow work it reports through options.charge (a lunar date)
//   or options.chargeOnce (an Intl formatter). The default budget is some 20 ms of the worst
//   work found (bench/: template_worst_case), so no render holds the event loop for long.

import { parse, parser } from "handlebars/dist/cjs/handlebars/compiler/base.js";
import type { ProgramNode } from "./ast";
import { DEFAULT_LIMITS, type RenderLimits, type RenderMeter, type Run, tooLong } from "./budget";
import { Compiler } from "./compiler";
import { compileError } from "./errors";
import type { Helper } from "./helper-types";

export type { RenderLimits } from "./budget";
export { DEFAULT_LIMITS, RenderMeter } from "./budget";
export { TemplateError } from "./errors";
export { lookupProperty } from "./evaluate";
export type { DataFrame, Helper, HelperOptions } from "./helper-types";

export type CompiledTemplate = {
  source: string;
  /** Variable paths the template reads from its context (for lint and sample variables). */
  variables: string[];
  helpers: string[];
  /** Renders; the steps it took (failing or not) are added to `meter` when one is given. */
  render(context: unknown, data?: Record<string, unknown>, limits?: RenderLimits, meter?: RenderMeter): string;
};

function parseSource(source: string): ProgramNode {
  try {
    return parse(source) as ProgramNode;
  } catch (e) {
    const err = e as Error & { lineNumber?: number; column?: number };
    const first = err.message.split("\n")[0] ?? "Syntax error";
    const detail = err.message.split("\n").at(-1) ?? "";
    if (/^Parse error|^Lexical error/.test(first)) {
      const at = parser.lexer.yylloc;
      const loc = at ? { start: { line: at.first_line, column: at.first_column } } : undefined;
      const expecting = detail.startsWith("Expecting") ? `: ${detail}` : "";
      throw compileError("syntax", `Syntax error${expecting}`, loc);
    }
    // Handlebars' own exceptions (e.g. "if doesn't match each - 2:3") carry 0-based columns.
    const message = first.replace(/ - \d+:\d+$/, "");
    const loc = err.lineNumber !== undefined ? { start: { line: err.lineNumber, column: err.column ?? 0 } } : undefined;
    throw compileError("syntax", message, loc);
  }
}

// Block params are read, never written: every render can share the root's (empty) entry.
const ROOT_BLOCK_PARAMS: (unknown[] | undefined)[] = [undefined];

/** Compiles a template once; render it as often as needed. Throws TemplateError (template_invalid). */
export function compileTemplate(source: string, helpers: Readonly<Record<string, Helper>>): CompiledTemplate {
  const ast = parseSource(source);
  const compiler = new Compiler(helpers);
  const root = compiler.program(ast);
  return {
    source,
    variables: [...compiler.variables].sort(),
    helpers: [...compiler.helpersUsed].sort(),
    render(context, data = {}, limits = DEFAULT_LIMITS, meter) {
      const run: Run = { steps: 0, limits, ...(meter && { charged: meter.charged }) };
      try {
        const out = root({ ctx: context, root: context, depths: [context], data, bp: ROOT_BLOCK_PARAMS, run });
        if (out.length > limits.maxOutput) throw tooLong(run);
        return out;
      } finally {
        if (meter) meter.steps += run.steps;
      }
    },
  };
}
