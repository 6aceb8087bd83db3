// One interface for every way a message leaves Tidings (listmonk's Messenger, in spirit).
// test/provider-conformance.test.ts runs the same suite against each implementation.

import type { Encoding } from "../compose/encoding";

/**
 * How long a send may take before we stop waiting (rule 10): a provider that hangs costs each
 * message this long at most, instead of holding the dispatcher until the socket dies. Past it,
 * the outcome is unknown to us, and each provider says what that means for sending again.
 */
export const SEND_DEADLINE_MS = 15_000;

/** Whether a fetch failed because its deadline (AbortSignal.timeout) passed. */
export function pastDeadline(e: unknown): boolean {
  return e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
}

export type SendRequest = {
  /** Our message id: the idempotency reference a provider may de-duplicate by. */
  ref: string;
  to: string;
  from: string;
  text: string;
  encoding: Encoding;
  segments: number;
  /** Where the provider should post status callbacks, when it pushes them. */
  statusCallback?: string;
};

export type ErrorKind = "permanent" | "retryable" | "throttled" | "unknown_outcome";

/** A provider's failure, classified; `reason` is one of our skip/failure codes when it maps. */
export type ProviderError = {
  kind: ErrorKind;
  code: string;
  message: string;
  reason?: "invalid_number" | "opted_out" | "rejected" | "provider_error";
  retryAfterMs?: number;
};

export type SendResult = { ok: true; providerRef: string } | { ok: false; error: ProviderError };

/** Statuses a provider reports, already mapped to ours. */
export const REPORTED_STATUSES = ["queued", "sending", "sent", "delivered", "undelivered", "failed"] as const;
export type ReportedStatus = (typeof REPORTED_STATUSES)[number];

export type StatusUpdate = {
  providerRef: string;
  status: ReportedStatus;
  errorCode?: string;
  detail?: string;
};

export type InboundSms = { providerMessageId: string; from: string; to: string; text: string };

/** An incoming webhook as the provider sent it: the exact URL, headers and raw body. */
export type WebhookRequest = {
  url: string;
  /** Looked up by name (a Fetch Headers will do): the runtime's request keeps them raw until asked. */
  headers: { get(name: string): string | null };
  body: string;
};

export interface SmsProvider {
  readonly name: string;
  /**
   * True when sending the same `ref` twice delivers once. After a crash mid-send, a message is
   * re-sent only through such a provider; otherwise it is marked `unknown` for reconciliation.
   */
  readonly dedupesByRef: boolean;
  send(req: SendRequest): Promise<SendResult>;
  verifyRequest(req: WebhookRequest): Promise<boolean>;
  parseStatus(req: WebhookRequest): StatusUpdate[];
  parseInbound(req: WebhookRequest): InboundSms[];
  /** Receipts a provider keeps for us to collect (the in-process simulator, SMPP); others push them. */
  pollStatus?(): StatusUpdate[];
  /** Inbound SMS a provider keeps for us to collect (SMPP deliver_sm); others post them. */
  pollInbound?(): InboundSms[];
  close?(): Promise<void>;
}

/** Parses an application/x-www-form-urlencoded body into a plain record. */
export function formFields(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}
