// What the cloud SMS providers (Aliyun, Tencent) share: unsigned callbacks checked by the key in
// their URL, JSON-array bodies, and how a send that got no whole answer is told.
import { hex } from "../lib/crypto";
import { MalformedWebhookError } from "../lib/errors";
import { constantTimeEqual } from "../lib/secretbox";
import {
  type ProviderError,
  pastDeadline,
  SEND_DEADLINE_MS,
  type SendRequest,
  type SendResult,
  type WebhookRequest,
} from "./provider";

type Waiting = { req: SendRequest; resolve: (r: SendResult) => void };

/** Calls at once when a batch is sent number by number, and how long that may go on. */
const ONE_BY_ONE = 10;
const ONE_BY_ONE_BUDGET_MS = 20_000;

const NOT_SENT: ProviderError = {
  kind: "unavailable",
  code: "not_sent",
  message: "Not sent: the service was stopping, or the run's time was up",
};

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
 * are unsigned), the clock their signatures date, a stop that ends sends in flight, and batching:
 * sends that arrive together (the dispatcher's lane has many in flight) and can share a call go
 * in one, each still answered with its own number's outcome.
 */
export abstract class CloudProvider {
  // Their references are only echoed back, not de-duplicated: a send whose answer was lost is not repeated.
  readonly dedupesByRef = false;
  readonly templated = true;
  /** Numbers one call may carry. */
  abstract readonly maxBatch: number;
  /** The provider's name in a sentence. */
  protected abstract readonly label: string;
  protected readonly stopping = new AbortController();
  protected readonly url: URL;
  private readonly waiting = new Map<string, Waiting[]>();

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

  /** One number, one call. */
  protected abstract sendOne(req: SendRequest): Promise<SendResult>;
  /** Several numbers in one call, each with its outcome, in order. */
  protected abstract sendMany(reqs: SendRequest[]): Promise<SendResult[]>;
  /** Sends with the same key can share a call. */
  protected abstract batchKey(req: SendRequest & { template: NonNullable<SendRequest["template"]> }): string;

  /**
   * Sends join the ones waiting with the same key until this turn of the event loop ends (or the
   * call is full): alone, a send goes as before; together, they go in one call.
   */
  send(req: SendRequest): Promise<SendResult> {
    if (!req.template) return Promise.resolve(this.noTemplate(this.label));
    const key = this.batchKey({ ...req, template: req.template });
    return new Promise((resolve) => {
      let group = this.waiting.get(key);
      // One number once a call: a second message to it waits for the next one.
      if (group?.some((g) => g.req.to === req.to)) {
        this.flush(key, group);
        group = undefined;
      }
      if (!group) {
        group = [];
        this.waiting.set(key, group);
        setTimeout(() => this.flush(key, group as Waiting[]), 0);
      }
      group.push({ req, resolve });
      if (group.length >= this.maxBatch) this.flush(key, group);
    });
  }

  private flush(key: string, group: Waiting[]) {
    if (this.waiting.get(key) !== group) return;
    this.waiting.delete(key);
    void this.run(group);
  }

  /**
   * Each alone, a few at a time: a batch's refusal that did not say which number it was about.
   * Within a budget (the dispatcher's lease must outlast it) and only while running: one not
   * started by then is answered not sent, and waits for the next run.
   */
  protected async oneByOne(reqs: SendRequest[]): Promise<SendResult[]> {
    const out: SendResult[] = new Array(reqs.length);
    const until = this.now().getTime() + ONE_BY_ONE_BUDGET_MS;
    let next = 0;
    const worker = async () => {
      while (next < reqs.length) {
        const i = next++;
        const late = this.stopping.signal.aborted || this.now().getTime() > until;
        out[i] = late ? { ok: false, error: NOT_SENT } : await this.sendOne(reqs[i] as SendRequest);
      }
    };
    await Promise.all(Array.from({ length: Math.min(ONE_BY_ONE, reqs.length) }, worker));
    return out;
  }

  private async run(group: Waiting[]) {
    // Stopped before its call: nothing went, and the messages wait for the next start.
    if (this.stopping.signal.aborted) {
      for (const g of group) g.resolve({ ok: false, error: NOT_SENT });
      return;
    }
    let results: SendResult[];
    try {
      results =
        group.length === 1
          ? [await this.sendOne((group[0] as Waiting).req)]
          : await this.sendMany(group.map((g) => g.req));
    } catch (e) {
      // A fault of ours before or after the call: whether it went is not known.
      const error: ProviderError = { kind: "unknown_outcome", code: "internal", message: (e as Error).message };
      results = group.map(() => ({ ok: false, error }));
    }
    for (const [i, g] of group.entries())
      g.resolve(
        results[i] ?? {
          ok: false,
          error: { kind: "unknown_outcome", code: "no_answer", message: "The provider did not answer for this number" },
        },
      );
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
