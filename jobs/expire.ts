import type { Deps } from "../src/deps";
import { expireMessages } from "../src/messages/expire";

/** Marks waiting messages whose validity has ended as expired. */
export async function runExpire(deps: Deps) {
  return expireMessages(deps);
}
