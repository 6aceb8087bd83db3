// What the compiled closures call while a template renders: variable reads, blocks' contexts,
// #each, and printing.

import type { Loc } from "./ast";
import { CHARS_PER_STEP, charge, type Run, tooLong } from "./budget";
import { renderError, type TemplateError } from "./errors";
import type { DataFrame, HelperOptions } from "./helper-types";

export type Frame = {
  ctx: unknown;
  /** The context the template was rendered with: `@root`. */
  root: unknown;
  depths: unknown[];
  data: DataFrame;
  /** Block params, innermost program first, one entry per program invocation (as Handlebars). */
  bp: (unknown[] | undefined)[];
  run: Run;
};
export type Expr = (f: Frame) => unknown;
export type Prog = (f: Frame) => string;

export function lookupProperty(parent: unknown, name: string): unknown {
  if (parent === null || parent === undefined) return undefined;
  return Object.hasOwn(parent as object, name) ? (parent as Record<string, unknown>)[name] : undefined;
}

export function isEmpty(value: unknown): boolean {
  return (!value && value !== 0) || (Array.isArray(value) && value.length === 0);
}

/** Runs a block's program with a new context (and data, block params) like Handlebars' wrapProgram. */
export function enter(prog: Prog, f: Frame, ctx: unknown, data?: DataFrame, blockParams?: unknown[]): string {
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

export function each(context: unknown, fn: Prog, inverse: Prog, f: Frame): string {
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

export function lookupHelper(this: unknown, obj: unknown, field: unknown, options: HelperOptions): unknown {
  if (options === undefined) throw new Error("lookup needs an object and a field");
  // A field is a name or an index: a list or an object would be joined into text first, work
  // the step budget does not see.
  if (typeof field === "object" && field !== null) throw new Error("the field must be a name or a number");
  if (!obj) return obj;
  return lookupProperty(obj, String(field));
}

export function strictGet(obj: unknown, name: string, label: string, loc?: Loc): unknown {
  if (typeof obj !== "object" || obj === null || !Object.hasOwn(obj, name)) throw missing(label, loc);
  return (obj as Record<string, unknown>)[name];
}

export function resolve(
  start: unknown,
  parts: string[],
  from: number,
  strict: boolean,
  label: string,
  loc?: Loc,
): unknown {
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

export function printable(value: unknown, label: string, loc?: Loc): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") {
    throw renderError("not_text", `'${label}' is ${Array.isArray(value) ? "a list" : "an object"}, not text`, loc, {
      variable: label,
    });
  }
  return typeof value === "string" ? value : String(value);
}

/** An empty program: it prints nothing, and costs a step like any other. */
export function emptyProgram(f: Frame): string {
  charge(f.run, 1);
  return "";
}
