// One interface for every way a message leaves Tidings (listmonk's Messenger, in spirit).
// test/provider-conformance.test.ts runs the same suite against each implementation.

import type { Encoding } from "../compose/encoding";
import type { ChannelRow } from "../db/schema";

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
  /**
   * For a provider that sends only approved templates: the provider's template and the values
   * of its parameters, in the template's order (Tencent takes them by position, Aliyun by name).
   */
  template?: { code: string; params: { name: string; value: string }[] };
};

/**
 * `unavailable`: the channel cannot take anything now (its link is down, the service stopping)
 * and nothing was handed over: the message waits without spending an attempt.
 */
export type ErrorKind = "permanent" | "retryable" | "throttled" | "unavailable" | "unknown_outcome";

/** A provider's failure, classified; `reason` is one of our skip/failure codes when it maps. */
export type ProviderError = {
  kind: ErrorKind;
  code: string;
  message: string;
  reason?: "invalid_number" | "opted_out" | "rejected" | "provider_error";
  retryAfterMs?: number;
};

/** A provider template's review state: `missing` when the account has no such template. */
export type Approval = {
  code: string;
  status: "approved" | "pending" | "rejected" | "missing";
  /** The provider's words (a rejection's reason). */
  detail?: string;
  /** A template's text as the provider approved it (Aliyun `${name}`, Tencent `{1}`), when it says. */
  text?: string;
  /** What the provider approved a template as, when it says (Aliyun). */
  kind?: "notification" | "marketing" | "verification";
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
  /** True when the provider sends only templates it approved (Aliyun, Tencent): `template` is required. */
  readonly templated?: boolean;
  /** Review states of these provider templates (Aliyun, Tencent); throws when the provider cannot say. */
  approvals?(codes: string[]): Promise<Approval[]>;
  /**
   * The review state of the channel's signature (its `code` the signature's name); null when
   * the provider cannot be asked (Tencent without the signature's id). Throws like `approvals`.
   */
  signature?(): Promise<Approval | null>;
  /** What a webhook is answered with, when the provider expects words back (else `{ok: true}`). */
  readonly webhookAnswer?: { body: string; type: string };
  send(req: SendRequest): Promise<SendResult>;
  verifyRequest(req: WebhookRequest): Promise<boolean>;
  parseStatus(req: WebhookRequest): StatusUpdate[];
  parseInbound(req: WebhookRequest): InboundSms[];
  /** Receipts a provider keeps for us to collect (the in-process simulator, SMPP); others push them. */
  pollStatus?(): StatusUpdate[];
  /** When the next receipt pollStatus holds is due (ms since the epoch); null when it holds none. */
  nextStatusAt?(): number | null;
  /** Inbound SMS a provider keeps for us to collect (SMPP deliver_sm); others post them. */
  pollInbound?(): InboundSms[];
  /** Session providers (SMPP): start keeping the link up, so reports arrive while nothing is sent. */
  keep?(): void;
  close?(): Promise<void>;
}

/** A part of a long inbound SMS, with where it sits in the whole. */
export type InboundPart = InboundSms & { reference: number; total: number; seq: number };

/** The state of a channel's link, as shown to a person. */
export type LinkHealth = "connecting" | "up" | "down";

/**
 * Where a session provider hands what its peer delivers. Each call resolves once what it carries
 * is durable; only then does the provider acknowledge it to the peer.
 */
export type SessionSink = {
  receipts(channel: ChannelRow, updates: StatusUpdate[]): Promise<void>;
  /**
   * An inbound SMS, or a part of a long one, that came on `connection` (the prefix its provider
   * id starts with): stored and never answered, it is recognised when the peer delivers it again
   * on a later connection.
   */
  inbound(channel: ChannelRow, sms: InboundSms | InboundPart, connection: string): Promise<void>;
  /**
   * These inbound messages are about to be answered: no longer looked for among redeliveries.
   * Resolves before the answer is written (a record outliving its answer would swallow a repeat).
   */
  answered(channel: ChannelRow, providerMessageIds: string[]): Promise<void>;
  health(channel: ChannelRow, state: LinkHealth, error: string | null): Promise<void>;
};

/** Parses an application/x-www-form-urlencoded body into a plain record. */
export function formFields(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}
