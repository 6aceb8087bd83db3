// Turns a template's AST into a tree of closures, once per template, and records the variables
// and helpers it uses. Unknown helpers and unsupported syntax are rejected here.

import { PROTOTYPE_NAMES } from "../lib/prototype-names";
import type { CallNode, ExprNode, HashNode, LiteralNode, Loc, PathNode, ProgramNode, StatementNode } from "./ast";
import { CHARS_PER_STEP, charge, HELPER_STEPS, hooksFor, tooLong } from "./budget";
import { compileError, renderError, TemplateError } from "./errors";
import {
  type Expr,
  each,
  emptyProgram,
  enter,
  type Frame,
  isEmpty,
  lookupHelper,
  lookupProperty,
  type Prog,
  printable,
  resolve,
  strictGet,
} from "./evaluate";
import type { DataFrame, Helper, HelperOptions } from "./helper-types";

const BLOCK_HELPERS = new Set(["if", "unless", "each", "with"]);
const REJECTED_HELPERS: Record<string, string> = {
  log: "'log' writes to the server log, not to the message",
  helperMissing: "'helperMissing' is internal to Handlebars",
  blockHelperMissing: "'blockHelperMissing' is internal to Handlebars",
};

export class Compiler {
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
