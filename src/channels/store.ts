// The channels table's raw SQL: the hot lookup of a webhook's channel.
import type { Database } from "../db/client";
import type { ChannelRow } from "../db/schema";

/**
 * The live channel with this id, of whichever workspace (a webhook's URL names the channel, and
 * the channel finds the tenant), or undefined. Raw: drizzle's query building cost more than the query.
 */
export async function liveChannelById(db: Database, id: string): Promise<ChannelRow | undefined> {
  const [r] = await db.rawAll<Record<string, unknown>>("select * from channels where id = ? and archived_at is null", [
    id,
  ]);
  if (!r) return undefined;
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    provider: r.provider,
    config: JSON.parse(r.config as string),
    credentials: r.credentials,
    ratePerSecond: r.rate_per_second,
    counting: r.counting,
    isDefault: Boolean(r.is_default),
    archivedAt: r.archived_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  } as ChannelRow;
}
