// What a dispatch batch reads before it sends: each workspace's settings, plan and usage (kept
// for the run), the recipients as they are now, the named channels, recent marketing sends for
// the frequency cap, and the campaigns' and shipments' states. A batch spans workspaces: each
// workspace's rows are read under its own tenant_id; channels and staff by the ids (with the
// workspace) the claimed rows carry.

import { and, eq, gte, inArray } from "drizzle-orm";
import { capsReach, numberCapsOf } from "../channels/number-caps";
import type { Composer } from "../compose/compose";
import { blankCustomer } from "../customers/model";
import { CUSTOMER_SELECT, customerFromRow } from "../customers/store";
import type { Database } from "../db/client";
import {
  type ChannelRow,
  type CustomerRow,
  campaigns,
  channels,
  type MessageRow,
  messages,
  type NumberCaps,
  type Plan,
  type TemplateBindingRow,
  type TenantRow,
  tenants,
} from "../db/schema";
import type { Clock } from "../lib/clock";
import { localDate, monthOf, monthStart } from "../lib/time";
import { brandName } from "../templates/context";
import type { CompiledTemplate } from "../templates/engine";
import { renderData } from "../templates/preview";
import { planFor } from "../tenants/store";
import { type UsageMonth, usedThisMonth } from "../usage/counter";
import { hasActiveEndpoint } from "../webhooks-out/store";

/** A workspace as the dispatcher sees it, read once per run and kept up to date as messages go out. */
export type TenantEnv = {
  tenant: TenantRow;
  plan: Plan;
  /** This month's counter (usage_months), which each batch's sends add to. */
  usage: UsageMonth;
  /** Proactive segments sent this month so far (the quota and the price use it). */
  used: number;
  defaultChannel: ChannelRow | undefined;
  templates: Map<string, { template: CompiledTemplate; version: string; locale: string; composer: Composer } | Error>;
  /** Template bindings looked up in this batch, by channel|key|locale (null: none). */
  bindings: Map<string, TemplateBindingRow | null>;
  brand: string;
  /** Whether an outgoing webhook is turned on: only then are message events written. */
  webhooks: boolean;
  /** Render data per (locale, zone) for this batch: the local date costs an Intl call. */
  data: Map<string, ReturnType<typeof renderData>>;
  now: Date;
};

export function dataFor(env: TenantEnv, locale: string, zone: string) {
  const key = `${locale}|${zone}`;
  let d = env.data.get(key);
  if (!d) {
    d = renderData({ clock: { now: () => env.now, sleep: async () => {} } }, locale, zone, env.plan.currency);
    env.data.set(key, d);
  }
  return d;
}

type Reader = { db: Database; clock: Clock };

async function tenantEnv(deps: Reader, tenantId: string): Promise<TenantEnv | null> {
  const tenant = await deps.db.orm.select().from(tenants).where(eq(tenants.id, tenantId)).get();
  if (!tenant) return null;
  const now = deps.clock.now();
  const month = monthOf(localDate(now, tenant.timeZone));
  const { plan } = await planFor(deps.db, tenantId, month);
  const usage: UsageMonth = { tenantId, month, from: monthStart(month, tenant.timeZone).getTime() };
  const defaultChannel = await deps.db.orm
    .select()
    .from(channels)
    .where(and(eq(channels.tenantId, tenantId), eq(channels.isDefault, true)))
    .get();
  return {
    tenant,
    plan,
    usage,
    used: await usedThisMonth(deps.db, usage),
    defaultChannel,
    templates: new Map(),
    bindings: new Map(),
    brand: brandName(tenant),
    webhooks: await hasActiveEndpoint(deps.db, tenantId),
    data: new Map(),
    now,
  };
}

/** The envs of the batch's workspaces: read once per run, again when a run crosses into a new month. */
async function refreshEnvs(deps: Reader, claimed: MessageRow[], envs: Map<string, TenantEnv | null>) {
  for (const t of new Set(claimed.map((m) => m.tenantId))) {
    const known = envs.get(t);
    if (known === undefined) envs.set(t, await tenantEnv(deps, t));
    else if (known) {
      known.now = deps.clock.now();
      known.data.clear();
      // A run that crosses into a new month counts (and caps) against the new one.
      if (monthOf(localDate(known.now, known.tenant.timeZone)) !== known.usage.month)
        envs.set(t, await tenantEnv(deps, t));
    }
  }
}

/** A shipment prompt's shipment, as it stands just before sending. */
export type ShipmentState = {
  converted_at: number | null;
  conversion_channel: string | null;
  returned_at: number | null;
};

/** Everything the send-time checks and the sending read, for one batch. */
export type BatchFacts = {
  envs: Map<string, TenantEnv | null>;
  people: Map<string, CustomerRow>;
  channels: Map<string, ChannelRow>;
  /** Recent marketing sends per customer, for workspaces with a frequency cap (newest last). */
  recent: Map<string, number[]>;
  campaignStatus: Map<string, string>;
  /** Each campaign's choice on tracking its links (null: the workspace's). */
  campaignLinks: Map<string, boolean | null>;
  shipments: Map<string, ShipmentState>;
  /** Sends per channel|recipient within the channel's per-number caps' reach, for capped channels. */
  numberSends: Map<string, number[]>;
};

/** The key of a recipient's sends through a channel in `numberSends`. */
export function numberKey(channelId: string, customerId: string): string {
  return `${channelId}|${customerId}`;
}

// `+tenant_id` keeps SQLite on the primary key rather than the workspace's other indexes.
const CUSTOMERS_BY_IDS = `select ${CUSTOMER_SELECT} from customers where +tenant_id = ? and id in (select value from json_each(?))`;

export async function readBatch(
  deps: Reader,
  claimed: MessageRow[],
  envs: Map<string, TenantEnv | null>,
): Promise<BatchFacts> {
  await refreshEnvs(deps, claimed, envs);
  const workspaces = [...new Set(claimed.map((m) => m.tenantId))];
  const people = new Map<string, CustomerRow>();
  // Deleted ones too: the message is then skipped with that reason. Raw rows as arrays, the ids
  // as one JSON array: as objects, through drizzle or not, the rows cost as much again as the
  // query (bench/: dispatch_simulator_100k).
  for (const tenantId of workspaces) {
    const ids = [...new Set(claimed.flatMap((m) => (m.tenantId === tenantId ? [m.customerId] : [])))];
    for (const row of await deps.db.rawRows(CUSTOMERS_BY_IDS, [tenantId, JSON.stringify(ids)])) {
      const r = customerFromRow(row);
      people.set(r.id, r);
    }
  }
  await addStaffRecipients(deps, claimed, people, envs);
  const named = await channelsById(
    deps.db,
    claimed.map((m) => m.channelId).filter((c): c is string => c !== null),
  );
  const recent = await recentMarketing(deps, claimed, envs);
  const campaignRows: { id: string; status: string; kind: string; trackLinks: boolean | null }[] = [];
  for (const tenantId of workspaces) {
    const ids = [
      ...new Set(claimed.flatMap((m) => (m.tenantId === tenantId && m.campaignId !== null ? [m.campaignId] : []))),
    ];
    if (ids.length === 0) continue;
    campaignRows.push(
      ...(await deps.db.orm
        .select({ id: campaigns.id, status: campaigns.status, kind: campaigns.kind, trackLinks: campaigns.trackLinks })
        .from(campaigns)
        .where(and(eq(campaigns.tenantId, tenantId), inArray(campaigns.id, ids)))
        .all()),
    );
  }
  const shipments = await shipmentStates(
    deps.db,
    claimed,
    new Set(campaignRows.filter((c) => c.kind === "after_delivery").map((c) => c.id)),
  );
  return {
    envs,
    people,
    channels: named,
    recent,
    numberSends: await recentOnCappedChannels(deps, claimed, envs, named),
    campaignStatus: new Map(campaignRows.map((c) => [c.id, c.status])),
    campaignLinks: new Map(campaignRows.map((c) => [c.id, c.trackLinks])),
    shipments,
  };
}

export async function channelsById(db: Database, ids: string[]) {
  const unique = [...new Set(ids)];
  const rows = unique.length ? await db.orm.select().from(channels).where(inArray(channels.id, unique)).all() : [];
  return new Map(rows.map((r) => [r.id, r]));
}

async function recentMarketing(deps: Reader, claimed: MessageRow[], envs: Map<string, TenantEnv | null>) {
  const recent = new Map<string, number[]>();
  for (const [tenantId, env] of envs) {
    const cap = env?.tenant.frequencyCap;
    if (!cap) continue;
    const who = [
      ...new Set(claimed.filter((m) => m.tenantId === tenantId && m.kind === "marketing").map((m) => m.customerId)),
    ];
    for (let i = 0; i < who.length; i += 500) {
      const rows = await deps.db.orm
        .select({ customerId: messages.customerId, sentAt: messages.sentAt })
        .from(messages)
        .where(
          and(
            eq(messages.tenantId, tenantId),
            inArray(messages.customerId, who.slice(i, i + 500)),
            eq(messages.kind, "marketing"),
            gte(messages.sentAt, deps.clock.now().getTime() - cap.days * 86_400_000),
          ),
        )
        .all();
      for (const r of rows) recent.set(r.customerId, [...(recent.get(r.customerId) ?? []), r.sentAt as number]);
    }
    for (const list of recent.values()) list.sort((a, b) => a - b);
  }
  return recent;
}

/**
 * Each recipient's recent sends through a channel that caps sends per number (by customer: one
 * number each), over the longest window its caps look back.
 */
async function recentOnCappedChannels(
  deps: Reader,
  claimed: MessageRow[],
  envs: Map<string, TenantEnv | null>,
  named: Map<string, ChannelRow>,
) {
  const out = new Map<string, number[]>();
  const now = deps.clock.now().getTime();
  // The recipients of each capped channel (a channel is one workspace's).
  const wanted = new Map<string, { ch: ChannelRow; who: Set<string> }>();
  for (const m of claimed) {
    const ch = m.channelId ? named.get(m.channelId) : envs.get(m.tenantId)?.defaultChannel;
    if (!ch || ch.tenantId !== m.tenantId || !numberCapsOf(ch)) continue;
    const entry = wanted.get(ch.id) ?? { ch, who: new Set<string>() };
    entry.who.add(m.customerId);
    wanted.set(ch.id, entry);
  }
  for (const { ch, who } of wanted.values()) {
    const since = now - capsReach(numberCapsOf(ch) as NumberCaps);
    const rows = await deps.db.rawAll<{ customer_id: string; sent_at: number }>(
      `select customer_id, sent_at from messages
        where tenant_id = ? and customer_id in (select value from json_each(?)) and channel_id = ? and sent_at >= ?`,
      [ch.tenantId, JSON.stringify([...who]), ch.id, since],
    );
    for (const r of rows) {
      const key = numberKey(ch.id, r.customer_id);
      out.set(key, [...(out.get(key) ?? []), r.sent_at]);
    }
  }
  return out;
}

/**
 * Answers to staff SMS commands go to the staff member's phone (customer_id is their staff id):
 * they are read as a recipient with the workspace's locale and zone, always reachable.
 */
async function addStaffRecipients(
  deps: Reader,
  claimed: MessageRow[],
  people: Map<string, CustomerRow>,
  envs: Map<string, TenantEnv | null>,
) {
  // (tenant, staff id) pairs: a staff member only ever answers for their own workspace.
  const wanted = [
    ...new Map(
      claimed.filter((m) => m.customerId.startsWith("stf_")).map((m) => [`${m.tenantId}:${m.customerId}`, m]),
    ).values(),
  ].map((m) => [m.tenantId, m.customerId]);
  if (wanted.length === 0) return;
  const rows = await deps.db.rawAll<{
    id: string;
    tenant_id: string;
    name: string;
    phone: string | null;
    created_at: number;
  }>(
    `select s.id, s.tenant_id, s.name, s.phone, s.created_at from staff s
      join json_each(?) w on s.tenant_id = json_extract(w.value, '$[0]') and s.id = json_extract(w.value, '$[1]')`,
    [JSON.stringify(wanted)],
  );
  for (const s of rows) {
    const tenant = envs.get(s.tenant_id)?.tenant;
    if (!tenant) continue;
    people.set(s.id, {
      ...blankCustomer({
        id: s.id,
        tenantId: s.tenant_id,
        locale: tenant.locale,
        timeZone: tenant.timeZone,
        source: "staff",
        now: s.created_at,
      }),
      name: s.name,
      phone: s.phone,
      consentState: "subscribed",
    });
  }
}

/**
 * Whether each shipment prompt's shipment was converted or returned, read just before sending
 * (the conversion event also skips them when it arrives; this closes the gap between that and
 * a claim).
 */
async function shipmentStates(db: Database, claimed: MessageRow[], afterDelivery: Set<string>) {
  const out = new Map<string, ShipmentState>();
  const prompts = claimed.filter((m) => m.campaignId !== null && afterDelivery.has(m.campaignId));
  for (const tenantId of new Set(prompts.map((m) => m.tenantId))) {
    const rows = await db.rawAll<ShipmentState & { message_id: string }>(
      `select t.message_id, s.converted_at, s.conversion_channel, s.returned_at
       from timing_decisions t join shipments s on s.tenant_id = t.tenant_id and s.id = t.shipment_id
       where t.tenant_id = ? and t.message_id in (select value from json_each(?))`,
      [tenantId, JSON.stringify(prompts.filter((m) => m.tenantId === tenantId).map((m) => m.id))],
    );
    for (const r of rows) out.set(r.message_id, r);
  }
  return out;
}
