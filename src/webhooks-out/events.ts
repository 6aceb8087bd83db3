// Events for outgoing webhooks, written as rows beside the change they tell of: the one place a
// writer (consent, inbound, messages) turns a change into deliveries.
import type { Ctx } from "../context";
import type { RawStatement } from "../db/client";
import { iso } from "../lib/time";
import { fanOut } from "./store";

/**
 * The statement that sends an event to the workspace's endpoints that take it, written in the
 * same batch as the change it tells of (outbox first); it writes nothing when nobody listens.
 * The body is fixed here: every attempt sends it as it is.
 */
export function eventStatement(
  ctx: Pick<Ctx, "ids" | "tenantId">,
  type: string,
  data: Record<string, unknown>,
  at: number,
  /** Only while this inbound SMS is still unprocessed: a change written twice tells of itself once. */
  only?: { unprocessedInbound: string },
): RawStatement {
  const eventId = ctx.ids.next("evt");
  const payload = JSON.stringify({ type, timestamp: iso(at), data });
  return fanOut(ctx.tenantId, eventId, type, payload, at, undefined, only?.unprocessedInbound);
}
