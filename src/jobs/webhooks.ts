import type { Deps } from "../deps";
import { deliverWebhooks } from "../webhooks-out/deliver";

/** Sends the outgoing webhooks that are due (every 5 s on Node; on Workers, a queue message's). */
export async function runWebhooks(deps: Deps, only?: { ids: string[] }) {
  return deliverWebhooks(
    {
      db: deps.db,
      clock: deps.clock,
      secretKey: deps.secretKey,
      allowPrivate: deps.config.webhooksAllowPrivate === true,
      resolveHost: deps.resolveHost,
      signal: deps.signal,
    },
    only,
  );
}
