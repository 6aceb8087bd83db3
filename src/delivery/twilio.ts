// Twilio's Messages REST API over fetch (runtime-neutral): form-encoded, basic auth, status
// callbacks and inbound webhooks signed with X-Twilio-Signature.

import { MalformedWebhookError } from "../lib/errors";
import { constantTimeEqual, type Hmac, hmacBase64 } from "../lib/secretbox";
import {
  formFields,
  type InboundSms,
  type ProviderError,
  pastDeadline,
  type ReportedStatus,
  SEND_DEADLINE_MS,
  type SendRequest,
  type SendResult,
  type SmsProvider,
  type StatusUpdate,
  type WebhookRequest,
} from "./provider";

export type TwilioConfig = {
  account_sid: string;
  /** A number or alphanumeric sender; or a Messaging Service SID (MG...). */
  from: string;
  /** For tests and regional edges; https://api.twilio.com by default. */
  base_url?: string;
};

const STATUS: Record<string, ReportedStatus> = {
  accepted: "queued",
  scheduled: "queued",
  queued: "queued",
  sending: "sending",
  sent: "sent",
  delivered: "delivered",
  read: "delivered",
  undelivered: "undelivered",
  failed: "failed",
  canceled: "failed",
};

const INVALID_NUMBER = new Set(["21211", "21214", "21217", "21407", "21421", "21614"]);

/** Twilio error codes and HTTP statuses, classified. */
export function classifyTwilioError(
  status: number,
  code: string,
  message: string,
  retryAfter?: string | null,
): ProviderError {
  if (status === 429 || code === "20429") {
    const seconds = Number(retryAfter);
    return {
      kind: "throttled",
      code: code || "429",
      message,
      retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000,
    };
  }
  if (code === "21610") return { kind: "permanent", code, message, reason: "opted_out" };
  if (INVALID_NUMBER.has(code)) return { kind: "permanent", code, message, reason: "invalid_number" };
  if (status >= 500) return { kind: "retryable", code: code || String(status), message };
  return { kind: "permanent", code: code || String(status), message, reason: "rejected" };
}

/** X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each POST parameter key+value sorted by key)). */
export async function twilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  hmac: Hmac = hmacBase64,
): Promise<string> {
  const data = Object.keys(params)
    .sort()
    .reduce((s, k) => s + k + params[k], url);
  return hmac("SHA-1", authToken, data);
}

export class TwilioProvider implements SmsProvider {
  /** Aborted by close(): a send in flight ends at once when the service stops (its outcome unknown). */
  private readonly stopping = new AbortController();

  async close(): Promise<void> {
    this.stopping.abort();
  }

  readonly name = "twilio";
  // An empty TwiML response: no reply is sent to an inbound message.
  readonly webhookAnswer = {
    body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    type: "text/xml",
  };
  // Twilio's Messages API takes no idempotency key: a send whose answer was lost is not repeated.
  readonly dedupesByRef = false;
  private readonly base: string;

  constructor(
    private readonly config: TwilioConfig,
    private readonly authToken: string,
    private readonly hmac: Hmac = hmacBase64,
    private readonly deadlineMs = SEND_DEADLINE_MS,
  ) {
    this.base = (config.base_url ?? "https://api.twilio.com").replace(/\/$/, "");
  }

  async send(req: SendRequest): Promise<SendResult> {
    const form = new URLSearchParams({ To: req.to, Body: req.text });
    if (this.config.from.startsWith("MG")) form.set("MessagingServiceSid", this.config.from);
    else form.set("From", this.config.from);
    if (req.statusCallback) form.set("StatusCallback", req.statusCallback);
    let res: Response;
    try {
      res = await fetch(
        `${this.base}/2010-04-01/Accounts/${encodeURIComponent(this.config.account_sid)}/Messages.json`,
        {
          method: "POST",
          headers: {
            authorization: `Basic ${btoa(`${this.config.account_sid}:${this.authToken}`)}`,
            "content-type": "application/x-www-form-urlencoded",
          },
          body: form.toString(),
          signal: AbortSignal.any([AbortSignal.timeout(this.deadlineMs), this.stopping.signal]),
        },
      );
    } catch (e) {
      return { ok: false, error: this.stopping.signal.aborted ? STOPPED : lost(e, this.deadlineMs) };
    }
    let body: { sid?: string; code?: number | string; message?: string } = {};
    try {
      body = (await res.json()) as typeof body;
    } catch (e) {
      // Twilio took it and the answer was cut off: it may have been sent.
      if (pastDeadline(e))
        return { ok: false, error: this.stopping.signal.aborted ? STOPPED : lost(e, this.deadlineMs) };
      // A non-JSON answer is classified by its status alone.
    }
    if (res.ok && body.sid) return { ok: true, providerRef: body.sid };
    return {
      ok: false,
      error: classifyTwilioError(
        res.status,
        body.code === undefined ? "" : String(body.code),
        body.message ?? res.statusText,
        res.headers.get("retry-after"),
      ),
    };
  }

  async verifyRequest(req: WebhookRequest): Promise<boolean> {
    const given = req.headers.get("x-twilio-signature");
    if (!given) return false;
    return constantTimeEqual(given, await twilioSignature(this.authToken, req.url, formFields(req.body), this.hmac));
  }

  parseStatus(req: WebhookRequest): StatusUpdate[] {
    const f = formFields(req.body);
    if (!f.MessageSid) throw new MalformedWebhookError("a status callback needs a MessageSid");
    // A status Twilio may add later is answered and ignored (own keys only: not "constructor").
    const name = f.MessageStatus ?? "";
    const status = Object.hasOwn(STATUS, name) ? STATUS[name] : undefined;
    if (!status) return [];
    return [{ providerRef: f.MessageSid, status, ...(f.ErrorCode ? { errorCode: f.ErrorCode } : {}) }];
  }

  parseInbound(req: WebhookRequest): InboundSms[] {
    const f = formFields(req.body);
    if (!f.MessageSid || !f.From) throw new MalformedWebhookError("an inbound SMS needs a MessageSid and a From");
    return [{ providerMessageId: f.MessageSid, from: f.From, to: f.To ?? "", text: f.Body ?? "" }];
  }
}

/** No answer, or no whole answer: Twilio may or may not have sent it. */
/** The service stopped while a send waited for Twilio: it may have gone (not a channel fault). */
const STOPPED: ProviderError = {
  kind: "unknown_outcome",
  code: "stopped",
  message: "The service stopped before Twilio answered",
};

function lost(e: unknown, deadlineMs: number): ProviderError {
  return pastDeadline(e)
    ? { kind: "unknown_outcome", code: "timeout", message: `No answer within ${deadlineMs} ms` }
    : { kind: "unknown_outcome", code: "network", message: (e as Error).message };
}
