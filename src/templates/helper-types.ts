import type { Loc } from "./ast";

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
