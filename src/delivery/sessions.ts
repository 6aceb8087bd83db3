// Session providers (SMPP) live beside the dispatcher: it keeps their links up, and hands them
// the sink where what their peer delivers is stored before they acknowledge it.

import { recordHealth } from "../channels/health-store";
import { sessionChannels } from "../channels/store";
import { answered, pruneUnanswered, storeDelivered } from "../inbound/delivered-store";
import { flushStaleParts } from "../inbound/parts-store";
import type { StoreDeps } from "../inbound/store";
import { applyMatchedEarlyReceipts, pruneEarlyReceipts } from "./early-receipts-store";
import type { SessionSink } from "./provider";
import { applyStatusUpdates } from "./receipts";
import type { ProviderRegistry } from "./registry";

/** Stores receipts, inbound SMS and their parts, and link changes; kicks the pipeline for new SMS. */
export function sessionSink(deps: StoreDeps & { onInbound?: (() => void) | undefined }): SessionSink {
  return {
    async receipts(channel, updates) {
      await applyStatusUpdates(deps, channel, updates);
    },
    async inbound(channel, sms, connection) {
      if (await storeDelivered(deps, channel, sms, connection)) deps.onInbound?.();
    },
    answered: (channel, ids) => answered(deps, channel, ids),
    health: (channel, state, error) => recordHealth(deps, channel, state, error),
  };
}

/**
 * Each dispatcher run: session channels keep their links up (a new or changed channel binds, an
 * archived one lets go), long SMS whose parts stopped coming are stored with what came, receipts
 * that beat their message's write are applied, and those nobody claimed in a day are dropped.
 */
export async function tendChannels(
  deps: StoreDeps & { providers: ProviderRegistry; onInbound?: (() => void) | undefined },
): Promise<number> {
  deps.providers.sink ??= sessionSink(deps);
  await pruneEarlyReceipts(deps.db, deps.clock.now().getTime());
  await pruneUnanswered(deps);
  await deps.providers.keep(await sessionChannels(deps.db));
  if ((await flushStaleParts(deps)) > 0) deps.onInbound?.();
  return applyMatchedEarlyReceipts(deps);
}
