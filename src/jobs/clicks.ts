import type { Deps } from "../deps";
import { countClicks } from "../links/clicks";

/** Counts short links' clicks (every 5 s on Node, each minute on Workers). */
export async function runClicks(deps: Deps) {
  return countClicks({
    db: deps.db,
    clock: deps.clock,
    ids: deps.ids,
    ...(deps.clickIntake ? { intake: deps.clickIntake } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
}
