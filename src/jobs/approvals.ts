import { checkApprovals } from "../channels/bindings";
import { channelsDueApprovalCheck } from "../channels/store";
import type { Deps } from "../deps";
import { libraryOf } from "../templates/library";

/** A review still open is asked about this often; a settled one (approved, refused) twice a day. */
export const OPEN_REVIEW_MS = 15 * 60_000;
export const SETTLED_REVIEW_MS = 12 * 3_600_000;
/** Channels asked about in one run (each may take up to 30 s); the rest wait for the next. */
const PER_RUN = 20;

/**
 * Asks Aliyun and Tencent about every channel whose signature or bound templates are due a
 * look: reviews move on the provider's side (approved in two hours, or a template withdrawn)
 * and campaigns wait on them. A provider that does not answer is asked again next time.
 */
export async function runApprovals(deps: Deps) {
  const now = deps.clock.now().getTime();
  const due = await channelsDueApprovalCheck(deps.db, now - OPEN_REVIEW_MS, now - SETTLED_REVIEW_MS, PER_RUN);
  const out: { channel_id: string; ok: boolean; error?: string }[] = [];
  for (const ch of due) {
    if (deps.signal?.aborted) break;
    const ctx = {
      db: deps.db,
      clock: deps.clock,
      ids: deps.ids,
      tenantId: ch.tenantId,
      providers: deps.providers,
      library: libraryOf(deps),
    };
    try {
      await checkApprovals(ctx, ch.id);
      out.push({ channel_id: ch.id, ok: true });
    } catch (e) {
      out.push({ channel_id: ch.id, ok: false, error: (e as Error).message });
    }
  }
  return out;
}
