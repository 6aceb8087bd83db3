// Webhooks a provider signed but whose body could not be read. The provider is answered 400 (a
// 5xx it would retry forever); the body is kept as it came, for 30 days, so someone can see what
// the provider sent and take it up with them.

import { and, desc, eq } from "drizzle-orm";
import type { Ctx } from "../context";
import type { Database } from "../db/client";
import { type ChannelRow, rejectedWebhooks } from "../db/schema";
import type { WebhookRequest } from "../delivery/provider";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";

const KEEP_MS = 30 * 86_400_000;
const LIST = 50;

export async function keepRejectedWebhook(
  deps: { db: Database; clock: Clock; ids: IdGenerator },
  channel: ChannelRow,
  kind: "status" | "inbound",
  req: WebhookRequest,
  reason: string,
): Promise<void> {
  const now = deps.clock.now().getTime();
  await deps.db.batch([
    {
      sql: "delete from rejected_webhooks where tenant_id = ? and received_at < ?",
      params: [channel.tenantId, now - KEEP_MS],
    },
    deps.db.orm.insert(rejectedWebhooks).values({
      id: deps.ids.next("rwh"),
      tenantId: channel.tenantId,
      channelId: channel.id,
      kind,
      reason,
      contentType: req.headers.get("content-type"),
      body: req.body,
      receivedAt: now,
    }),
  ]);
}

/** The latest rejected webhooks of a channel (the caller checks the channel is the workspace's). */
export async function listRejectedWebhooks(ctx: Ctx, channelId: string) {
  const rows = await ctx.db.orm
    .select()
    .from(rejectedWebhooks)
    .where(and(eq(rejectedWebhooks.tenantId, ctx.tenantId), eq(rejectedWebhooks.channelId, channelId)))
    .orderBy(desc(rejectedWebhooks.receivedAt), desc(rejectedWebhooks.id))
    .limit(LIST)
    .all();
  return {
    data: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      reason: r.reason,
      content_type: r.contentType,
      body: r.body,
      received_at: new Date(r.receivedAt).toISOString(),
    })),
  };
}
