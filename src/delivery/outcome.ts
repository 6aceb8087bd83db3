// What became of each claimed message: sent, skipped, held for later, failed. An outcome is
// data (the row's new fields and its history lines); the batch writes them all at once.

import { consentStatements } from "../customers/consent";
import type { Statement } from "../db/client";
import type { CustomerRow, MessageRow } from "../db/schema";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import { REASONS } from "../outbox/status";
import type { ProviderError } from "./provider";

/**
 * A provider that asks to slow down, or cannot take a message now, is asked again no sooner
 * than this: a run sends for as long as messages are due, and one that said "again now" would
 * have its messages claimed again at once, over and over, for the whole run.
 */
const MIN_RETRY_MS = 1000;

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

/** One outcome for one claimed message: the row changes and the history entries. */
export type Outcome = {
  set: Partial<MessageRow>;
  events: { status: string; reason?: string | null; detail?: string | null }[];
  extra?: Statement[];
  count: keyof DispatchStats;
};

export function skip(status: "skipped" | "expired" | "failed", reason: string, detail?: string): Outcome {
  return {
    set: { status, reason, reasonText: detail ?? REASONS[reason] ?? reason },
    events: [{ status, reason, detail }],
    count: status === "failed" ? "failed" : status === "expired" ? "expired" : "skipped",
  };
}

const RECHECKED_WAITS = new Set([
  "rate_limited",
  "channel_down",
  "throttled",
  "campaign_paused",
  "frequency_capped",
  "number_capped",
]);

export function defer(m: MessageRow, reason: string, until: number, detail?: string, countAttempt = false): Outcome {
  // A deferral is not an attempt; the claim counted one, so give it back.
  const attempts = countAttempt ? m.attempts : m.attempts - 1;
  // A second wait for the same reason is not news: the history keeps the first. These waits are
  // checked again and again (every second, every hour) for as long as they last, and the
  // history lives in the message's row, rewritten whole with each entry.
  const repeat = m.reason === reason && RECHECKED_WAITS.has(reason);
  return {
    set: { status: "queued", reason, reasonText: detail ?? REASONS[reason] ?? reason, dueAt: until, attempts },
    events: repeat ? [] : [{ status: "queued", reason, detail: detail ?? REASONS[reason] ?? null }],
    count: "deferred",
  };
}

function backoff(attempt: number): number {
  // Exponential with full jitter: 2 s, 4 s, 8 s ... capped at 5 minutes.
  const base = Math.min(300_000, 1000 * 2 ** attempt);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/** A provider's refusal, by kind: slow down, try again later, ask a person, or give up. */
export function failure(
  deps: { clock: Clock; ids: IdGenerator },
  m: MessageRow,
  c: CustomerRow,
  fields: Partial<MessageRow>,
  error: ProviderError,
  maxAttempts: number,
): Outcome {
  const now = deps.clock.now().getTime();
  const detail = `${error.code}: ${error.message}`;
  switch (error.kind) {
    case "throttled": {
      // Slowing down is not a failed attempt.
      const o = defer(m, "throttled", now + Math.max(error.retryAfterMs ?? 1000, MIN_RETRY_MS), detail);
      return { ...o, set: { ...o.set, channelId: fields.channelId } };
    }
    case "unavailable": {
      // The channel could not take it; nothing was handed over. Not an attempt either.
      const o = defer(m, "channel_down", now + Math.max(error.retryAfterMs ?? 5000, MIN_RETRY_MS), detail);
      return { ...o, set: { ...o.set, channelId: fields.channelId } };
    }
    case "retryable": {
      if (m.attempts >= maxAttempts) {
        const o = skip("failed", "retries_exhausted", `${m.attempts} attempts; last: ${detail}`);
        return { ...o, set: { ...o.set, ...fields } };
      }
      const o = defer(m, "retry", now + backoff(m.attempts), detail, true);
      return { ...o, set: { ...o.set, channelId: fields.channelId } };
    }
    case "unknown_outcome":
      return {
        set: {
          ...fields,
          status: "unknown",
          reason: "provider_error",
          reasonText: `No answer from the provider (${detail}); it may or may not have sent it`,
        },
        events: [{ status: "unknown", reason: "provider_error", detail }],
        count: "unknown",
      };
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
