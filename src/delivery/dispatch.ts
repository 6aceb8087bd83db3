// The dispatcher: claims due messages with a lease, checks each one again just before sending
// (checks.ts), renders and composes it, sends it through its channel's provider within the
// channel's rate (send.ts), and records every outcome (outcome.ts) through the outbox. A plain
// function: node-cron calls it on Node, the Worker's queue() with a batch of due messages' keys
// (src/jobs/dispatch.ts).

import { CLOUD_LANE_WIDTH, TEMPLATED } from "../channels/kinds";
import type { Statement } from "../db/client";
import type { ChannelRow, MessageRow, MessageStatus } from "../db/schema";
import { storeInbound } from "../inbound/store";
import { claimDue, claimKeys, type MessageKey, staleLeases } from "../outbox/claim";
import { entry } from "../outbox/history";
import { leaseExpired, outcomeStatement } from "../outbox/moves";
import { RenderMeter } from "../templates/engine";
import { countSegments } from "../usage/counter";
import { messageStatusEvent } from "../webhooks-out/events";
import { channelsById, readBatch, type TenantEnv } from "./batch";
import type { DispatchStats, Outcome } from "./outcome";
import type { StatusUpdate } from "./provider";
import { applyStatusUpdates, type KnownRefs, receiptChange } from "./receipts";
import { type SendDeps, sendOne } from "./send";
import { tendChannels } from "./sessions";

export type { DispatchStats } from "./outcome";

export type DispatchDeps = SendDeps & {
  /** Inbound SMS collected from a session (SMPP) were stored: run the pipeline. */
  onInbound?: (() => void) | undefined;
  /** Once aborted (the jobs are stopping), no further batch is claimed. */
  signal?: AbortSignal | undefined;
  /** Told when a receipt a provider holds for collection falls due, so a run can collect it then. */
  onReceiptsDue?: ((at: number) => void) | undefined;
};

export type DispatchOptions = {
  batchSize?: number;
  leaseMs?: number;
  /** Stop after this many batches; the next run goes on. */
  maxBatches?: number;
  /**
   * Stop claiming after this long (by the clock); the next run goes on. A run sends for as long
   * as there is a full batch due, so a broadcast goes out at the providers' pace, not the
   * ticks': bounded by 50 batches, a run sent 25,000 and the rest waited for the next tick,
   * 5,000 messages a second at most.
   */
  maxMs?: number;
  /** Sends in flight at once per channel in a batch (HTTP providers gain from a few). */
  concurrency?: number;
  maxAttempts?: number;
  /**
   * Only these messages (a queue batch on Workers): each is claimed if it is still due and
   * waiting, so a message delivered twice by the queue is sent once.
   */
  keys?: MessageKey[];
};

/** During a long run, between batches and at most this often: receipts, session links' upkeep. */
const TEND_EVERY_MS = 1000;

const DEFAULTS = {
  batchSize: 500,
  leaseMs: 60_000,
  maxBatches: 10_000,
  maxMs: 60_000,
  concurrency: 8,
  maxAttempts: 5,
  keys: undefined as MessageKey[] | undefined,
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
  // The queue's batches on Workers leave this to the scheduled run.
  if (!opts.keys) stats.receipts += await tend(deps);
  await recoverLeases(deps, stats);
  // Workspace settings, plan and this month's usage, read once per run and kept up to date as
  // messages go out (re-reading usage per batch would scan the month's messages each time).
  const envs = new Map<string, TenantEnv | null>();
  const started = deps.clock.now().getTime();
  let tendedAt = started;
  for (let b = 0; b < opts.maxBatches && !deps.signal?.aborted; b++) {
    const now = deps.clock.now().getTime();
    if (now - started >= opts.maxMs) break;
    // A long run applies the receipts that came in meanwhile and keeps session links up, as
    // consecutive short runs did, instead of leaving it all to its end or the next run.
    if (now - tendedAt >= TEND_EVERY_MS) {
      tendedAt = now;
      stats.receipts += await tend(deps);
      stats.receipts += await collectReceipts(deps);
    }
    const claimed = opts.keys
      ? b === 0
        ? await claimKeys(deps.db, opts.keys, now, opts.leaseMs)
        : []
      : await claimDue(deps.db, now, opts.batchSize, opts.leaseMs);
    if (claimed.length === 0) break;
    stats.claimed += claimed.length;
    await processBatch(deps, claimed, opts, stats, envs);
    if (opts.keys || claimed.length < opts.batchSize) break;
  }
  stats.receipts += await collectReceipts(deps);
  await collectInbound(deps);
  const next = await nextReceiptAt(deps);
  if (next !== null) deps.onReceiptsDue?.(next);
  return stats;
}

/** When the earliest receipt held by a provider for collection falls due (the simulator's). */
async function nextReceiptAt(deps: DispatchDeps): Promise<number | null> {
  let next: number | null = null;
  for (const { provider } of await deps.providers.active()) {
    const at = provider.nextStatusAt?.() ?? null;
    if (at !== null && (next === null || at < next)) next = at;
  }
  return next;
}

/** Session channels' upkeep (tendChannels): its receipts applied, or 0 when it failed. */
async function tend(deps: DispatchDeps): Promise<number> {
  try {
    return await tendChannels(deps);
  } catch (e) {
    // Housekeeping that failed must not stop sending; the next run tries again.
    console.error("keeping the channels failed:", e);
    return 0;
  }
}

/**
 * Messages whose sender died mid-send (lease passed while `sending`). Re-sent only through a
 * provider that de-duplicates by our reference; otherwise `unknown`, for reconciliation.
 */
async function recoverLeases(deps: DispatchDeps, stats: DispatchStats) {
  const now = deps.clock.now().getTime();
  const stale = await staleLeases(deps.db, now);
  if (stale.length === 0) return;
  const chans = await channelsById(
    deps.db,
    stale.map((m) => m.channelId).filter((c): c is string => c !== null),
  );
  const statements: Statement[] = [];
  for (const m of stale) {
    const channel = m.channelId ? chans.get(m.channelId) : undefined;
    const provider = channel ? await deps.providers.forChannel(channel).catch(() => null) : null;
    // Never sent anywhere (no channel yet) or a de-duplicating provider: safe to send again.
    const resend = !channel || provider?.dedupesByRef === true;
    statements.push(leaseExpired(m.tenantId, m.id, resend, now));
    if (resend) stats.recovered++;
    else stats.unknown++;
  }
  await deps.db.batch(statements);
}

async function processBatch(
  deps: DispatchDeps,
  claimed: MessageRow[],
  opts: typeof DEFAULTS,
  stats: DispatchStats,
  envs: Map<string, TenantEnv | null>,
) {
  // Past half the lease, remaining messages go back to the queue rather than risk the lease.
  const deadline = deps.clock.now().getTime() + opts.leaseMs / 2;
  const facts = await readBatch(deps, claimed, envs);
  // Rendering is the batch's one CPU-bound step: a stored template that works hard gives the
  // event loop (inbound, timers, the other workers' provider calls) a turn between renders.
  const meter = new RenderMeter();
  const sendOpts = { maxAttempts: opts.maxAttempts, deadline };
  // A lane per channel, each writing its own outcomes as soon as its sends are done: a provider
  // that hangs until its deadline holds only the messages going through it (rule 10).
  const lanes = new Map<string, { channel: ChannelRow | undefined; messages: MessageRow[] }>();
  for (const m of claimed) {
    const channel = m.channelId ? facts.channels.get(m.channelId) : facts.envs.get(m.tenantId)?.defaultChannel;
    const key = channel?.id ?? "";
    const lane = lanes.get(key) ?? { channel, messages: [] };
    lane.messages.push(m);
    lanes.set(key, lane);
  }
  const done = await Promise.allSettled(
    [...lanes.values()].map(async ({ channel, messages }) => {
      const outcomes = new Map<string, Outcome>();
      let next = 0;
      const worker = async () => {
        while (next < messages.length) {
          const m = messages[next++] as MessageRow;
          outcomes.set(m.id, await sendOne(deps, m, facts, sendOpts, meter));
        }
      };
      // A session channel takes as many at once as its window allows; a cloud channel as many as
      // can share its calls.
      const window = channel && TEMPLATED.has(channel.provider) ? CLOUD_LANE_WIDTH : Number(channel?.config.window);
      const width = Number.isInteger(window) && window > 0 ? Math.max(opts.concurrency, window) : opts.concurrency;
      await Promise.all(Array.from({ length: Math.min(width, messages.length) }, worker));
      await writeLane(deps, channel, messages, outcomes, envs, stats);
    }),
  );
  // Every lane has finished (none writes after the run returns); then the first failure is the run's.
  const failed = done.find((d): d is PromiseRejectedResult => d.status === "rejected");
  if (failed) throw failed.reason;
}

/** A lane's one write, then the receipts that came in for its messages before it. */
async function writeLane(
  deps: DispatchDeps,
  channel: ChannelRow | undefined,
  messages: MessageRow[],
  outcomes: Map<string, Outcome>,
  envs: Map<string, TenantEnv | null>,
  stats: DispatchStats,
) {
  const later = channel ? await mergeReceiptsIn(deps, channel, outcomes, stats) : [];
  await deps.db.batch(outcomeStatements(deps, messages, outcomes, envs, stats));
  if (!channel) return;
  const known: KnownRefs = new Map();
  const byId = new Map(messages.map((m) => [m.id, m]));
  for (const [id, o] of outcomes) {
    const m = byId.get(id);
    if (o.set.providerRef && m)
      known.set(o.set.providerRef, {
        id,
        status: o.set.status as MessageStatus,
        customerId: m.customerId,
        campaignId: m.campaignId,
        kind: m.kind,
      });
  }
  // (Lanes run at once: each adds what it counted after its await, not a value read before it.)
  if (later.length > 0) {
    const applied = await applyStatusUpdates(deps, channel, later, known);
    stats.receipts += applied;
  }
}

/**
 * Receipts that are already in (the simulator answers at once) go into the same write as the
 * send: one update per message instead of two. The rest are returned, applied after it.
 */
async function mergeReceiptsIn(
  deps: DispatchDeps,
  channel: ChannelRow,
  outcomes: Map<string, Outcome>,
  stats: DispatchStats,
): Promise<StatusUpdate[]> {
  const provider = await deps.providers.forChannel(channel).catch(() => null);
  const polled = provider?.pollStatus?.() ?? [];
  if (polled.length === 0) return [];
  const now = deps.clock.now().getTime();
  const bySentRef = new Map<string, Outcome>();
  for (const o of outcomes.values())
    if (o.set.status === "sent" && o.set.providerRef) bySentRef.set(o.set.providerRef, o);
  const rest: StatusUpdate[] = [];
  for (const u of polled) {
    const o = bySentRef.get(u.providerRef);
    const r = o ? receiptChange("sent", u, now) : null;
    if (!o || !r?.applies) {
      rest.push(u);
      continue;
    }
    o.set.status = r.status;
    if (r.deliveredAt !== null) o.set.deliveredAt = r.deliveredAt;
    if (r.reason !== null) {
      o.set.reason = r.reason;
      o.set.reasonText = r.reasonText;
    }
    o.events.push({ status: r.status, detail: r.detail });
    stats.receipts++;
  }
  return rest;
}

/** The batch's one write: the month's counters, then each message's row and history. */
function outcomeStatements(
  deps: DispatchDeps,
  claimed: MessageRow[],
  outcomes: Map<string, Outcome>,
  envs: Map<string, TenantEnv | null>,
  stats: DispatchStats,
): Statement[] {
  const now = deps.clock.now().getTime();
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
    // Told to integrators before the row moves on, and only while it is still ours (`sending`).
    const told = envs.get(m.tenantId)?.webhooks
      ? messageStatusEvent(ctx, m, "sending", { ...o.set, status: o.set.status as string }, now)
      : null;
    if (told) statements.push(told);
    statements.push(
      // Only while our claim holds: a row recovered by another sender is theirs now.
      outcomeStatement(
        m.tenantId,
        m.id,
        o.set,
        now,
        o.events.map((e) => entry(now, e.status, e.reason ?? null, e.detail ?? null)),
      ),
      ...(o.extra ?? []),
    );
  }
  return statements;
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
