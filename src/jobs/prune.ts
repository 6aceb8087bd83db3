import type { Deps } from "../deps";
import { pruneDeliveries } from "../webhooks-out/store";

/** How long the webhook delivery log keeps a settled delivery. */
export const DELIVERY_LOG_DAYS = 30;
const CHUNK = 5_000;

/** Daily: the webhook delivery log's settled entries older than a month go, a chunk at a time. */
export async function runPrune(deps: Deps) {
  const before = deps.clock.now().getTime() - DELIVERY_LOG_DAYS * 86_400_000;
  let removed = 0;
  for (;;) {
    const n = await pruneDeliveries(deps.db, before, CHUNK);
    removed += n;
    if (n < CHUNK || deps.signal?.aborted) break;
  }
  return { deliveries: removed };
}
