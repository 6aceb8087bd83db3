import { dispatch } from "../delivery/dispatch";
import type { Deps } from "../deps";
import type { MessageKey } from "../outbox/claim";
import { libraryOf } from "../templates/library";

/**
 * Sends what is due (all of it on Node; on Workers, `keys` is one queue batch). Every 5 s on
 * Node (a queue batch on Workers), and at once when the API queues a message.
 */
export async function runDispatch(deps: Deps, only?: { keys: MessageKey[] }) {
  const options = {
    ...(deps.config.dispatchLeaseMs ? { leaseMs: deps.config.dispatchLeaseMs } : {}),
    ...(only ? { keys: only.keys } : {}),
  };
  return dispatch(
    {
      db: deps.db,
      clock: deps.clock,
      ids: deps.ids,
      providers: deps.providers,
      library: libraryOf(deps),
      onInbound: deps.onInboundReceived,
      onReceiptsDue: deps.onReceiptsDue,
      signal: deps.signal,
      ...(deps.config.publicUrl ? { publicUrl: deps.config.publicUrl } : {}),
      ...(deps.config.linkUrl ? { linkUrl: deps.config.linkUrl } : {}),
    },
    options,
  );
}
