import type { Deps } from "../deps";
import { expireMessages } from "../outbox/expire";

/** Marks waiting messages whose validity has ended as expired. */
export async function runExpire(deps: Deps) {
  return expireMessages(deps);
}
