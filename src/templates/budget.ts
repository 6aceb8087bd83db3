// The work and output limits of a render: the step budget, what it charges, and RenderMeter,
// which counts the steps of many renders.

import { renderError, type TemplateError } from "./errors";
import type { HelperOptions } from "./helper-types";

export type RenderLimits = { maxOutput: number; maxSteps: number };
export const DEFAULT_LIMITS: RenderLimits = { maxOutput: 2000, maxSteps: 10_000 };
/** A helper call's own cost, and one step more per this many characters of text it is given. */
export const HELPER_STEPS = 4;
export const CHARS_PER_STEP = 16;

export type Run = {
  steps: number;
  limits: RenderLimits;
  charged?: Set<string>;
  /** What helpers charge through, made at a render's first helper call. */
  hooks?: Required<Pick<HelperOptions, "charge" | "chargeOnce">>;
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

export function charge(run: Run, steps: number): void {
  run.steps += steps;
  if (run.steps > run.limits.maxSteps) throw tooMuchWork(run);
}

/** How helpers charge a render for slow work. */
export function hooksFor(run: Run): NonNullable<Run["hooks"]> {
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

export function tooMuchWork(run: Run): TemplateError {
  return renderError("too_much_work", `The template does more than ${run.limits.maxSteps} steps`);
}

export function tooLong(run: Run): TemplateError {
  return renderError("too_long", `The output is longer than ${run.limits.maxOutput} characters`);
}
