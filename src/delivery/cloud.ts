// What the cloud SMS providers (Aliyun, Tencent) share: unsigned callbacks checked by the key in
// their URL, JSON-array bodies, and how a send that got no whole answer is told.
import { hex } from "../lib/crypto";
import { MalformedWebhookError } from "../lib/errors";
import { constantTimeEqual } from "../lib/secretbox";
import { type ProviderError, pastDeadline, SEND_DEADLINE_MS, type SendResult, type WebhookRequest } from "./provider";

/** Neither provider signs its callbacks: the URL given to it carries the channel's key. */
export function keyedWebhook(url: string, key: string): boolean {
  const given = new URL(url).searchParams.get("key");
  return given !== null && key !== "" && constantTimeEqual(given, key);
}

/** A callback body that must be a JSON array of objects (one report or reply each). */
export function parseJsonArray(body: string, what: string): Record<string, unknown>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedWebhookError(`${what} is not JSON`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length > 1000 || !list.every((x) => x !== null && typeof x === "object" && !Array.isArray(x)))
    throw new MalformedWebhookError(`${what} must be a JSON array of at most 1000 objects`);
  return list as Record<string, unknown>[];
}

export function stripPlus(e164: string): string {
  return e164.replace(/^\+/, "");
}

export function randomNonce(): string {
  return hex(crypto.getRandomValues(new Uint8Array(16)));
}

/** The service stopped while a send waited for its answer: it may have gone (not a channel fault). */
export const STOPPED: ProviderError = {
  kind: "unknown_outcome",
  code: "stopped",
  message: "The service stopped before the provider answered",
};

/** No answer, or no whole answer: the provider may or may not have sent it. */
export function lost(e: unknown, deadlineMs: number): ProviderError {
  return pastDeadline(e)
    ? { kind: "unknown_outcome", code: "timeout", message: `No answer within ${deadlineMs} ms` }
    : { kind: "unknown_outcome", code: "network", message: (e as Error).message };
}

/**
 * What Aliyun and Tencent providers share: an endpoint, the channel's webhook key (their callbacks
 * are unsigned), the clock their signatures date, and a stop that ends sends in flight.
 */
export abstract class CloudProvider {
  // Their references are only echoed back, not de-duplicated: a send whose answer was lost is not repeated.
  readonly dedupesByRef = false;
  readonly templated = true;
  protected readonly stopping = new AbortController();
  protected readonly url: URL;

  constructor(
    endpoint: string,
    private readonly webhookKey: string,
    protected readonly now: () => Date,
    protected readonly deadlineMs = SEND_DEADLINE_MS,
  ) {
    this.url = new URL(endpoint);
  }

  async close(): Promise<void> {
    this.stopping.abort();
  }

  async verifyRequest(req: WebhookRequest): Promise<boolean> {
    return keyedWebhook(req.url, this.webhookKey);
  }

  /** A free text, or a message with no bound template, is never offered to the provider. */
  protected noTemplate(provider: string): SendResult {
    return {
      ok: false,
      error: {
        kind: "permanent",
        code: "no_template",
        message: `${provider} sends only approved templates`,
        reason: "rejected",
      },
    };
  }
}
