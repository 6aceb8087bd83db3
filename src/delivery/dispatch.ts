// The dispatcher: claims due messages with a lease, checks each one again at send time
// (rule 6), renders and composes it, sends it through its channel's provider within the
// channel's rate, and records every outcome. A plain function: node-cron and the Worker's
// scheduled() both call it (jobs/dispatch.ts).

import { and, eq, gte, inArray } from "drizzle-orm";
import { tooLongFor } from "../channels/limits";
import { type Composer, prepareComposer } from "../compose/compose";
import { resolveCompose } from "../compose/settings";
import type { Ctx } from "../context";
import { consentStatements } from "../customers/consent";
import { blankCustomer } from "../customers/model";
import { CUSTOMER_SELECT, customerFromRow } from "../customers/store";
import type { Database, Statement } from "../db/client";
import {
  type ChannelRow,
  type CustomerRow,
  campaigns,
  channels,
  type MessageRow,
  type MessageStatus,
  messageEvents,
  messages,
  OUTBOX_LIVE,
  type Plan,
  type TenantRow,
  tenants,
} from "../db/schema";
import { storeInbound } from "../inbound/store";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import { inDailyWindow, localDate, monthOf, monthStart } from "../lib/time";
import { eventRow } from "../messages/service";
import { advances, REASONS } from "../messages/status";
import { eventStatement, outcomeStatement } from "../messages/writes";
import { brandName, customerVariables, mergeVariables } from "../templates/context";
import { type CompiledTemplate, DEFAULT_LIMITS, RenderMeter, TemplateError } from "../templates/engine";
import { nest, type TemplateLibrary } from "../templates/library";
import { renderData } from "../templates/preview";
import { compiled } from "../templates/render";
import { localeChain, resolveTemplate } from "../templates/service";
import { planFor } from "../tenants/service";
import { countSegments, type UsageMonth, usedThisMonth } from "../usage/counter";
import type { ProviderError, SmsProvider, StatusUpdate } from "./provider";
import { TokenBucket } from "./rate";
import { applyStatusUpdates, type KnownRefs } from "./receipts";
import type { ProviderRegistry } from "./registry";

export type DispatchDeps = {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  providers: ProviderRegistry;
  library: TemplateLibrary;
  publicUrl?: string;
  /** Inbound SMS collected from a session (SMPP) were stored: run the pipeline. */
  onInbound?: (() => void) | undefined;
  /** Once aborted (the jobs are stopping), no further batch is claimed. */
  signal?: AbortSignal | undefined;
};

export type DispatchOptions = {
  batchSize?: number;
  leaseMs?: number;
  /** Stop after this many batches (a cron run); the next run goes on. */
  maxBatches?: number;
  /** Sends in flight at once per batch (HTTP providers gain from a few). */
  concurrency?: number;
  maxAttempts?: number;
  /**
   * Only these messages (a queue batch on Workers): each is claimed if it is still due and
   * waiting, so an id delivered twice by the queue is sent once.
   */
  ids?: string[];
};

export type DispatchStats = {
  claimed: number;
  sent: number;
  skipped: number;
  failed: number;
  deferred: number;
  expired: number;
  unknown: number;
  recovered: number;
  receipts: number;
};

const DEFAULTS = {
  batchSize: 500,
  leaseMs: 60_000,
  maxBatches: 50,
  concurrency: 8,
  maxAttempts: 5,
  ids: undefined as string[] | undefined,
};

/** Rate buckets per channel live as long as the process (or isolate) does. */
const buckets = new Map<string, { rate: number; bucket: TokenBucket }>();

function bucketFor(channel: ChannelRow, now: number): TokenBucket | null {
  if (!channel.ratePerSecond) return null;
  const hit = buckets.get(channel.id);
  if (hit && hit.rate === channel.ratePerSecond) return hit.bucket;
  const bucket = new TokenBucket(channel.ratePerSecond, now);
  buckets.set(channel.id, { rate: channel.ratePerSecond, bucket });
  return bucket;
}

/** One outcome for one claimed message: the row changes and the history entries. */
type Outcome = {
  set: Partial<MessageRow>;
  events: { status: string; reason?: string | null; detail?: string | null }[];
  extra?: Statement[];
  count: keyof DispatchStats;
};

export async function dispatch(deps: DispatchDeps, options: DispatchOptions = {}): Promise<DispatchStats> {
  const opts = { ...DEFAULTS, ...options };
  const stats: DispatchStats = {
    claimed: 0,
    sent: 0,
    skipped: 0,
    failed: 0,
    deferred: 0,
    expired: 0,
    unknown: 0,
    recovered: 0,
    receipts: 0,
  };
  await recoverLeases(deps, stats);
  // Workspace settings, plan and this month's usage, read once per run and kept up to date as
  // messages go out (re-reading usage per batch would scan the month's messages each time).
  const envs = new Map<string, TenantEnv | null>();
  for (let b = 0; b < opts.maxBatches && !deps.signal?.aborted; b++) {
    const claimed = opts.ids
      ? b === 0
        ? await claimIds(deps, opts.ids, opts.leaseMs)
        : []
      : await claim(deps, opts.batchSize, opts.leaseMs);
    if (claimed.length === 0) break;
    stats.claimed += claimed.length;
    await processBatch(deps, claimed, opts, stats, envs);
    if (opts.ids || claimed.length < opts.batchSize) break;
  }
  stats.receipts += await collectReceipts(deps);
  await collectInbound(deps);
  return stats;
}

// `+tenant_id` keeps SQLite on the primary key rather than the workspace's other indexes.
const CUSTOMERS_BY_IDS = `select ${CUSTOMER_SELECT} from customers where +tenant_id = ? and id in (select value from json_each(?))`;

// What processing needs from a claimed row (RETURNING * would copy every column out).
const CLAIM_COLUMNS =
  "id, tenant_id, customer_id, channel_id, campaign_id, kind, template_key, body, variables, is_reply, quiet_hours, priority, status, reason, send_at, valid_until, due_at, attempts";

// One index range per (priority, status) on messages_due (status, priority, due_at), highest
// priority first: no sort over everything that is due, and urgent notifications overtake a
// large low-priority broadcast that is already queued.
// Nested in pairs: D1 allows only a few terms in one compound SELECT (six fail there).
export const CLAIM_RANGES = [2, 1, 0].map(
  (p) =>
    `select id from (${["queued", "planned"]
      .map(
        (s) =>
          `select id from (select id from messages where ${OUTBOX_LIVE} and status = '${s}' and priority = ${p} and due_at <= ? order by due_at limit ?)`,
      )
      .join(" union all ")})`,
);
const claimParams = (now: number, limit: number) => CLAIM_RANGES.flatMap(() => [now, limit, now, limit]);

/** Higher priority first, then the longest due, then by id: the order a batch is sent in. */
const claimOrder = (a: MessageRow, b: MessageRow) =>
  b.priority - a.priority || a.dueAt - b.dueAt || (a.id < b.id ? -1 : 1);

/** Claims due messages in one atomic statement: two dispatchers never claim the same row. */
async function claim(deps: DispatchDeps, limit: number, leaseMs: number): Promise<MessageRow[]> {
  const now = deps.clock.now().getTime();
  const rows = await deps.db.rawRows(
    `update messages set status = 'sending', lease_until = ?, attempts = attempts + 1, updated_at = ?
     where id in (select id from (${CLAIM_RANGES.join(" union all ")}) limit ?)
     returning ${CLAIM_COLUMNS}`,
    [now + leaseMs, now, ...claimParams(now, limit), limit],
  );
  return rows.map(fromClaimed).sort(claimOrder);
}

async function claimIds(deps: DispatchDeps, ids: string[], leaseMs: number): Promise<MessageRow[]> {
  const now = deps.clock.now().getTime();
  const rows = await deps.db.rawRows(
    `update messages set status = 'sending', lease_until = ?, attempts = attempts + 1, updated_at = ?
     where id in (select value from json_each(?)) and status in ('queued', 'planned') and due_at <= ?
     returning ${CLAIM_COLUMNS}`,
    [now + leaseMs, now, JSON.stringify(ids), now],
  );
  return rows.map(fromClaimed).sort(claimOrder);
}

/** Due messages' ids, highest priority first, for a runtime that hands them to a queue. */
export async function dueMessageIds(deps: Pick<DispatchDeps, "db" | "clock">, limit: number): Promise<string[]> {
  const now = deps.clock.now().getTime();
  const rows = await deps.db.rawAll<{ id: string }>(`select id from (${CLAIM_RANGES.join(" union all ")}) limit ?`, [
    ...claimParams(now, limit),
    limit,
  ]);
  return rows.map((r) => r.id);
}

const COLUMNS: Record<string, keyof MessageRow> = Object.fromEntries(
  Object.entries(messages)
    .filter(([, col]) => typeof col === "object" && col !== null && "name" in (col as object))
    .map(([key, col]) => [(col as { name: string }).name, key as keyof MessageRow]),
);

/** The properties of CLAIM_COLUMNS, in order. */
const CLAIM_KEYS = CLAIM_COLUMNS.split(", ").map((c) => COLUMNS[c] ?? c);

/** A claimed row (CLAIM_COLUMNS, as an array: rawRows) as drizzle would type it. */
function fromClaimed(row: unknown[]): MessageRow {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < CLAIM_KEYS.length; i++) out[CLAIM_KEYS[i] as string] = row[i];
  out.variables = typeof out.variables === "string" ? JSON.parse(out.variables) : out.variables;
  out.isReply = Boolean(out.isReply);
  out.quietHours = Boolean(out.quietHours);
  return out as MessageRow;
}

/** A raw `messages` row (snake_case) as drizzle would type it. */
function fromRaw(raw: Record<string, unknown>): MessageRow {
  const out: Record<string, unknown> = {};
  // (for...in, not Object.entries: a pair array per column of every claimed row was garbage.)
  for (const column in raw) out[COLUMNS[column] ?? column] = raw[column];
  out.variables = typeof raw.variables === "string" ? JSON.parse(raw.variables) : raw.variables;
  out.isReply = Boolean(raw.is_reply);
  out.quietHours = Boolean(raw.quiet_hours);
  return out as MessageRow;
}

export const RECOVER_SQL = `select * from messages where ${OUTBOX_LIVE} and status = 'sending' and lease_until < ? limit 5000`;

/**
 * Messages whose sender died mid-send (lease passed while `sending`). Re-sent only through a
 * provider that de-duplicates by our reference; otherwise `unknown`, for reconciliation.
 */
async function recoverLeases(deps: DispatchDeps, stats: DispatchStats) {
  const now = deps.clock.now().getTime();
  const stale = (await deps.db.rawAll<Record<string, unknown>>(RECOVER_SQL, [now])).map(fromRaw);
  if (stale.length === 0) return;
  const chans = await channelsById(
    deps,
    stale.map((m) => m.channelId).filter((c): c is string => c !== null),
  );
  const statements: Statement[] = [];
  for (const m of stale) {
    const channel = m.channelId ? chans.get(m.channelId) : undefined;
    const provider = channel ? await deps.providers.forChannel(channel).catch(() => null) : null;
    const ctx = { ids: deps.ids, tenantId: m.tenantId };
    // Never sent anywhere (no channel yet) or a de-duplicating provider: safe to send again.
    const resend = !channel || provider?.dedupesByRef === true;
    const status: MessageStatus = resend ? "queued" : "unknown";
    statements.push(
      deps.db.orm
        .update(messages)
        .set({
          status,
          reason: "lease_expired",
          reasonText: REASONS.lease_expired,
          dueAt: now,
          leaseUntil: null,
          updatedAt: now,
        })
        .where(and(eq(messages.id, m.id), eq(messages.status, "sending"))),
      deps.db.orm
        .insert(messageEvents)
        .values(
          eventRow(
            ctx,
            m.id,
            now,
            status,
            "lease_expired",
            resend
              ? "The sender stopped mid-send; sending again (the provider de-duplicates by message id)"
              : "The sender stopped mid-send and this provider cannot de-duplicate: check with the provider before resending",
          ),
        ),
    );
    if (resend) stats.recovered++;
    else stats.unknown++;
  }
  await deps.db.batch(statements);
}

async function channelsById(deps: DispatchDeps, ids: string[]) {
  const unique = [...new Set(ids)];
  const rows = unique.length ? await deps.db.orm.select().from(channels).where(inArray(channels.id, unique)).all() : [];
  return new Map(rows.map((r) => [r.id, r]));
}

type TenantEnv = {
  tenant: TenantRow;
  plan: Plan;
  /** This month's counter (usage_months), which each batch's sends add to. */
  usage: UsageMonth;
  /** Proactive segments sent this month so far (the quota and the price use it). */
  used: number;
  defaultChannel: ChannelRow | undefined;
  templates: Map<string, { template: CompiledTemplate; version: string; composer: Composer } | Error>;
  brand: string;
  /** Render data per (locale, zone) for this batch: the local date costs an Intl call. */
  data: Map<string, ReturnType<typeof renderData>>;
  now: Date;
};

function dataFor(env: TenantEnv, locale: string, zone: string) {
  const key = `${locale}|${zone}`;
  let d = env.data.get(key);
  if (!d) {
    d = renderData({ clock: { now: () => env.now, sleep: async () => {} } }, locale, zone, env.plan.currency);
    env.data.set(key, d);
  }
  return d;
}

async function tenantEnv(deps: DispatchDeps, tenantId: string): Promise<TenantEnv | null> {
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
    brand: brandName(tenant),
    data: new Map(),
    now,
  };
}

async function processBatch(
  deps: DispatchDeps,
  claimed: MessageRow[],
  opts: typeof DEFAULTS,
  stats: DispatchStats,
  envs: Map<string, TenantEnv | null>,
) {
  const started = deps.clock.now().getTime();
  // Past half the lease, remaining messages go back to the queue rather than risk the lease.
  const deadline = started + opts.leaseMs / 2;
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
  const people = new Map<string, CustomerRow>();
  // Deleted ones too: the message is then skipped with that reason. Raw rows as arrays, the ids
  // as one JSON array (a batch spans workspaces; each read under its own): as objects, through
  // drizzle or not, the rows cost as much again as the query (bench/: dispatch_simulator_100k).
  for (const tenantId of new Set(claimed.map((m) => m.tenantId))) {
    const ids = [...new Set(claimed.flatMap((m) => (m.tenantId === tenantId ? [m.customerId] : [])))];
    for (const row of await deps.db.rawRows(CUSTOMERS_BY_IDS, [tenantId, JSON.stringify(ids)])) {
      const r = customerFromRow(row);
      people.set(r.id, r);
    }
  }
  await addStaffRecipients(deps, claimed, people, envs);
  const named = await channelsById(
    deps,
    claimed.map((m) => m.channelId).filter((c): c is string => c !== null),
  );
  // Recent marketing sends per customer, for workspaces with a frequency cap (newest last).
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
  // Each workspace's campaigns read under its own tenant_id (a batch spans workspaces).
  const campaignRows: { id: string; status: string; kind: string }[] = [];
  for (const tenantId of new Set(claimed.map((m) => m.tenantId))) {
    const ids = [
      ...new Set(claimed.flatMap((m) => (m.tenantId === tenantId && m.campaignId !== null ? [m.campaignId] : []))),
    ];
    if (ids.length === 0) continue;
    campaignRows.push(
      ...(await deps.db.orm
        .select({ id: campaigns.id, status: campaigns.status, kind: campaigns.kind })
        .from(campaigns)
        .where(and(eq(campaigns.tenantId, tenantId), inArray(campaigns.id, ids)))
        .all()),
    );
  }
  const campaignStatus = new Map(campaignRows.map((c) => [c.id, c.status]));
  const outcomesOf = await shipmentOutcomes(
    deps,
    claimed,
    new Set(campaignRows.filter((c) => c.kind === "after_delivery").map((c) => c.id)),
  );

  const outcomes = new Map<string, Outcome>();
  // Rendering is the batch's one CPU-bound step: a stored template that works hard gives the
  // event loop (inbound, timers, the other workers' provider calls) a turn between renders.
  const meter = new RenderMeter();
  let next = 0;
  const worker = async () => {
    while (next < claimed.length) {
      const m = claimed[next++] as MessageRow;
      const env = envs.get(m.tenantId) ?? null;
      const campaign = m.campaignId ? campaignStatus.get(m.campaignId) : undefined;
      const shipment = outcomesOf.get(m.id);
      outcomes.set(
        m.id,
        campaign === "cancelled"
          ? skip("skipped", "campaign_cancelled")
          : shipment?.converted_at != null
            ? skip(
                "skipped",
                "already_converted",
                `Already converted (${shipment.conversion_channel ?? "unknown channel"}, ${new Date(shipment.converted_at).toISOString()}) before it was sent`,
              )
            : shipment?.returned_at != null
              ? skip("skipped", "shipment_returned")
              : campaign === "paused"
                ? // Held, not dropped: resuming makes it due again at once.
                  defer(m, "campaign_paused", deps.clock.now().getTime() + 3_600_000)
                : await decideAndSend(deps, m, env, people, named, opts, deadline, recent, meter),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, claimed.length) }, worker));

  const now = deps.clock.now().getTime();
  // Receipts that are already in (the simulator answers at once) go into the same write as
  // the send: one update per message instead of two. The rest are applied after it.
  const bySentRef = new Map<string, Outcome>();
  for (const o of outcomes.values())
    if (o.set.status === "sent" && o.set.providerRef) bySentRef.set(o.set.providerRef, o);
  const later: { channel: ChannelRow; updates: StatusUpdate[] }[] = [];
  for (const { channel, provider } of await deps.providers.active()) {
    const rest: StatusUpdate[] = [];
    for (const u of provider.pollStatus?.() ?? []) {
      const o = bySentRef.get(u.providerRef);
      if (!o || !advances("sent", u.status)) {
        rest.push(u);
        continue;
      }
      const detail = [u.errorCode ? `error ${u.errorCode}` : null, u.detail ?? null].filter(Boolean).join(": ") || null;
      o.set.status = u.status;
      if (u.status === "delivered") o.set.deliveredAt = now;
      else if (u.status === "undelivered" || u.status === "failed") {
        o.set.reason = "provider_error";
        o.set.reasonText = detail ?? `The provider reported ${u.status}`;
      }
      o.events.push({ status: u.status, detail });
      stats.receipts++;
    }
    if (rest.length > 0) later.push({ channel, updates: rest });
  }
  // The month's counter first: a month's first batch starts it from the sends before this one.
  const segmentsBy = new Map<string, number>();
  for (const m of claimed) {
    const o = outcomes.get(m.id) as Outcome;
    if (o.count === "sent" && !m.isReply)
      segmentsBy.set(m.tenantId, (segmentsBy.get(m.tenantId) ?? 0) + (o.set.segments ?? 0));
  }
  const statements: Statement[] = [];
  for (const [tenantId, segments] of segmentsBy) {
    const env = envs.get(tenantId);
    if (env) statements.push(...countSegments(env.usage, segments));
  }
  for (const m of claimed) {
    const o = outcomes.get(m.id) as Outcome;
    stats[o.count]++;
    const ctx = { ids: deps.ids, tenantId: m.tenantId };
    statements.push(
      // Only while our claim holds: a row recovered by another sender is theirs now.
      outcomeStatement(m.id, o.set, now),
      ...o.events.map((e) => eventStatement(eventRow(ctx, m.id, now, e.status, e.reason ?? null, e.detail ?? null))),
      ...(o.extra ?? []),
    );
  }
  await deps.db.batch(statements);
  const known: KnownRefs = new Map();
  for (const [id, o] of outcomes) {
    if (o.set.providerRef) known.set(o.set.providerRef, { id, status: o.set.status as MessageStatus });
  }
  for (const l of later) stats.receipts += await applyStatusUpdates(deps, l.channel, l.updates, known);
}

function skip(status: "skipped" | "expired" | "failed", reason: string, detail?: string): Outcome {
  return {
    set: { status, reason, reasonText: detail ?? REASONS[reason] ?? reason },
    events: [{ status, reason, detail }],
    count: status === "failed" ? "failed" : status === "expired" ? "expired" : "skipped",
  };
}

function defer(m: MessageRow, reason: string, until: number, detail?: string, countAttempt = false): Outcome {
  // A deferral is not an attempt; the claim counted one, so give it back.
  const attempts = countAttempt ? m.attempts : m.attempts - 1;
  // A second wait for the same reason is not news: the history keeps the first.
  const repeat = m.reason === reason && reason === "rate_limited";
  return {
    set: { status: "queued", reason, reasonText: detail ?? REASONS[reason] ?? reason, dueAt: until, attempts },
    events: repeat ? [] : [{ status: "queued", reason, detail: detail ?? REASONS[reason] ?? null }],
    count: "deferred",
  };
}

/**
 * Answers to staff SMS commands go to the staff member's phone (customer_id is their staff id):
 * they are read as a recipient with the workspace's locale and zone, always reachable.
 */
async function addStaffRecipients(
  deps: DispatchDeps,
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
 * Rule 6 for shipment prompts: whether each one's shipment was converted or returned, read
 * just before sending (the conversion event also skips them when it arrives; this closes the
 * gap between that and a claim).
 */
async function shipmentOutcomes(deps: DispatchDeps, claimed: MessageRow[], afterDelivery: Set<string>) {
  type Outcome = { converted_at: number | null; conversion_channel: string | null; returned_at: number | null };
  const out = new Map<string, Outcome>();
  const prompts = claimed.filter((m) => m.campaignId !== null && afterDelivery.has(m.campaignId));
  for (const tenantId of new Set(prompts.map((m) => m.tenantId))) {
    const rows = await deps.db.rawAll<Outcome & { message_id: string }>(
      `select t.message_id, s.converted_at, s.conversion_channel, s.returned_at
       from timing_decisions t join shipments s on s.tenant_id = t.tenant_id and s.id = t.shipment_id
       where t.tenant_id = ? and t.message_id in (select value from json_each(?))`,
      [tenantId, JSON.stringify(prompts.filter((m) => m.tenantId === tenantId).map((m) => m.id))],
    );
    for (const r of rows) out.set(r.message_id, r);
  }
  return out;
}

async function decideAndSend(
  deps: DispatchDeps,
  m: MessageRow,
  env: TenantEnv | null,
  people: Map<string, CustomerRow>,
  named: Map<string, ChannelRow>,
  opts: typeof DEFAULTS,
  deadline: number,
  recent: Map<string, number[]>,
  meter: RenderMeter,
): Promise<Outcome> {
  const now = deps.clock.now();
  const nowMs = now.getTime();
  const c = people.get(m.customerId);
  if (!env || !c || c.deletedAt !== null) return skip("skipped", "customer_deleted");
  if (m.validUntil !== null && nowMs > m.validUntil) return skip("expired", "expired");
  if (m.kind === "marketing") {
    if (c.consentState === "unsubscribed") return skip("skipped", "opted_out");
    if (c.consentState === "never_asked") return skip("skipped", "no_consent");
  }
  const zone = c.timeZone ?? env.tenant.timeZone;
  if (m.quietHours && env.tenant.quietHours) {
    const q = inDailyWindow(now, env.tenant.quietHours, zone);
    if (q.inside) {
      const until = q.endsAt.getTime();
      if (m.validUntil !== null && until > m.validUntil) {
        return skip(
          "expired",
          "expired",
          `Quiet hours (${env.tenant.quietHours.start}-${env.tenant.quietHours.end} in ${zone}) last past valid_until`,
        );
      }
      return defer(
        m,
        "quiet_hours_deferred",
        until,
        `Quiet hours ${env.tenant.quietHours.start}-${env.tenant.quietHours.end} in ${zone}; held until ${q.endsAt.toISOString()}`,
      );
    }
  }
  if (!c.phone) return skip("skipped", "invalid_number");
  const channel = m.channelId ? named.get(m.channelId) : env.defaultChannel;
  if (!channel || channel.archivedAt !== null) return skip("failed", "no_channel");

  // Render and compose now, with the customer as they are now.
  let text: string;
  let version: string | null = null;
  let composed: ReturnType<Composer>;
  try {
    const locale = c.locale ?? env.tenant.locale;
    const t = await templateFor(deps, env, m, locale, channel);
    const vars = mergeVariables(customerVariables(c, env.brand), nest(m.variables));
    while (meter.due()) await meter.pause();
    const body = t.template.render(vars, dataFor(env, locale, zone), DEFAULT_LIMITS, meter);
    composed = t.composer(body);
    text = composed.text;
    version = t.version;
  } catch (e) {
    if (e instanceof TemplateError || (e instanceof Error && "code" in e)) {
      return skip("skipped", "render_error", (e as Error).message);
    }
    throw e;
  }
  // Refused here, not by the provider (Twilio's 21617 after a round trip, or a part lost).
  const tooLong = tooLongFor(channel.provider, composed);
  if (tooLong) return skip("skipped", "too_long", tooLong);
  const segments = composed.segments;
  const cap = env.tenant.monthlySegmentCap;
  if (!m.isReply && cap !== null && env.used + segments > cap) {
    return skip(
      "skipped",
      "over_quota",
      `${env.used} of ${cap} segments used this month; this message needs ${segments}`,
    );
  }
  // The frequency cap: a marketing message over it waits until the oldest send in the window
  // ages out (or, if its validity ends first, is skipped). Reserved at once, like the quota.
  const freq = m.kind === "marketing" && !m.isReply ? env.tenant.frequencyCap : null;
  let capSlot: number[] | null = null;
  if (freq) {
    const windowMs = freq.days * 86_400_000;
    const list = (recent.get(c.id) ?? []).filter((t) => t > nowMs - windowMs);
    if (list.length >= freq.messages) {
      const fits = (list[list.length - freq.messages] as number) + windowMs;
      const why = `${list.length} marketing messages in the last ${freq.days} days (cap ${freq.messages})`;
      if (m.validUntil !== null && fits > m.validUntil)
        return skip("skipped", "frequency_capped", `${why}; valid_until ends first`);
      return defer(m, "frequency_capped", fits, `${why}; held until ${new Date(fits).toISOString()}`);
    }
    list.push(nowMs);
    recent.set(c.id, list);
    capSlot = list;
  }
  // Reserved in the same step as the check (no await between), so parallel sends in a batch
  // cannot pass the cap together; given back if the message does not go out.
  const reserved = m.isReply ? 0 : segments;
  env.used += reserved;

  const bucket = bucketFor(channel, nowMs);
  if (bucket) {
    let wait = bucket.take(segments, deps.clock.now().getTime());
    while (wait > 0) {
      if (deps.clock.now().getTime() + wait > deadline) {
        env.used -= reserved;
        capSlot?.pop();
        return defer(m, "rate_limited", deps.clock.now().getTime() + wait);
      }
      await deps.clock.sleep(wait);
      wait = bucket.take(segments, deps.clock.now().getTime());
    }
  }

  let provider: SmsProvider;
  try {
    provider = await deps.providers.forChannel(channel);
  } catch (e) {
    env.used -= reserved;
    capSlot?.pop();
    return skip("failed", "provider_error", (e as Error).message);
  }
  const statusCallback = deps.publicUrl
    ? `${deps.publicUrl.replace(/\/$/, "")}/webhooks/${channel.provider}/${channel.id}/status`
    : undefined;
  const result = await provider.send({
    ref: m.id,
    to: c.phone,
    from: String(channel.config.from ?? channel.config.source_addr ?? ""),
    text,
    encoding: composed.encoding,
    segments,
    ...(statusCallback ? { statusCallback } : {}),
  });
  const sentAt = deps.clock.now().getTime();
  if (result.ok) {
    const price = m.isReply ? 0 : priceMicros(env.plan, env.used - reserved, segments);
    return {
      // Spelled out, not spread from `fields`: a spread followed by more properties made each
      // of these objects a slow (dictionary) one, and every later read of it slow too (the
      // receipts merged in, the statement built from it): a fifth of a dispatch (bench/).
      set: {
        channelId: channel.id,
        toPhone: c.phone,
        text,
        encoding: composed.encoding,
        segments,
        templateVersion: version,
        status: "sent",
        reason: null,
        reasonText: null,
        providerRef: result.providerRef,
        sentAt,
        price,
        currency: env.plan.currency,
      },
      events: [{ status: "sent", detail: `${segments} segment(s), ${composed.encoding}, via ${channel.name}` }],
      count: "sent",
    };
  }
  env.used -= reserved;
  capSlot?.pop();
  const fields: Partial<MessageRow> = {
    channelId: channel.id,
    toPhone: c.phone,
    text,
    encoding: composed.encoding,
    segments,
    templateVersion: version,
  };
  return failure(deps, m, c, fields, result.error, opts);
}

async function templateFor(deps: DispatchDeps, env: TenantEnv, m: MessageRow, locale: string, channel: ChannelRow) {
  const key = `${m.templateKey ?? `text:${m.id}`}|${locale}|${m.kind}|${channel.counting}`;
  let hit = env.templates.get(key);
  if (!hit) {
    try {
      const ctx: Ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: env.tenant.id };
      const t = m.templateKey
        ? await resolveTemplate(ctx, deps.library, m.templateKey, localeChain(locale, env.tenant.locale))
        : null;
      // A literal text is sent as written: it is not a template.
      const source = t ? t.source : (m.body ?? "");
      hit = {
        template: t ? compiled(source) : { source, variables: [], helpers: [], render: () => source },
        version: t?.version ?? null,
        composer: prepareComposer({
          settings: resolveCompose(env.tenant.compose),
          signature: env.tenant.brandSignature,
          kind: m.kind,
          locale: t?.locale ?? locale,
          templateSource: source,
          counting: channel.counting,
        }),
      } as { template: CompiledTemplate; version: string; composer: Composer };
    } catch (e) {
      hit = e as Error;
    }
    // Literal texts differ per message; only templates are worth keeping.
    if (m.templateKey) env.templates.set(key, hit);
  }
  if (hit instanceof Error) throw hit;
  return hit;
}

/** Price in millionths: pay per segment, or a package's overage beyond its allowance. */
function priceMicros(plan: Plan, usedBefore: number, segments: number): number {
  if (plan.type === "pay_per_segment") return Math.round(segments * plan.price_per_segment * 1_000_000);
  const over =
    Math.max(0, usedBefore + segments - plan.allowance_segments) - Math.max(0, usedBefore - plan.allowance_segments);
  return Math.round(over * plan.overage_price_per_segment * 1_000_000);
}

function backoff(attempt: number): number {
  // Exponential with full jitter: 2 s, 4 s, 8 s ... capped at 5 minutes.
  const base = Math.min(300_000, 1000 * 2 ** attempt);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function failure(
  deps: DispatchDeps,
  m: MessageRow,
  c: CustomerRow,
  fields: Partial<MessageRow>,
  error: ProviderError,
  opts: typeof DEFAULTS,
): Outcome {
  const now = deps.clock.now().getTime();
  const detail = `${error.code}: ${error.message}`;
  switch (error.kind) {
    case "throttled": {
      // Slowing down is not a failed attempt.
      const o = defer(m, "throttled", now + (error.retryAfterMs ?? 1000), detail);
      return { ...o, set: { ...o.set, channelId: fields.channelId } };
    }
    case "retryable": {
      if (m.attempts >= opts.maxAttempts) {
        const o = skip("failed", "retries_exhausted", `${m.attempts} attempts; last: ${detail}`);
        return { ...o, set: { ...o.set, ...fields } };
      }
      const o = defer(m, "retry", now + backoff(m.attempts), detail, true);
      return { ...o, set: { ...o.set, channelId: fields.channelId } };
    }
    case "unknown_outcome": {
      const o: Outcome = {
        set: {
          ...fields,
          status: "unknown",
          reason: "provider_error",
          reasonText: `No answer from the provider (${detail}); it may or may not have sent it`,
        },
        events: [{ status: "unknown", reason: "provider_error", detail }],
        count: "unknown",
      };
      return o;
    }
    default: {
      const reason = error.reason ?? "provider_error";
      const o = skip("failed", reason, detail);
      const extra: Statement[] = [];
      if (reason === "opted_out" && c.consentState !== "unsubscribed") {
        // The carrier says this person opted out (Twilio 21610): an opt-out like any other.
        const change = { state: "unsubscribed" as const, source: "provider", evidence: detail, at: now };
        extra.push(...consentStatements(deps, c, change, { profile: "write" }));
      }
      return { ...o, set: { ...o.set, ...fields }, extra };
    }
  }
}

/** Receipts that in-process providers hold for us (the simulator); pushed ones arrive by webhook. */
async function collectReceipts(deps: DispatchDeps): Promise<number> {
  let n = 0;
  for (const { channel, provider } of await deps.providers.active()) {
    const updates = provider.pollStatus?.() ?? [];
    if (updates.length > 0) n += await applyStatusUpdates(deps, channel, updates);
  }
  return n;
}

/** Inbound SMS that session-based providers (SMPP) hold: stored like a webhook's, once per provider id. */
async function collectInbound(deps: DispatchDeps) {
  for (const { channel, provider } of await deps.providers.active()) {
    const got = provider.pollInbound?.() ?? [];
    if (got.length > 0 && (await storeInbound(deps, channel, got, (m) => JSON.stringify(m))) > 0) deps.onInbound?.();
  }
}
