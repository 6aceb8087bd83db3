// The channels table's raw SQL: the hot lookup of a webhook's channel, and the jobs' list of
// channels that hold a session.
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
  return r ? channelRow(r) : undefined;
}

/** Providers that keep a session open to their peer, instead of answering webhooks. */
export const SESSION_PROVIDERS = ["smpp"] as const;

/** Every workspace's live channels of a session provider: the jobs keep their links up. */
export async function sessionChannels(db: Database): Promise<ChannelRow[]> {
  const rows = await db.rawAll<Record<string, unknown>>(
    `select * from channels where provider in (${SESSION_PROVIDERS.map(() => "?").join(", ")}) and archived_at is null`,
    [...SESSION_PROVIDERS],
  );
  return rows.map(channelRow);
}

/**
 * Every workspace's live Aliyun and Tencent channels whose signature or a bound template was
 * never asked about, is still in review and last asked before `openBefore`, or was last asked
 * before `settledBefore`.
 */
export async function channelsDueApprovalCheck(
  db: Database,
  openBefore: number,
  settledBefore: number,
  limit: number,
): Promise<ChannelRow[]> {
  // A signature Tencent cannot be asked about (no id given) stays unknown: not open, only unasked.
  const due = (state: string, at: string, open: string) =>
    `(${at} is null or ${at} < ? or (${state} in (${open}) and ${at} < ?))`;
  const rows = await db.rawAll<Record<string, unknown>>(
    `select * from channels c where c.provider in ('aliyun', 'tencent') and c.archived_at is null
       -- Asked (answered or not) within the quarter hour: not again; a provider that fails waits as long.
       and (c.approvals_asked_at is null or c.approvals_asked_at < ?) and (
       ${due("c.signature_approval", "c.signature_checked_at", "'pending'")}
       or exists (select 1 from template_bindings b where b.tenant_id = c.tenant_id and b.channel_id = c.id
                  and ${due("b.approval", "b.approval_checked_at", "'pending', 'unknown'")}))
     -- The longest unasked first, a bounded number a run: one slow provider does not hold the rest.
     order by coalesce(c.approvals_asked_at, 0) limit ?`,
    [openBefore, settledBefore, openBefore, settledBefore, openBefore, limit],
  );
  return rows.map(channelRow);
}

function channelRow(r: Record<string, unknown>): ChannelRow {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    provider: r.provider,
    config: JSON.parse(r.config as string),
    credentials: r.credentials,
    ratePerSecond: r.rate_per_second,
    numberCaps: r.number_caps == null ? null : JSON.parse(r.number_caps as string),
    counting: r.counting,
    signatureApproval: r.signature_approval,
    signatureDetail: r.signature_detail,
    signatureCheckedAt: r.signature_checked_at,
    approvalsAskedAt: r.approvals_asked_at,
    isDefault: Boolean(r.is_default),
    archivedAt: r.archived_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  } as ChannelRow;
}
