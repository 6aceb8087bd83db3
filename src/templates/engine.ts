// The template engine: Handlebars syntax, no code generation. Handlebars' own parser builds the
// AST and this file turns it, once per template, into a tree of closures. Workers forbid `eval`
// and `new Function` (so `Handlebars.compile` cannot run there); closures are plain JavaScript,
// so the same engine renders on Node and on Workers. test/template-differential.test.ts proves
// that its output equals what Handlebars.compile prints with { strict: true, noEscape: true }.
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
import { AppError } from "../lib/errors";
import { PROTOTYPE_NAMES } from "../lib/prototype-names";

type Pos = { line: number; column: number };
type Loc = { start: Pos; end?: Pos };

type PathNode = {
  type: "PathExpression";
  data: boolean;
  depth: number;
  parts: string[];
  original: string;
  loc?: Loc;
};
type LiteralNode = {
  type: "StringLiteral" | "NumberLiteral" | "BooleanLiteral" | "UndefinedLiteral" | "NullLiteral";
  value: unknown;
  original: unknown;
  loc?: Loc;
};
type HashNode = { type: "Hash"; pairs: { key: string; value: ExprNode }[] };
type CallNode = { path: PathNode | LiteralNode; params: ExprNode[]; hash?: HashNode; loc?: Loc };
type SubExprNode = CallNode & { type: "SubExpression" };
type ExprNode = PathNode | LiteralNode | SubExprNode;
type ProgramNode = { type: "Program"; body: StatementNode[]; blockParams?: string[]; loc?: Loc };
type StatementNode =
  | { type: "ContentStatement"; value: string; loc?: Loc }
  | { type: "CommentStatement"; loc?: Loc }
  | (CallNode & { type: "MustacheStatement" })
  | (CallNode & { type: "BlockStatement"; program?: ProgramNode; inverse?: ProgramNode })
  | { type: "PartialStatement" | "PartialBlockStatement" | "Decorator" | "DecoratorBlock"; loc?: Loc };

/** A template problem found when compiling (syntax, unknown helper) or rendering (missing variable). */
export class TemplateError extends AppError {
  constructor(
    code: "template_invalid" | "template_render_failed",
    message: string,
    readonly problem: {
      kind: string;
      line?: number;
      column?: number;
      variable?: string;
      helper?: string;
    },
  ) {
    const where = problem.line ? ` (line ${problem.line}, column ${problem.column})` : "";
    super(code, `${message}${where}`, [{ path: "template", message: `${message}${where}`, ...problem }]);
  }
}

function compileError(kind: string, message: string, loc?: Loc, extra: Record<string, string> = {}): TemplateError {
  return new TemplateError("template_invalid", message, { kind, ...position(loc), ...extra });
}

function renderError(kind: string, message: string, loc?: Loc, extra: Record<string, string> = {}): TemplateError {
  return new TemplateError("template_render_failed", message, { kind, ...position(loc), ...extra });
}

/** Handlebars columns are 0-based; people count from 1. */
function position(loc?: Loc): { line?: number; column?: number } {
  return loc ? { line: loc.start.line, column: loc.start.column + 1 } : {};
}

/** What a helper receives last, shaped like Handlebars' `options` so helpers run on both. */
export type HelperOptions = {
  name: string;
  hash: Record<string, unknown>;
  data: DataFrame;
  loc?: Loc;
  lookupProperty: (parent: unknown, name: string) => unknown;
  /** Counts slow work against the render's budget (absent when Handlebars itself runs the helper). */
  charge?: (steps: number) => void;
  /**
   * Like charge, the first time a render (or the renders of one RenderMeter) names `key`: a
   * formatter is built once and reused.
   */
  chargeOnce?: (key: string, steps: number) => void;
};
export type Helper = (this: unknown, ...args: unknown[]) => unknown;

/** `@`-variables: `@root`, `@index`... plus what the caller passes (locale, time zone, today). */
export type DataFrame = { root?: unknown; _parent?: DataFrame; [key: string]: unknown };

export type RenderLimits = { maxOutput: number; maxSteps: number };
export const DEFAULT_LIMITS: RenderLimits = { maxOutput: 2000, maxSteps: 10_000 };
/** A helper call's own cost, and one step more per this many characters of text it is given. */
const HELPER_STEPS = 4;
const CHARS_PER_STEP = 16;

type Run = {
  steps: number;
  limits: RenderLimits;
  charged?: Set<string>;
  /** What helpers charge through, made at a render's first helper call. */
  hooks?: Required<Pick<HelperOptions, "charge" | "chargeOnce">>;
};
type Frame = {
  ctx: unknown;
  /** The context the template was rendered with: `@root`. */
  root: unknown;
  depths: unknown[];
  data: DataFrame;
  /** Block params, innermost program first, one entry per program invocation (as Handlebars). */
  bp: (unknown[] | undefined)[];
  run: Run;
};
type Expr = (f: Frame) => unknown;
type Prog = (f: Frame) => string;

const BLOCK_HELPERS = new Set(["if", "unless", "each", "with"]);
const REJECTED_HELPERS: Record<string, string> = {
  log: "'log' writes to the server log, not to the message",
  helperMissing: "'helperMissing' is internal to Handlebars",
  blockHelperMissing: "'blockHelperMissing' is internal to Handlebars",
};

export type CompiledTemplate = {
  source: string;
  /** Variable paths the template reads from its context (for lint and sample variables). */
  variables: string[];
  helpers: string[];
  /** Renders; the steps it took (failing or not) are added to `meter` when one is given. */
  render(context: unknown, data?: Record<string, unknown>, limits?: RenderLimits, meter?: RenderMeter): string;
};

/**
 * Counts the steps of many renders in one piece of work (an audience preview, a dispatch batch),
 * so that it can give the event loop a turn between renders and stop at a budget of its own.
 * Before each render: `while (meter.due()) await meter.pause();`. The check is synchronous and
 * made again after every wait, so no other render slips in between it and the render, and
 * renderers running side by side (a dispatch batch's) wait for the same turn.
 */
export class RenderMeter {
  steps = 0;
  /** What the renders it counts have paid for once (a formatter each builds and reuses). */
  readonly charged = new Set<string>();
  private turnStartedAt = 0;
  private turn: Promise<void> | null = null;
  constructor(private readonly stepsPerTurn = DEFAULT_LIMITS.maxSteps) {}
  /** Whether the renders since the event loop's last turn took a render's budget. */
  due(): boolean {
    return this.steps - this.turnStartedAt >= this.stepsPerTurn;
  }
  /** The event loop's next turn (one for every renderer that is waiting). */
  pause(): Promise<void> {
    this.turn ??= new Promise((resolve) =>
      setTimeout(() => {
        this.turn = null;
        this.turnStartedAt = this.steps;
        resolve();
      }, 0),
    );
    return this.turn;
  }
}

export function lookupProperty(parent: unknown, name: string): unknown {
  if (parent === null || parent === undefined) return undefined;
  return Object.hasOwn(parent as object, name) ? (parent as Record<string, unknown>)[name] : undefined;
}

function isEmpty(value: unknown): boolean {
  return (!value && value !== 0) || (Array.isArray(value) && value.length === 0);
}

class Compiler {
  /** Block params of enclosing programs, innermost first (undefined for programs without). */
  private readonly scopes: (string[] | undefined)[] = [];
  readonly variables = new Set<string>();
  readonly helpersUsed = new Set<string>();
  /** How many #with / #each blocks enclose the code being compiled. */
  private contextLevel = 0;

  constructor(private readonly helpers: Readonly<Record<string, Helper>>) {}

  /** A program costs a step to run, printing or not, and a step per statement. */
  program(node: ProgramNode | undefined): Prog {
    if (!node) return emptyProgram;
    this.scopes.unshift(node.blockParams);
    const parts = node.body.map((s) => this.statement(s)).filter((p): p is Prog => p !== null);
    this.scopes.shift();
    const count = parts.length;
    if (count === 0) return emptyProgram;
    if (count === 1) {
      const only = parts[0] as Prog;
      return (f) => {
        charge(f.run, 2);
        const out = only(f);
        if (out.length > f.run.limits.maxOutput) throw tooLong(f.run);
        return out;
      };
    }
    return (f) => {
      charge(f.run, count + 1);
      let out = "";
      for (let i = 0; i < count; i++) out += (parts[i] as Prog)(f);
      if (out.length > f.run.limits.maxOutput) throw tooLong(f.run);
      return out;
    };
  }

  private statement(node: StatementNode): Prog | null {
    switch (node.type) {
      case "ContentStatement": {
        const text = node.value;
        return text ? () => text : null;
      }
      case "CommentStatement":
        return null;
      case "MustacheStatement": {
        const value = this.call(node, true);
        const loc = node.loc;
        const label = pathLabel(node.path);
        return (f) => printable(value(f), label, loc);
      }
      case "BlockStatement":
        return this.block(node);
      case "PartialStatement":
      case "PartialBlockStatement":
        throw compileError("unsupported", "Partials ({{> name}}) are not supported in SMS templates", node.loc);
      default:
        throw compileError("unsupported", "Decorators ({{* name}}) are not supported in SMS templates", node.loc);
    }
  }

  /** A mustache or subexpression: a helper call, or a variable read strictly. */
  private call(node: CallNode, isStatement: boolean): Expr {
    const path = literalToPath(node.path);
    const simple = path.parts.length === 1 && path.depth === 0 && !path.data && !isScoped(path);
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    const name = path.parts[0] ?? "";
    // A subexpression is always a helper call; a mustache is one when it has arguments or names
    // a helper (Handlebars resolves `{{name}}` to a helper before a variable).
    const helperLike = !isStatement || hasArgs || Object.hasOwn(this.helpers, name);
    if (simple && this.blockParam(name) === null && helperLike) {
      if (BLOCK_HELPERS.has(name)) {
        throw compileError(
          "block_helper",
          `'${name}' is a block helper: write {{#${name} ...}}...{{/${name}}}`,
          node.loc,
          {
            helper: name,
          },
        );
      }
      return this.helperCall(name, node);
    }
    if (hasArgs || !isStatement) {
      throw compileError(
        "unknown_helper",
        simple ? `Unknown helper '${name}'` : `'${path.original}' is not a helper`,
        node.loc,
        { helper: path.original },
      );
    }
    // Errors point at the mustache itself ({{ ... }}), where the author will look.
    return this.path(path, true, node.loc);
  }

  private helperCall(name: string, node: CallNode): Expr {
    const rejected = REJECTED_HELPERS[name];
    if (rejected) throw compileError("unknown_helper", rejected, node.loc, { helper: name });
    const helper = name === "lookup" ? (lookupHelper as Helper) : this.helpers[name];
    if (!helper) throw compileError("unknown_helper", `Unknown helper '${name}'`, node.loc, { helper: name });
    this.helpersUsed.add(name);
    const params = node.params.map((p) => this.expr(p));
    const hash = this.hash(node.hash);
    const loc = node.loc;
    const n = params.length;
    return (f) => {
      const args: unknown[] = new Array(n + 1);
      let steps = HELPER_STEPS;
      for (let i = 0; i < n; i++) {
        const arg = (params[i] as Expr)(f);
        if (typeof arg === "string") steps += Math.ceil(arg.length / CHARS_PER_STEP);
        args[i] = arg;
      }
      const h = hash(f);
      for (const k in h) if (typeof h[k] === "string") steps += Math.ceil((h[k] as string).length / CHARS_PER_STEP);
      charge(f.run, steps);
      f.run.hooks ??= hooksFor(f.run);
      const hooks = f.run.hooks;
      args[n] = {
        name,
        hash: h,
        data: f.data,
        loc,
        lookupProperty,
        charge: hooks.charge,
        chargeOnce: hooks.chargeOnce,
      } satisfies HelperOptions;
      try {
        return helper.apply(f.ctx, args);
      } catch (e) {
        if (e instanceof TemplateError) throw e;
        throw renderError("helper_failed", `${name}: ${(e as Error).message}`, loc, { helper: name });
      }
    };
  }

  private hash(node: HashNode | undefined): (f: Frame) => Record<string, unknown> {
    const pairs = (node?.pairs ?? []).map((p) => [p.key, this.expr(p.value)] as const);
    if (pairs.length === 0) return () => ({});
    return (f) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of pairs) out[k] = v(f);
      return out;
    };
  }

  private expr(node: ExprNode): Expr {
    switch (node.type) {
      case "PathExpression":
        return this.path(node, false);
      case "SubExpression":
        return this.call(node, false);
      default: {
        const value = node.value;
        return () => value;
      }
    }
  }

  /** Block params in scope: [programs up, index], as Handlebars' compiler resolves them. */
  private blockParam(name: string): [number, number] | null {
    for (let depth = 0; depth < this.scopes.length; depth++) {
      const index = this.scopes[depth]?.indexOf(name) ?? -1;
      if (index >= 0) return [depth, index];
    }
    return null;
  }

  /**
   * A variable read. `strict` (a mustache printing a value) means the last part must exist;
   * helper arguments may name a missing last part (it reads as undefined), as in Handlebars.
   */
  private path(node: PathNode, strict: boolean, at?: Loc): Expr {
    const parts = node.parts;
    const loc = at ?? node.loc;
    const label = node.original;
    for (const p of parts) {
      if (PROTOTYPE_NAMES.has(p)) throw compileError("forbidden_property", `'${p}' cannot be read in a template`, loc);
    }
    const first = parts[0];
    if (node.data && first === "root") {
      // @root is the rendered context at any depth; kept on the frame so data needs no copy.
      return (f) => resolve(f.root, parts, 1, strict, label, loc);
    }
    if (node.data) {
      const depth = node.depth;
      return (f) => {
        let data: DataFrame | undefined = f.data;
        for (let i = 0; i < depth; i++) data = data?._parent;
        return resolve(data, parts, 0, strict, `@${label.replace(/^@/, "")}`, loc);
      };
    }
    const bp = node.depth === 0 && !isScoped(node) && first !== undefined ? this.blockParam(first) : null;
    if (bp) {
      const [up, index] = bp;
      return (f) => resolve(f.bp[up]?.[index], parts, 1, false, label, loc);
    }
    // Only paths that read the root context are the template's variables (not an #each item's).
    if (node.depth === this.contextLevel && parts.length > 0) this.variables.add(parts.join("."));
    const depth = node.depth;
    if (parts.length === 0) return depth === 0 ? (f) => f.ctx : (f) => f.depths[depth];
    if (depth === 0 && parts.length === 1 && strict) {
      const name = first as string;
      return (f) => strictGet(f.ctx, name, label, loc);
    }
    return (f) => resolve(depth === 0 ? f.ctx : f.depths[depth], parts, 0, strict, label, loc);
  }

  private block(node: CallNode & { type: "BlockStatement"; program?: ProgramNode; inverse?: ProgramNode }): Prog {
    const path = literalToPath(node.path);
    const name = path.parts.length === 1 && !path.data && path.depth === 0 ? (path.parts[0] as string) : "";
    if (!BLOCK_HELPERS.has(name)) {
      const known = Object.hasOwn(this.helpers, name) || name === "lookup";
      throw compileError(
        "unsupported_block",
        known
          ? `'${name}' is not a block helper: write {{${name} ...}}`
          : `Sections like {{#${path.original}}} are not supported: use {{#if}}, {{#unless}}, {{#each}} or {{#with}}`,
        node.loc,
        { helper: path.original },
      );
    }
    if (node.params.length !== 1) {
      throw compileError("block_arguments", `#${name} needs exactly one argument`, node.loc, { helper: name });
    }
    const allowedHash = name === "if" || name === "unless" ? ["includeZero"] : [];
    for (const pair of node.hash?.pairs ?? []) {
      if (!allowedHash.includes(pair.key))
        throw compileError("block_arguments", `#${name} does not take '${pair.key}='`, node.loc, { helper: name });
    }
    const arg = this.expr(node.params[0] as ExprNode);
    const hash = this.hash(node.hash);
    const changesContext = name === "with" || name === "each";
    if (changesContext) this.contextLevel++;
    const fn = this.program(node.program);
    if (changesContext) this.contextLevel--;
    const inverse = this.program(node.inverse);
    switch (name) {
      case "if":
      case "unless": {
        const positive = name === "if";
        return (f) => {
          const v = arg(f);
          const falsy = (!hash(f).includeZero && !v) || isEmpty(v);
          return falsy === positive ? enter(inverse, f, f.ctx) : enter(fn, f, f.ctx);
        };
      }
      case "with":
        return (f) => {
          const v = arg(f);
          return isEmpty(v) ? enter(inverse, f, f.ctx) : enter(fn, f, v, f.data, [v]);
        };
      default:
        return (f) => each(arg(f), fn, inverse, f);
    }
  }
}

/** Runs a block's program with a new context (and data, block params) like Handlebars' wrapProgram. */
function enter(prog: Prog, f: Frame, ctx: unknown, data?: DataFrame, blockParams?: unknown[]): string {
  const depths = sameContext(ctx, f.depths[0]) ? f.depths : [ctx, ...f.depths];
  return prog({ ctx, root: f.root, depths, data: data ?? f.data, bp: [blockParams, ...f.bp], run: f.run });
}

/**
 * Handlebars pushes a depth for `../` only when the new context differs, testing with `!=`.
 * Objects are compared by identity (a loose test would convert them, and throws on objects
 * without a prototype); primitives loosely, as Handlebars does.
 */
function sameContext(a: unknown, b: unknown): boolean {
  if ((typeof a === "object" && a !== null) || (typeof b === "object" && b !== null)) return a === b;
  // biome-ignore lint/suspicious/noDoubleEquals: the same loose test as Handlebars' runtime
  return a == b;
}

function each(context: unknown, fn: Prog, inverse: Prog, f: Frame): string {
  let out = "";
  let count = 0;
  const data: DataFrame = { ...f.data, _parent: f.data };
  const step = (key: string | number, index: number, last: boolean, value: unknown) => {
    data.key = key;
    data.index = index;
    data.first = index === 0;
    data.last = last;
    out += enter(fn, f, value, data, [value, key]);
    if (out.length > f.run.limits.maxOutput) throw tooLong(f.run);
  };
  if (context && typeof context === "object") {
    if (Array.isArray(context)) {
      for (let i = 0; i < context.length; i++) {
        if (i in context) step(i, i, i === context.length - 1, context[i]);
        count++;
      }
    } else {
      const keys = Object.keys(context);
      // Listing the keys is work before the first iteration.
      charge(f.run, Math.ceil(keys.length / CHARS_PER_STEP));
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i] as string;
        step(k, i, i === keys.length - 1, (context as Record<string, unknown>)[k]);
      }
      count = keys.length;
    }
  }
  return count === 0 ? enter(inverse, f, f.ctx) : out;
}

function lookupHelper(this: unknown, obj: unknown, field: unknown, options: HelperOptions): unknown {
  if (options === undefined) throw new Error("lookup needs an object and a field");
  // A field is a name or an index: a list or an object would be joined into text first, work
  // the step budget does not see.
  if (typeof field === "object" && field !== null) throw new Error("the field must be a name or a number");
  if (!obj) return obj;
  return lookupProperty(obj, String(field));
}

/** Handlebars' scopedId: `this.x`, `./x` never name a helper or a block param. */
function isScoped(path: PathNode): boolean {
  return /^\.|this\b/.test(path.original);
}

/** `{{"name"}}` and `{{1}}` in a mustache's head are read as paths, as Handlebars does. */
function literalToPath(node: PathNode | LiteralNode): PathNode {
  if (node.type === "PathExpression") return node;
  const name = String(node.original);
  return { type: "PathExpression", data: false, depth: 0, parts: [name], original: name, loc: node.loc };
}

function pathLabel(node: PathNode | LiteralNode): string {
  return node.type === "PathExpression" ? node.original : String(node.original);
}

function strictGet(obj: unknown, name: string, label: string, loc?: Loc): unknown {
  if (typeof obj !== "object" || obj === null || !Object.hasOwn(obj, name)) throw missing(label, loc);
  return (obj as Record<string, unknown>)[name];
}

function resolve(start: unknown, parts: string[], from: number, strict: boolean, label: string, loc?: Loc): unknown {
  let value = start;
  const last = strict ? parts.length - 1 : parts.length;
  for (let i = from; i < last; i++) {
    // Handlebars throws a TypeError here (reading a property of undefined); say what is missing.
    if (value === null || value === undefined) throw missing(label, loc);
    value = lookupProperty(value, parts[i] as string);
  }
  return strict && last >= from ? strictGet(value, parts[last] as string, label, loc) : value;
}

function missing(label: string, loc?: Loc): TemplateError {
  return renderError("missing_variable", `Missing variable '${label}'`, loc, { variable: label });
}

function printable(value: unknown, label: string, loc?: Loc): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") {
    throw renderError("not_text", `'${label}' is ${Array.isArray(value) ? "a list" : "an object"}, not text`, loc, {
      variable: label,
    });
  }
  return typeof value === "string" ? value : String(value);
}

function charge(run: Run, steps: number): void {
  run.steps += steps;
  if (run.steps > run.limits.maxSteps) throw tooMuchWork(run);
}

/** How helpers charge a render for slow work. */
function hooksFor(run: Run): NonNullable<Run["hooks"]> {
  return {
    charge: (steps) => charge(run, steps),
    chargeOnce: (key, steps) => {
      run.charged ??= new Set();
      if (run.charged.has(key)) return;
      run.charged.add(key);
      charge(run, steps);
    },
  };
}

/** An empty program: it prints nothing, and costs a step like any other. */
function emptyProgram(f: Frame): string {
  charge(f.run, 1);
  return "";
}

function tooMuchWork(run: Run): TemplateError {
  return renderError("too_much_work", `The template does more than ${run.limits.maxSteps} steps`);
}

function tooLong(run: Run): TemplateError {
  return renderError("too_long", `The output is longer than ${run.limits.maxOutput} characters`);
}

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
