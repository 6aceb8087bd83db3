import type { Deps } from "../deps";
import { processInbound } from "../inbound/process";
import { libraryOf } from "../templates/library";

/** Handles stored inbound SMS: at once when a webhook stores one, and every tick for leftovers. */
export async function runInbound(deps: Deps) {
  return processInbound(
    {
      db: deps.db,
      clock: deps.clock,
      ids: deps.ids,
      library: libraryOf(deps),
      onMessageDue: deps.onMessageDue,
      intake: deps.inboundIntake,
      signal: deps.signal,
    },
    deps.config.inboundLeaseMs ? { leaseMs: deps.config.inboundLeaseMs } : {},
  );
}
