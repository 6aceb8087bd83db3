// Sends what the outbox of outgoing webhooks holds: claims due deliveries under a lease, posts
// each signed, and records what the endpoint answered. A failure is tried again later, for
// about a day; then the endpoint is turned off, saying why. Every workspace's (a job).
import type { Database } from "../db/client";
import type { Clock } from "../lib/clock";
import { open, type SecretKey } from "../lib/secretbox";
import { privateIp, refusedAddress } from "./address";
import { signatureHeaders } from "./sign";
import { claimDueDeliveries, type Due, outcomeStatements, putBack } from "./store";

/** Waits before each further attempt: about a day in all (27 h 35 min after the first). */
export const WEBHOOK_BACKOFF_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
const DEADLINE_MS = 10_000;
const BATCH = 50;
// Workers open six connections at once: more would start their deadline waiting for one.
const AT_ONCE = 6;
// Longer than a run can take (every round waiting its whole deadline), so no other run takes them.
const LEASE_MS = Math.ceil(BATCH / AT_ONCE) * DEADLINE_MS + 30_000;
const EXCERPT = 500;
/** How long a delivery put back (its endpoint did not answer in this run) waits, not an attempt. */
const PUT_BACK_MS = 60_000;
/** A run goes on claiming while there is more, this long at most (the next run carries on). */
const RUN_BUDGET_MS = 60_000;
/** Deliveries per Workers queue message: one claim's worth. */
export const WEBHOOK_IDS_PER_MESSAGE = BATCH;

export type WebhookDeps = {
  db: Database;
  clock: Clock;
  secretKey: SecretKey;
  allowPrivate: boolean;
  resolveHost?: ((host: string) => Promise<string[]>) | undefined;
  signal?: AbortSignal | undefined;
};

/** Why a name that reads as public may still not be sent to: what it resolves to. */
async function resolvesPrivate(deps: WebhookDeps, url: string): Promise<string | null> {
  if (deps.allowPrivate || !deps.resolveHost) return null;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  try {
    const addresses = await deps.resolveHost(host);
    return addresses.some(privateIp) ? "resolves to a private or loopback address" : null;
  } catch (e) {
    return `could not be resolved (${(e as Error).message})`;
  }
}

/** The start of an answer's body, read no further than that. */
async function excerpt(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return "";
  let text = "";
  const decoder = new TextDecoder();
  while (text.length < EXCERPT) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel().catch(() => {});
  return text.slice(0, EXCERPT);
}

async function attempt(deps: WebhookDeps, d: Due) {
  const started = deps.clock.now();
  // Elapsed time of the call, not a time of day: measured, not from the clock.
  const t0 = performance.now();
  // Checked when saved and again now; a name is resolved as well (left: a name that changes
  // what it resolves to between this and the connection).
  const refused = refusedAddress(d.url, deps.allowPrivate) ?? (await resolvesPrivate(deps, d.url));
  if (refused) return { ok: false, status: null, latency: 0, response: `Not sent: the address ${refused}` };
  try {
    const secret = await open(deps.secretKey, d.secret);
    const res = await fetch(d.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "Tidings-Webhooks/1",
        ...(await signatureHeaders(secret, d.event_id, started, d.payload)),
      },
      body: d.payload,
      // A redirect could lead anywhere, a private address too: it counts as the answer.
      redirect: "manual",
      signal: AbortSignal.timeout(DEADLINE_MS),
    });
    const response = await excerpt(res).catch(() => "");
    const latency = Math.round(performance.now() - t0);
    return { ok: res.status >= 200 && res.status < 300, status: res.status, latency, response };
  } catch (e) {
    const latency = Math.round(performance.now() - t0);
    const why = (e as Error).name === "TimeoutError" ? `No answer within ${DEADLINE_MS} ms` : (e as Error).message;
    return { ok: false, status: null, latency, response: why };
  }
}

/**
 * One run: claims what is due, `BATCH` at a time, sends it, records each outcome; again while
 * a claim comes back full (a broadcast's statuses are thousands of events), for a minute at
 * most. With `ids` (a Workers queue message), only those.
 */
export async function deliverWebhooks(deps: WebhookDeps, only?: { ids: string[] }) {
  const out = { delivered: 0, retrying: 0, failed: 0 };
  const start = deps.clock.now().getTime();
  // Endpoints that did not answer in this run: their other deliveries wait for a later one,
  // instead of each taking a sender for its whole deadline while other endpoints wait.
  const silent = new Set<string>();
  for (;;) {
    const claimed = await deliverBatch(deps, out, only?.ids, silent);
    if (claimed < BATCH || only || deps.signal?.aborted || deps.clock.now().getTime() - start > RUN_BUDGET_MS) break;
  }
  return out;
}

async function deliverBatch(
  deps: WebhookDeps,
  out: { delivered: number; retrying: number; failed: number },
  ids: string[] | undefined,
  silent: Set<string>,
): Promise<number> {
  const now = deps.clock.now().getTime();
  // A test goes to an endpoint that is turned off too; anything else waits while it is off.
  const leaseUntil = now + LEASE_MS;
  const due = await claimDueDeliveries(deps.db, now, leaseUntil, BATCH, ids);
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const d = due[next++] as Due;
      if (silent.has(d.endpoint_id)) {
        await deps.db.batch([putBack(d, leaseUntil, deps.clock.now().getTime() + PUT_BACK_MS)]);
        continue;
      }
      const r = await attempt(deps, d);
      if (r.status === null) silent.add(d.endpoint_id);
      const at = deps.clock.now().getTime();
      const wait = WEBHOOK_BACKOFF_MS[d.attempts - 1];
      const status = r.ok ? "delivered" : wait === undefined ? "failed" : "pending";
      out[r.ok ? "delivered" : status === "failed" ? "failed" : "retrying"]++;
      const statements = outcomeStatements(d, leaseUntil, {
        status,
        at,
        nextAttemptAt: at + (wait ?? 0),
        response: r,
        // Tried for a day and never taken: the endpoint is turned off, unless it took another since.
        disable:
          status === "failed"
            ? `Deliveries failed for a day; the last answer: ${r.status ?? "none"} ${r.response}`.slice(0, 500)
            : null,
      });
      await deps.db.batch(statements);
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, due.length) }, worker));
  return due.length;
}
