// How each channel's link to its provider is doing, for the people who run it: up, down or
// connecting and since when, the last error, and the messages waiting to go through it. Written
// by the jobs (an SMPP session's changes; an HTTP provider that stopped answering); read by the
// API and the console.

import type { Database } from "../db/client";
import { type ChannelRow, OUTBOX_LIVE } from "../db/schema";
import type { LinkHealth } from "../delivery/provider";
import type { Clock } from "../lib/clock";
import { iso } from "../lib/time";

export type ChannelHealthView = {
  /** null: nothing reported yet (a channel that has not been used since the service started). */
  link: LinkHealth | null;
  since: string | null;
  last_error: string | null;
  last_error_at: string | null;
  /** Messages queued for this channel or being sent through it. */
  waiting: number;
};

/** Records a change of state; `since` moves only when the state does. */
export async function recordHealth(
  deps: { db: Database; clock: Clock },
  channel: Pick<ChannelRow, "id" | "tenantId">,
  state: LinkHealth,
  error: string | null,
): Promise<void> {
  const now = deps.clock.now().getTime();
  await deps.db.batch([
    {
      sql: `insert into channel_health (channel_id, tenant_id, state, since, last_error, last_error_at, updated_at)
            values (?, ?, ?, ?, ?, ?, ?)
            on conflict (channel_id) do update set
              since = case when channel_health.state = excluded.state then channel_health.since else excluded.since end,
              state = excluded.state,
              last_error = coalesce(excluded.last_error, channel_health.last_error),
              last_error_at = coalesce(excluded.last_error_at, channel_health.last_error_at),
              updated_at = excluded.updated_at
            where channel_health.tenant_id = excluded.tenant_id`,
      params: [channel.id, channel.tenantId, state, now, error, error ? now : null, now],
    },
  ]);
}

/** Each live channel's health in a workspace, by channel id. */
export async function healthOf(
  db: Database,
  tenantId: string,
  list: Pick<ChannelRow, "id" | "isDefault">[],
): Promise<Map<string, ChannelHealthView>> {
  const rows = await db.rawAll<{
    channel_id: string;
    state: LinkHealth;
    since: number;
    last_error: string | null;
    last_error_at: number | null;
  }>("select channel_id, state, since, last_error, last_error_at from channel_health where tenant_id = ?", [tenantId]);
  // Through the outbox's partial index (what is still to send), not the tenant's whole history:
  // `+tenant_id` keeps SQLite from choosing messages_key, which reads all 1M (230 ms).
  const waiting = await db.rawAll<{ channel_id: string | null; n: number }>(
    `select channel_id, count(*) as n from messages
      where +tenant_id = ? and ${OUTBOX_LIVE} and status <> 'planned' group by channel_id`,
    [tenantId],
  );
  const counts = new Map(waiting.map((w) => [w.channel_id, w.n]));
  const byId = new Map(rows.map((r) => [r.channel_id, r]));
  const out = new Map<string, ChannelHealthView>();
  for (const c of list) {
    const r = byId.get(c.id);
    out.set(c.id, {
      link: r?.state ?? null,
      since: r ? iso(r.since) : null,
      last_error: r?.last_error ?? null,
      last_error_at: r?.last_error_at ? iso(r.last_error_at) : null,
      // Messages with no channel yet go through the default one.
      waiting: (counts.get(c.id) ?? 0) + (c.isDefault ? (counts.get(null) ?? 0) : 0),
    });
  }
  return out;
}
