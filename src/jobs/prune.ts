import type { Deps } from "../deps";
import { pruneCountedClicks } from "../links/store";
import { pruneDeliveries } from "../webhooks-out/store";

/** How long the webhook delivery log keeps a settled delivery. */
export const DELIVERY_LOG_DAYS = 30;
const CHUNK = 5_000;

/** Counted clicks are kept this long: a journaled click moved in again after a restart is then a repeat. */
const CLICKS_KEPT_MS = 86_400_000;

/**
 * Daily: the webhook delivery log's settled entries older than a month, and clicks counted
 * more than a day ago, go, a chunk at a time.
 */
export async function runPrune(deps: Deps) {
  const now = deps.clock.now().getTime();
  const chunks = async (prune: () => Promise<number>) => {
    let removed = 0;
    for (;;) {
      const n = await prune();
      removed += n;
      if (n < CHUNK || deps.signal?.aborted) return removed;
    }
  };
  return {
    deliveries: await chunks(() => pruneDeliveries(deps.db, now - DELIVERY_LOG_DAYS * 86_400_000, CHUNK)),
    clicks: await chunks(() => pruneCountedClicks(deps.db, now - CLICKS_KEPT_MS, CHUNK)),
  };
}
