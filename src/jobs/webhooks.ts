import type { Deps } from "../deps";
import { deliverWebhooks } from "../webhooks-out/deliver";

/** Sends the outgoing webhooks that are due (every 5 s on Node, each minute on Workers). */
export async function runWebhooks(deps: Deps) {
  return deliverWebhooks({
    db: deps.db,
    clock: deps.clock,
    secretKey: deps.secretKey,
    allowPrivate: deps.config.webhooksAllowPrivate === true,
    resolveHost: deps.resolveHost,
  });
}
