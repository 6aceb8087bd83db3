// The SQL of short links and their clicks. The redirect finds a link by its code alone (a
// request carries no workspace), and the click job takes every workspace's clicks: both are
// cross-workspace reads on the tested allow-list; everything else is by tenant_id.

import type { Database, RawStatement } from "../db/client";

export type LinkInsert = {
  code: string;
  tenantId: string;
  messageId: string;
  customerId: string;
  campaignId: string | null;
  position: number;
  url: string;
  createdAt: number;
};

/** A message's links so far (a retried send keeps its codes). */
export async function linksOfMessage(db: Database, tenantId: string, messageId: string) {
  return db.rawAll<{ code: string; position: number; url: string }>(
    "select code, position, url from links where tenant_id = ? and message_id = ?",
    [tenantId, messageId],
  );
}

/** Stores a message's links; a link whose URL changed on a retry (re-rendered) gets the new one. */
export function insertLinks(rows: LinkInsert[]): RawStatement[] {
  return rows.map((l) => ({
    sql: `insert into links (code, tenant_id, message_id, customer_id, campaign_id, position, url, created_at)
            values (?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (tenant_id, message_id, position) do update set code = excluded.code, url = excluded.url`,
    params: [l.code, l.tenantId, l.messageId, l.customerId, l.campaignId, l.position, l.url, l.createdAt],
  }));
}

/** The redirect's one read: where a code goes and whose it is (cross-workspace: by code alone). */
export const LINK_BY_CODE = "select tenant_id, url from links where code = ?";

export async function linkByCode(db: Database, code: string) {
  const [row] = await db.rawRows(LINK_BY_CODE, [code]);
  return row ? { tenantId: row[0] as string, url: row[1] as string } : null;
}

export type ClickRecord = {
  id: string;
  tenantId: string;
  code: string;
  at: number;
  agent: "browser" | "bot" | "head";
  userAgent: string;
};

/** How the redirect finds links and stores clicks (Node: a journal beside the database). */
export type LinkStore = {
  find(code: string): Promise<{ tenantId: string; url: string } | null>;
  record(click: ClickRecord): Promise<unknown>;
};

type Found = { tenantId: string; url: string };

/**
 * Link lookups kept in memory, the most recently used `max`: a link never changes where it
 * goes, and a read of the database after another connection wrote starts from a cold page
 * cache (the click job writes every few seconds while a campaign is being clicked).
 */
export function remembered(find: (code: string) => Promise<Found | null>, max: number) {
  const seen = new Map<string, Found>();
  return async (code: string): Promise<Found | null> => {
    const hit = seen.get(code);
    if (hit) {
      seen.delete(code);
      seen.set(code, hit);
      return hit;
    }
    const found = await find(code);
    if (found) {
      if (seen.size >= max) seen.delete(seen.keys().next().value as string);
      seen.set(code, found);
    }
    return found;
  };
}

export const CLICK_COLUMNS = "id, tenant_id, code, at, agent, user_agent";

/** Stores a click as taken; `on conflict do nothing`: a journaled click moved twice counts once. */
export function insertClicks(rows: ClickRecord[]): RawStatement[] {
  return rows.map((c) => ({
    sql: `insert into link_clicks (${CLICK_COLUMNS}) values (?, ?, ?, ?, ?, ?) on conflict do nothing`,
    params: [c.id, c.tenantId, c.code, c.at, c.agent, c.userAgent],
  }));
}

export type ClaimedClick = ClickRecord & {
  /** False when the link is gone (its workspace's data deleted): the click is only let go of. */
  linked: boolean;
  messageId: string;
  customerId: string;
  campaignId: string | null;
  url: string;
  position: number;
  clicks: number;
  /** When the link was stored, just before its message was handed to the provider. */
  linkedAt: number;
};

/**
 * A counted click's lease: it stays in link_clicks for a day (so a journaled click moved in
 * again after a restart is a repeat of its id, and ignored), out of every claim's reach.
 */
export const COUNTED = 8_640_000_000_000_000;

/**
 * Takes the oldest clicks not held by another run (every workspace's: the job's), holding them
 * until `lease` (the run's own value: what it writes is fenced on it); with each, its link.
 */
export async function claimClicks(db: Database, now: number, lease: number, limit: number): Promise<ClaimedClick[]> {
  const taken = await db.rawAll<{ id: string }>(
    `update link_clicks set lease_until = ?
       where id in (select id from link_clicks where lease_until <= ? order by lease_until, at limit ?)
       returning id`,
    [lease, now, limit],
  );
  if (taken.length === 0) return [];
  const rows = await db.rawAll<Record<string, unknown>>(
    `select k.id, k.tenant_id, k.code, k.at, k.agent, k.user_agent, l.message_id, l.customer_id, l.campaign_id,
            l.url, l.position, l.clicks, l.created_at
       from link_clicks k
       left join links l on l.code = k.code and l.tenant_id = k.tenant_id
      where k.id in (select value from json_each(?))
      order by k.at`,
    [JSON.stringify(taken.map((t) => t.id))],
  );
  return rows.map((r) => ({
    id: r.id as string,
    tenantId: r.tenant_id as string,
    code: r.code as string,
    at: r.at as number,
    agent: r.agent as ClickRecord["agent"],
    userAgent: r.user_agent as string,
    linked: r.message_id !== null,
    messageId: r.message_id as string,
    customerId: r.customer_id as string,
    campaignId: (r.campaign_id as string | null) ?? null,
    url: r.url as string,
    position: r.position as number,
    clicks: r.clicks as number,
    linkedAt: (r.created_at as number | null) ?? 0,
  }));
}

/** Written only while this run's claim holds `click` (a run that outlived its lease writes nothing). */
const HELD = "exists (select 1 from link_clicks k where k.tenant_id = ? and k.id = ? and k.lease_until = ?)";

/** Adds a claim's clicks of one link: people's (first and last time, count) and the rest apart. */
export function countClicksOf(
  l: { tenantId: string; code: string; id: string },
  t: { first: number; last: number; people: number; bots: number },
  lease: number,
): RawStatement {
  const held = [l.tenantId, l.id, lease];
  if (t.people === 0)
    return {
      sql: `update links set bot_clicks = bot_clicks + ? where tenant_id = ? and code = ? and ${HELD}`,
      params: [t.bots, l.tenantId, l.code, ...held],
    };
  return {
    sql: `update links set clicks = clicks + ?, bot_clicks = bot_clicks + ?,
            first_click_at = coalesce(min(first_click_at, ?), ?), last_click_at = max(coalesce(last_click_at, 0), ?)
          where tenant_id = ? and code = ? and ${HELD}`,
    params: [t.people, t.bots, t.first, t.first, t.last, l.tenantId, l.code, ...held],
  };
}

/** Claimed clicks marked counted, last in the batch that counted them (while the claim holds). */
export function markCounted(clicks: { id: string; tenantId: string }[], lease: number): RawStatement[] {
  const byTenant = new Map<string, string[]>();
  for (const c of clicks) {
    const ids = byTenant.get(c.tenantId);
    if (ids) ids.push(c.id);
    else byTenant.set(c.tenantId, [c.id]);
  }
  return [...byTenant].map(([tenantId, ids]) => ({
    sql: `update link_clicks set lease_until = ${COUNTED}
          where tenant_id = ? and id in (select value from json_each(?)) and lease_until = ?`,
    params: [tenantId, JSON.stringify(ids), lease],
  }));
}

/** Counted clicks older than `before` go (every workspace's: the prune job's). The number removed. */
export async function pruneCountedClicks(db: Database, before: number, limit: number): Promise<number> {
  const gone = await db.rawAll<{ id: string }>(
    `delete from link_clicks where id in (
       select id from link_clicks where lease_until = ${COUNTED} and at < ? limit ?)
     returning id`,
    [before, limit],
  );
  return gone.length;
}

// Only links whose message went out: a link is stored before its send, which may then fail.
const SENT = "join messages m on m.tenant_id = l.tenant_id and m.id = l.message_id and m.sent_at is not null";

/** A campaign's links: recipients sent one, who clicked, and clicks, counted apart from bots. */
export async function campaignClickTotals(db: Database, tenantId: string, campaignId: string) {
  const [row] = await db.rawAll<{ recipients: number; clickers: number; clicks: number; bot_clicks: number }>(
    `select count(distinct l.customer_id) as recipients,
            count(distinct case when l.clicks > 0 then l.customer_id end) as clickers,
            coalesce(sum(l.clicks), 0) as clicks, coalesce(sum(l.bot_clicks), 0) as bot_clicks
       from links l ${SENT}
      where l.tenant_id = ? and l.campaign_id = ?`,
    [tenantId, campaignId],
  );
  return row ?? { recipients: 0, clickers: 0, clicks: 0, bot_clicks: 0 };
}

/** Per URL of a campaign: how many recipients clicked it. */
export async function campaignClicksByUrl(db: Database, tenantId: string, campaignId: string) {
  return db.rawAll<{ url: string; recipients: number; clickers: number; clicks: number }>(
    `select l.url, count(distinct l.customer_id) as recipients,
            count(distinct case when l.clicks > 0 then l.customer_id end) as clickers, sum(l.clicks) as clicks
       from links l ${SENT}
      where l.tenant_id = ? and l.campaign_id = ? group by l.url order by clickers desc, l.url limit 20`,
    [tenantId, campaignId],
  );
}
