import { AppError } from "../lib/errors";
import type { Loc } from "./ast";

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

export function compileError(
  kind: string,
  message: string,
  loc?: Loc,
  extra: Record<string, string> = {},
): TemplateError {
  return new TemplateError("template_invalid", message, { kind, ...position(loc), ...extra });
}

export function renderError(
  kind: string,
  message: string,
  loc?: Loc,
  extra: Record<string, string> = {},
): TemplateError {
  return new TemplateError("template_render_failed", message, { kind, ...position(loc), ...extra });
}

/** Handlebars columns are 0-based; people count from 1. */
function position(loc?: Loc): { line?: number; column?: number } {
  return loc ? { line: loc.start.line, column: loc.start.column + 1 } : {};
}
