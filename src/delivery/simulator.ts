// The simulator: a provider that behaves like a real one (latency, failures, throttling,
// undelivered receipts) but decides everything from a seed, so a test or a bench is repeatable.
// It de-duplicates by our reference, as a provider with an idempotency key does.

import type { Clock } from "../lib/clock";
import { MalformedWebhookError } from "../lib/errors";
import { constantTimeEqual, type Hmac, hmacBase64 } from "../lib/secretbox";
import { fnv1a } from "../templates/library";
import {
  formFields,
  type InboundSms,
  type ProviderError,
  pastDeadline,
  REPORTED_STATUSES,
  SEND_DEADLINE_MS,
  type SendRequest,
  type SendResult,
  type SmsProvider,
  type StatusUpdate,
  type WebhookRequest,
} from "./provider";

export type SimulatorConfig = {
  seed?: number;
  /** Waited before each answer, in milliseconds. */
  latency_ms?: number;
  /** Shares of sends that fail permanently, fail retryably, are throttled; of receipts undelivered. */
  failure_rate?: number;
  retryable_rate?: number;
  throttle_rate?: number;
  undelivered_rate?: number;
  /** Time from acceptance to the delivery receipt. */
  receipt_delay_ms?: number;
  /** A simulator server's base URL (src/node/simulator-server.ts); in-process when absent. */
  url?: string;
};

/** A number in [0, 1) fixed by the seed and the inputs: the same question, the same answer. */
export function draw(seed: number, ...parts: (string | number)[]): number {
  return Number.parseInt(fnv1a(`${seed}|${parts.join("|")}`), 16) / 0x1_0000_0000;
}

/** A draw below `rate`; no hashing when the rate is zero (the default), the same outcomes otherwise. */
function chance(rate: number | undefined, seed: number, ...parts: (string | number)[]): boolean {
  return rate !== undefined && rate > 0 && draw(seed, ...parts) < rate;
}

export type Decision = { ok: true; undelivered: boolean } | { ok: false; error: ProviderError };

/** Decides one send attempt. Invalid numbers (no leading + and digits) always fail permanently. */
export function decide(config: SimulatorConfig, ref: string, to: string, attempt: number): Decision {
  const seed = config.seed ?? 1;
  if (!/^\+[1-9]\d{6,14}$/.test(to)) {
    return {
      ok: false,
      error: {
        kind: "permanent",
        code: "invalid_number",
        message: `${to} is not a valid number`,
        reason: "invalid_number",
      },
    };
  }
  if (chance(config.failure_rate, seed, "fail", ref)) {
    return {
      ok: false,
      error: {
        kind: "permanent",
        code: "rejected",
        message: "Rejected by the carrier (simulated)",
        reason: "rejected",
      },
    };
  }
  if (chance(config.throttle_rate, seed, "throttle", ref, attempt)) {
    return {
      ok: false,
      error: { kind: "throttled", code: "throttled", message: "Slow down (simulated)", retryAfterMs: 1000 },
    };
  }
  if (chance(config.retryable_rate, seed, "retry", ref, attempt)) {
    return {
      ok: false,
      error: { kind: "retryable", code: "unavailable", message: "Temporarily unavailable (simulated)" },
    };
  }
  return { ok: true, undelivered: chance(config.undelivered_rate, seed, "undelivered", ref) };
}

const STATUSES: ReadonlySet<string> = new Set(REPORTED_STATUSES);

/** A JSON object, or a MalformedWebhookError. */
function jsonBody(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new MalformedWebhookError("not JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new MalformedWebhookError("not a JSON object");
  return value as Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The simulator's memory: what it accepted, by our reference, and the receipts it owes. */
export class SimulatorState {
  readonly accepted = new Map<string, { providerRef: string; to: string; text: string; at: number }>();
  duplicates = 0;
  readonly attempts = new Map<string, number>();
  private readonly pending: { due: number; update: StatusUpdate }[] = [];

  constructor(
    readonly config: SimulatorConfig,
    private readonly clock: Clock,
  ) {}

  submit(req: { ref: string; to: string; text: string }): SendResult {
    const known = this.accepted.get(req.ref);
    if (known) {
      this.duplicates++;
      return { ok: true, providerRef: known.providerRef };
    }
    const attempt = (this.attempts.get(req.ref) ?? 0) + 1;
    this.attempts.set(req.ref, attempt);
    const d = decide(this.config, req.ref, req.to, attempt);
    if (!d.ok) return d;
    const providerRef = `SM${fnv1a(`${this.config.seed ?? 1}:${req.ref}`)}${fnv1a(req.ref)}`;
    const now = this.clock.now().getTime();
    this.accepted.set(req.ref, { providerRef, to: req.to, text: req.text, at: now });
    this.pending.push({
      due: now + (this.config.receipt_delay_ms ?? 0),
      update: d.undelivered
        ? { providerRef, status: "undelivered", errorCode: "30005", detail: "Unknown destination handset (simulated)" }
        : { providerRef, status: "delivered" },
    });
    return { ok: true, providerRef };
  }

  /** When the earliest receipt still held is due; null when none is. */
  nextDue(): number | null {
    let next: number | null = null;
    for (const p of this.pending) if (next === null || p.due < next) next = p.due;
    return next;
  }

  /** Receipts whose time has come, oldest first. */
  due(): StatusUpdate[] {
    const now = this.clock.now().getTime();
    const out: StatusUpdate[] = [];
    let keep = 0;
    for (const p of this.pending) {
      if (p.due <= now) out.push(p.update);
      else this.pending[keep++] = p;
    }
    this.pending.length = keep;
    return out;
  }
}

/**
 * The simulator as a provider: in-process (the default for `npm start` and tests), or talking
 * to a simulator server over HTTP when `url` is set, so that it outlives our process.
 */
export class SimulatorProvider implements SmsProvider {
  /** Aborted by close(): a send in flight ends at once when the service stops (its outcome unknown). */
  private readonly stopping = new AbortController();

  async close(): Promise<void> {
    this.stopping.abort();
  }

  readonly name = "simulator";
  readonly dedupesByRef = true;
  private readonly state: SimulatorState;

  constructor(
    private readonly config: SimulatorConfig,
    clock: Clock,
    private readonly secret: string,
    private readonly hmac: Hmac = hmacBase64,
    private readonly deadlineMs = SEND_DEADLINE_MS,
  ) {
    this.state = new SimulatorState(config, clock);
  }

  async send(req: SendRequest): Promise<SendResult> {
    if (this.config.latency_ms) await sleep(this.config.latency_ms);
    if (!this.config.url) return this.state.submit(req);
    // The simulator de-duplicates by ref, so a send whose answer was lost can be repeated.
    const lost = (e: unknown): SendResult => {
      if (this.stopping.signal.aborted) {
        // The simulator de-duplicates by our reference: sending it again is safe.
        return { ok: false, error: { kind: "retryable", code: "stopped", message: "The service stopped" } };
      }
      const timeout = pastDeadline(e);
      const message = timeout ? `No answer within ${this.deadlineMs} ms` : (e as Error).message;
      return { ok: false, error: { kind: "retryable", code: timeout ? "timeout" : "network", message } };
    };
    let res: Response;
    try {
      res = await fetch(`${this.config.url}/sim/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ref: req.ref, to: req.to, text: req.text, callback: req.statusCallback }),
        signal: AbortSignal.any([AbortSignal.timeout(this.deadlineMs), this.stopping.signal]),
      });
    } catch (e) {
      return lost(e);
    }
    let body: { provider_ref?: string; error?: ProviderError } = {};
    try {
      body = (await res.json()) as typeof body;
    } catch (e) {
      if (pastDeadline(e)) return lost(e);
      // Not JSON (a proxy's error page): classified by the status below.
    }
    if (res.ok && body.provider_ref) return { ok: true, providerRef: body.provider_ref };
    return { ok: false, error: body.error ?? { kind: "retryable", code: String(res.status), message: res.statusText } };
  }

  pollStatus(): StatusUpdate[] {
    return this.config.url ? [] : this.state.due();
  }

  nextStatusAt(): number | null {
    return this.config.url ? null : this.state.nextDue();
  }

  /** Simulator callbacks carry X-Simulator-Signature: base64 HMAC-SHA256 of the body. */
  async verifyRequest(req: WebhookRequest): Promise<boolean> {
    const given = req.headers.get("x-simulator-signature") ?? "";
    return constantTimeEqual(given, this.hmac("SHA-256", this.secret, req.body));
  }

  parseStatus(req: WebhookRequest): StatusUpdate[] {
    const body = jsonBody(req.body);
    const updates = body.updates ?? [];
    if (!Array.isArray(updates)) throw new MalformedWebhookError("updates is not a list");
    return updates.map((u: unknown, i) => {
      const { providerRef, status, errorCode, detail } = (u ?? {}) as Record<string, unknown>;
      if (typeof providerRef !== "string" || typeof status !== "string" || !STATUSES.has(status))
        throw new MalformedWebhookError(`updates[${i}] needs a providerRef and a known status`);
      return {
        providerRef,
        status: status as StatusUpdate["status"],
        ...(typeof errorCode === "string" ? { errorCode } : {}),
        ...(typeof detail === "string" ? { detail } : {}),
      };
    });
  }

  parseInbound(req: WebhookRequest): InboundSms[] {
    const f = req.headers.get("content-type")?.includes("json") ? jsonBody(req.body) : formFields(req.body);
    const text = (k: string) => (typeof f[k] === "string" ? (f[k] as string) : undefined);
    const id = text("id");
    const from = text("from");
    if (!id || !from) throw new MalformedWebhookError("an inbound SMS needs an id and a from");
    return [{ providerMessageId: id, from, to: text("to") ?? "", text: text("text") ?? "" }];
  }

  /** For tests and the bench: what reached the simulator. */
  get stats() {
    return { accepted: this.state.accepted.size, duplicates: this.state.duplicates };
  }
}
