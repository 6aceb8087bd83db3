// Alibaba Cloud SMS (Dysmsapi 2017-05-25) over fetch: a send names an approved template and its
// signature and passes only the template's parameters (TemplateParam, JSON by name). Calls are
// signed with ACS3-HMAC-SHA256; receipts (SmsReport) and replies (SmsUp) are pushed as JSON
// arrays, unsigned, to a URL that carries the channel's webhook key.
import { MalformedWebhookError } from "../lib/errors";
import { acsHeaders, canonicalQuery, formBody } from "./aliyun-sign";
import { CloudProvider, lost, parseJsonArray, randomNonce, STOPPED, stripPlus } from "./cloud";
import {
  type Approval,
  type InboundSms,
  type ProviderError,
  pastDeadline,
  SEND_DEADLINE_MS,
  type SendRequest,
  type SendResult,
  type SmsProvider,
  type StatusUpdate,
  type WebhookRequest,
} from "./provider";

export type AliyunConfig = {
  access_key_id: string;
  /** The approved signature (签名), without brackets: 北门健身. */
  sign_name: string;
  /** For tests and other regions; https://dysmsapi.aliyuncs.com by default. */
  endpoint?: string;
};

// Per number: 1 a minute, 5 an hour, 10 a day for one signature (the provider's flow control).
const LIMITED = new Set([
  "isv.BUSINESS_LIMIT_CONTROL",
  "BUSINESS_LIMIT_CONTROL_MINUTE",
  "isv.BUSINESS_LIMIT_HOUR",
  "isv.BUSINESS_LIMIT_DAY",
  "BUSINESS_LIMIT_CONTROL_PHONE",
]);
const INVALID_NUMBER = new Set(["isv.MOBILE_NUMBER_ILLEGAL", "isv.NOT_SUPPORTED_COUNTRY", "isv.COUNTRY_RESTRICTED"]);
// The account cannot send now (no balance, service stopped): nothing was handed over.
// The day's and month's sending limits set in the console are the account's, not a number's.
const ACCOUNT = new Set([
  "isv.AMOUNT_NOT_ENOUGH",
  "isv.OUT_OF_SERVICE",
  "isv.PRODUCT_UN_SUBSCRIPT",
  "isv.DAY_LIMIT_CONTROL",
  "isv.MONTH_LIMIT_CONTROL",
]);

/** Aliyun's answer codes, classified. */
export function classifyAliyunError(status: number, code: string, message: string): ProviderError {
  if (code.startsWith("Throttling")) return { kind: "throttled", code, message, retryAfterMs: 1000 };
  // A limit per number: this message waits for the next hour; the others go.
  if (LIMITED.has(code)) return { kind: "throttled", code, message, retryAfterMs: 3_600_000 };
  if (INVALID_NUMBER.has(code)) return { kind: "permanent", code, message, reason: "invalid_number" };
  // Until someone tops up or restores the account: asked again every 10 minutes, not every 5 s.
  if (ACCOUNT.has(code)) return { kind: "unavailable", code, message, retryAfterMs: 600_000 };
  // A gateway that timed out may have passed the send on: never sent again blindly.
  if (status === 502 || status === 504 || code === "isp.GATEWAY_ERROR")
    return { kind: "unknown_outcome", code: code || String(status), message };
  if (status >= 500 || code.startsWith("isp.")) return { kind: "retryable", code: code || String(status), message };
  return { kind: "permanent", code: code || String(status), message, reason: "rejected" };
}

type ListEntry = {
  TemplateCode?: unknown;
  TemplateContent?: unknown;
  TemplateType?: unknown;
  SignName?: unknown;
  AuditStatus?: unknown;
  Reason?: { RejectInfo?: unknown };
};

type AliyunAnswer = {
  Code?: unknown;
  Message?: unknown;
  BizId?: unknown;
  TotalCount?: unknown;
  SmsTemplateList?: unknown;
  SmsSignList?: unknown;
};

// QuerySmsTemplateList's TemplateType (its own numbering, not AddSmsTemplate's).
const KIND: Record<string, Approval["kind"]> = { "0": "notification", "1": "marketing", "2": "verification" };

/** A template's or signature's review, as the list says it. */
function reviewOf(code: string, t: ListEntry): Approval {
  const reject = typeof t.Reason?.RejectInfo === "string" && t.Reason.RejectInfo ? t.Reason.RejectInfo : undefined;
  return { code, status: AUDIT[String(t.AuditStatus)] ?? "pending", ...(reject ? { detail: reject } : {}) };
}

const AUDIT: Record<string, Approval["status"]> = {
  AUDIT_STATE_PASS: "approved",
  AUDIT_STATE_INIT: "pending",
  AUDIT_STATE_NOT_PASS: "rejected",
  AUDIT_STATE_CANCEL: "rejected",
  AUDIT_SATE_CANCEL: "rejected",
};

/** A number as Dysmsapi takes it: 11 digits for mainland China, else the country code and number. */
function aliyunNumber(e164: string): string {
  return e164.startsWith("+86") ? e164.slice(3) : stripPlus(e164);
}

/**
 * A sent message's reference: the call's BizId and the number, as a receipt names them (a batch
 * has one BizId for all its numbers).
 */
export function aliyunRef(bizId: string, number: string): string {
  return `${bizId}#${number}`;
}

export class AliyunProvider extends CloudProvider implements SmsProvider {
  readonly name = "aliyun";
  protected readonly label = "Aliyun";
  // SendBatchSms takes at most 100 numbers.
  readonly maxBatch = 100;
  readonly webhookAnswer = { body: JSON.stringify({ code: 0, msg: "成功" }), type: "application/json" };

  constructor(
    private readonly config: AliyunConfig,
    private readonly secret: string,
    webhookKey: string,
    now: () => Date,
    deadlineMs = SEND_DEADLINE_MS,
  ) {
    super(config.endpoint ?? "https://dysmsapi.aliyuncs.com", webhookKey, now, deadlineMs);
  }

  // One template to numbers in one country's network: their values differ per number.
  protected batchKey(req: SendRequest & { template: NonNullable<SendRequest["template"]> }): string {
    return `${req.template.code}|${req.to.startsWith("+86")}`;
  }

  protected async sendOne(req: SendRequest): Promise<SendResult> {
    if (!req.template) return this.noTemplate(this.label);
    const number = aliyunNumber(req.to);
    const query: Record<string, string> = {
      PhoneNumbers: number,
      SignName: this.config.sign_name,
      TemplateCode: req.template.code,
      TemplateParam: JSON.stringify(Object.fromEntries(req.template.params.map((p) => [p.name, p.value]))),
      OutId: req.ref,
    };
    const answer = await this.call("SendSms", query);
    if (!answer.ok) return answer;
    const { res, body } = answer;
    if (res.ok && body.Code === "OK") {
      if (typeof body.BizId === "string" && body.BizId) return { ok: true, providerRef: aliyunRef(body.BizId, number) };
      // Taken, but without the id its receipt would name: sent, as far as anyone can tell.
      return {
        ok: false,
        error: { kind: "unknown_outcome", code: "no_biz_id", message: "Aliyun took it without a BizId" },
      };
    }
    return {
      ok: false,
      error: classifyAliyunError(res.status, String(body.Code ?? ""), String(body.Message ?? res.statusText)),
    };
  }

  /**
   * SendBatchSms: one template to up to 100 numbers, each with its values and the signature. The
   * answer is one for the call; a refusal that is about a number (not valid, over its limit) does
   * not say which, so each is then sent alone to learn its own outcome.
   */
  protected async sendMany(reqs: SendRequest[]): Promise<SendResult[]> {
    const code = reqs[0]?.template?.code;
    if (!code) return reqs.map(() => this.noTemplate(this.label));
    const numbers = reqs.map((r) => aliyunNumber(r.to));
    // As the official SDK sends it: the template in the query, the lists in a form body.
    const answer = await this.call("SendBatchSms", { TemplateCode: code }, undefined, {
      PhoneNumberJson: JSON.stringify(numbers),
      SignNameJson: JSON.stringify(numbers.map(() => this.config.sign_name)),
      TemplateParamJson: JSON.stringify(
        reqs.map((r) => Object.fromEntries((r.template?.params ?? []).map((p) => [p.name, p.value]))),
      ),
    });
    if (!answer.ok) return reqs.map(() => answer);
    const { res, body } = answer;
    if (res.ok && body.Code === "OK") {
      const bizId = typeof body.BizId === "string" ? body.BizId : "";
      if (bizId) return numbers.map((n) => ({ ok: true, providerRef: aliyunRef(bizId, n) }));
      const error: ProviderError = {
        kind: "unknown_outcome",
        code: "no_biz_id",
        message: "Aliyun took it without a BizId",
      };
      return reqs.map(() => ({ ok: false, error }));
    }
    const refusal = String(body.Code ?? "");
    const error = classifyAliyunError(res.status, refusal, String(body.Message ?? res.statusText));
    // Nothing was sent: each number alone says which of them the refusal was about.
    if (error.reason === "invalid_number" || LIMITED.has(refusal)) return this.oneByOne(reqs);
    return reqs.map(() => ({ ok: false, error }));
  }

  /** One signed call of the API: its HTTP answer and JSON body, or why there was none. */
  private async call(
    action: string,
    query: Record<string, string>,
    /** A deadline for a run of calls, beside each call's own. */
    overall?: AbortSignal,
    /** Parameters too long for a URL (a batch's numbers and values), sent as a form body. */
    form?: Record<string, string>,
  ): Promise<{ ok: true; res: Response; body: AliyunAnswer } | { ok: false; error: ProviderError }> {
    const formText = form ? formBody(form) : undefined;
    const headers = await acsHeaders({
      host: this.url.host,
      action,
      version: "2017-05-25",
      query,
      accessKeyId: this.config.access_key_id,
      accessKeySecret: this.secret,
      date: this.now()
        .toISOString()
        .replace(/\.\d{3}Z$/, "Z"),
      nonce: randomNonce(),
      ...(formText === undefined ? {} : { form: formText }),
    });
    const target = new URL("/", this.url);
    // Sent exactly as signed (RFC 3986: a space is %20, not URLSearchParams' +).
    target.search = canonicalQuery(query);
    let res: Response;
    try {
      res = await fetch(target, {
        method: "POST",
        headers: { ...headers, accept: "application/json" },
        ...(formText === undefined ? {} : { body: formText }),
        signal: AbortSignal.any([
          AbortSignal.timeout(this.deadlineMs),
          this.stopping.signal,
          ...(overall ? [overall] : []),
        ]),
      });
    } catch (e) {
      return { ok: false, error: this.stopping.signal.aborted ? STOPPED : lost(e, this.deadlineMs) };
    }
    let body: AliyunAnswer = {};
    try {
      const json = (await res.json()) as unknown;
      if (json !== null && typeof json === "object") body = json as AliyunAnswer;
    } catch (e) {
      if (pastDeadline(e))
        return { ok: false, error: this.stopping.signal.aborted ? STOPPED : lost(e, this.deadlineMs) };
    }
    return { ok: true, res, body };
  }

  /**
   * The review state of templates on the account (QuerySmsTemplateList). A code is `missing`
   * only when the whole list was read; one not reached is left out.
   */
  async approvals(codes: string[]): Promise<Approval[]> {
    const wanted = new Set(codes);
    const found = new Map<string, Approval>();
    const whole = await this.eachPage("QuerySmsTemplateList", "SmsTemplateList", (t) => {
      if (typeof t.TemplateCode !== "string" || !wanted.has(t.TemplateCode)) return false;
      found.set(t.TemplateCode, {
        ...reviewOf(t.TemplateCode, t),
        ...(typeof t.TemplateContent === "string" ? { text: t.TemplateContent } : {}),
        ...(KIND[String(t.TemplateType)] ? { kind: KIND[String(t.TemplateType)] } : {}),
      });
      return found.size === wanted.size;
    });
    return codes.flatMap((code) => {
      const hit = found.get(code);
      if (hit) return [hit];
      return whole ? [{ code, status: "missing" as const }] : [];
    });
  }

  /** The review state of the channel's signature (QuerySmsSignList), by its name. */
  async signature(): Promise<Approval | null> {
    const name = this.config.sign_name;
    let hit: Approval | null = null;
    const whole = await this.eachPage("QuerySmsSignList", "SmsSignList", (t) => {
      if (t.SignName !== name) return false;
      hit = reviewOf(name, t);
      return true;
    });
    return hit ?? (whole ? { code: name, status: "missing" } : null);
  }

  /**
   * Reads a list API 50 a page, 10 pages and 30 s at most, handing each entry to `visit` until
   * it says it has what it wants. True when the whole list was read (or `visit` was satisfied).
   */
  private async eachPage(
    action: string,
    listKey: "SmsTemplateList" | "SmsSignList",
    visit: (entry: ListEntry) => boolean,
  ): Promise<boolean> {
    const deadline = AbortSignal.timeout(30_000);
    for (let page = 1; page <= 10; page++) {
      const answer = await this.call(action, { PageIndex: String(page), PageSize: "50" }, deadline);
      if (!answer.ok) throw new Error(`${answer.error.code}: ${answer.error.message}`);
      const { body } = answer;
      if (body.Code !== "OK") throw new Error(`${String(body.Code)}: ${String(body.Message ?? "")}`);
      const list = Array.isArray(body[listKey]) ? (body[listKey] as ListEntry[]) : [];
      for (const entry of list) if (entry !== null && typeof entry === "object" && visit(entry)) return true;
      const total = Number(body.TotalCount);
      if (list.length < 50 || (Number.isFinite(total) && page * 50 >= total)) return true;
    }
    return false;
  }

  /** SmsReport: [{biz_id, out_id, phone_number, success, err_code, err_msg, report_time, ...}]. */
  parseStatus(req: WebhookRequest): StatusUpdate[] {
    return parseJsonArray(req.body, "SmsReport").map((r) => {
      if (typeof r.biz_id !== "string" || typeof r.success !== "boolean")
        throw new MalformedWebhookError("each report needs a biz_id and success");
      // The number as it was sent (11 digits for the mainland), naming the message with the BizId.
      const code = typeof r.err_code === "string" ? r.err_code : undefined;
      return {
        // A report without its number (never seen) names the BizId alone.
        providerRef: typeof r.phone_number === "string" ? aliyunRef(r.biz_id, r.phone_number) : r.biz_id,
        status: r.success ? "delivered" : "undelivered",
        ...(!r.success && code ? { errorCode: code } : {}),
        ...(typeof r.err_msg === "string" && !r.success ? { detail: r.err_msg } : {}),
      };
    });
  }

  /** SmsUp: [{phone_number, content, sequence_id, dest_code, sign_name, send_time}]. */
  parseInbound(req: WebhookRequest): InboundSms[] {
    return parseJsonArray(req.body, "SmsUp").map((r) => {
      const id = r.sequence_id;
      const idOk = typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
      if (typeof r.phone_number !== "string" || !idOk)
        throw new MalformedWebhookError("each reply needs a phone_number and a sequence_id");
      return {
        providerMessageId: String(id),
        // SmsUp gives a mainland number as its 11 digits: Chinese, whatever the workspace's country.
        from: /^1\d{10}$/.test(r.phone_number) ? `+86${r.phone_number}` : r.phone_number,
        to: typeof r.dest_code === "string" ? r.dest_code : "",
        text: typeof r.content === "string" ? r.content : "",
      };
    });
  }
}
