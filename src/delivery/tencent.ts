// Tencent Cloud SMS (API 2021-01-11) over fetch: a send names the SDK app, an approved
// signature and template, and passes the template's parameters in order (TemplateParamSet).
// Calls are signed with TC3-HMAC-SHA256; receipts and replies are pushed, unsigned, to a URL
// that carries the channel's webhook key.
import { MalformedWebhookError } from "../lib/errors";
import { CloudProvider, lost, parseJsonArray, STOPPED } from "./cloud";
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
import { tc3Headers } from "./tencent-sign";

export type TencentConfig = {
  secret_id: string;
  /** The SmsSdkAppId of the application the signature and templates belong to (1400…). */
  sdk_app_id: string;
  /** The approved signature (签名) content: 北门健身. */
  sign_name: string;
  /** The signature's id in the console (签名管理): only with it can its review state be asked. */
  sign_id?: string;
  /** ap-guangzhou by default (ap-beijing, ap-nanjing: the same service). */
  region?: string;
  /** For tests; https://sms.tencentcloudapi.com by default. */
  endpoint?: string;
};

const HOUR = 3_600_000;
// Waits for a limit per number: the message goes when it has passed; the others go on.
const PER_NUMBER: Record<string, number> = {
  "LimitExceeded.PhoneNumberThirtySecondLimit": 30_000,
  "LimitExceeded.PhoneNumberOneHourLimit": HOUR,
  "LimitExceeded.PhoneNumberDailyLimit": HOUR,
  "LimitExceeded.PhoneNumberSameContentDailyLimit": HOUR,
};
const INVALID_NUMBER = new Set([
  "InvalidParameterValue.IncorrectPhoneNumber",
  "UnsupportedOperation.UnsupportedRegion",
]);
// The provider may have passed the send on before it timed out: never sent again blindly.
const MAYBE_SENT = new Set([
  "InternalError.Timeout",
  "InternalError.SendAndRecvFail",
  "InternalError.RequestTimeException",
]);
const ACCOUNT = new Set([
  "FailedOperation.InsufficientBalanceInSmsPackage",
  "LimitExceeded.AppDailyLimit",
  "LimitExceeded.DailyLimit",
  "FailedOperation.ContainDomesticAndInternationalPhoneNumber",
]);

/** Tencent's error codes, classified. */
export function classifyTencentError(status: number, code: string, message: string): ProviderError {
  // The customer replied 退订/TD to this signature: the provider will not send to them again.
  if (code === "FailedOperation.PhoneNumberInBlacklist")
    return { kind: "permanent", code, message, reason: "opted_out" };
  const wait = PER_NUMBER[code];
  if (wait !== undefined) return { kind: "throttled", code, message, retryAfterMs: wait };
  if (code === "RequestLimitExceeded" || code.startsWith("RequestLimitExceeded."))
    return { kind: "throttled", code, message, retryAfterMs: 1000 };
  if (INVALID_NUMBER.has(code)) return { kind: "permanent", code, message, reason: "invalid_number" };
  // Until someone tops up or restores the account: asked again every 10 minutes, not every 5 s.
  if (ACCOUNT.has(code)) return { kind: "unavailable", code, message, retryAfterMs: 600_000 };
  if (MAYBE_SENT.has(code) || status === 502 || status === 504)
    return { kind: "unknown_outcome", code: code || String(status), message };
  if (status >= 500 || code.startsWith("InternalError"))
    return { kind: "retryable", code: code || String(status), message };
  return { kind: "permanent", code: code || String(status), message, reason: "rejected" };
}

type TencentResponse = {
  Error?: { Code?: unknown; Message?: unknown };
  SendStatusSet?: { SerialNo?: unknown; PhoneNumber?: unknown; Code?: unknown; Message?: unknown }[];
  DescribeTemplateStatusSet?: Review[];
  DescribeSignListStatusSet?: Review[];
};

type Review = {
  TemplateId?: unknown;
  SignId?: unknown;
  SignName?: unknown;
  StatusCode?: unknown;
  ReviewReply?: unknown;
  TemplateContent?: unknown;
};

/** A review as Tencent says it: 0 approved, 1 in review, -1 refused. */
function reviewOf(code: string, t: Review): Approval {
  const status = t.StatusCode === 0 ? "approved" : t.StatusCode === -1 ? "rejected" : "pending";
  const reply = typeof t.ReviewReply === "string" && t.ReviewReply ? { detail: t.ReviewReply } : {};
  return { code, status, ...reply };
}

export class TencentProvider extends CloudProvider implements SmsProvider {
  readonly name = "tencent";
  protected readonly label = "Tencent";
  // SendSms takes at most 200 numbers.
  readonly maxBatch = 200;
  readonly webhookAnswer = { body: JSON.stringify({ result: 0, errmsg: "OK" }), type: "application/json" };

  constructor(
    private readonly config: TencentConfig,
    private readonly secretKey: string,
    webhookKey: string,
    now: () => Date,
    deadlineMs = SEND_DEADLINE_MS,
  ) {
    super(config.endpoint ?? "https://sms.tencentcloudapi.com", webhookKey, now, deadlineMs);
  }

  // One call carries one set of values for all its numbers, and numbers of one side of the border.
  protected batchKey(req: SendRequest & { template: NonNullable<SendRequest["template"]> }): string {
    return JSON.stringify([req.template.code, req.template.params.map((p) => p.value), req.to.startsWith("+86")]);
  }

  protected sendOne(req: SendRequest): Promise<SendResult> {
    return this.sendMany([req]).then((r) => r[0] as SendResult);
  }

  /** SendSms with up to 200 numbers: its SendStatusSet says each number's outcome. */
  protected async sendMany(reqs: SendRequest[]): Promise<SendResult[]> {
    const first = reqs[0] as SendRequest;
    if (!first.template) return reqs.map(() => this.noTemplate(this.label));
    const call = await this.call("SendSms", {
      PhoneNumberSet: reqs.map((r) => r.to),
      SmsSdkAppId: this.config.sdk_app_id,
      SignName: this.config.sign_name,
      TemplateId: first.template.code,
      TemplateParamSet: first.template.params.map((p) => p.value),
      // Echoed back as it is (at most 512 characters): our references, for a person reading the logs.
      SessionContext: reqs
        .map((r) => r.ref)
        .join(",")
        .slice(0, 512),
    });
    if (!call.ok) return reqs.map(() => call);
    const { res, response } = call;
    const error = response.Error;
    if (error) {
      const classified = classifyTencentError(res.status, String(error.Code ?? ""), String(error.Message ?? ""));
      // A refusal of the whole call about a number (not valid, opted out, over its limit) does
      // not say which: nothing went, and each number alone tells its own.
      const aboutANumber = classified.reason === "invalid_number" || classified.reason === "opted_out";
      if (reqs.length > 1 && (aboutANumber || PER_NUMBER[String(error.Code)] !== undefined)) return this.oneByOne(reqs);
      return reqs.map(() => ({ ok: false, error: classified }));
    }
    const set = Array.isArray(response.SendStatusSet) ? response.SendStatusSet : [];
    return reqs.map((r, i): SendResult => {
      // Each number's own status, found by the number (in the order sent when it is not echoed).
      const one = set.find((s) => s?.PhoneNumber === r.to) ?? (set.length === reqs.length ? set[i] : undefined);
      if (res.ok && one?.Code === "Ok" && typeof one.SerialNo === "string" && one.SerialNo)
        return { ok: true, providerRef: one.SerialNo };
      if (!one)
        return {
          ok: false,
          error: { kind: "unknown_outcome", code: "no_status", message: "Tencent said nothing of this number" },
        };
      return {
        ok: false,
        error: classifyTencentError(res.status, String(one.Code ?? ""), String(one.Message ?? res.statusText)),
      };
    });
  }

  /** One signed call of the API: its HTTP answer and `Response`, or why there was none. */
  private async call(
    action: string,
    payload: unknown,
  ): Promise<{ ok: true; res: Response; response: TencentResponse } | { ok: false; error: ProviderError }> {
    const body = JSON.stringify(payload);
    const headers = await tc3Headers({
      host: this.url.host,
      service: "sms",
      action,
      version: "2021-01-11",
      region: this.config.region ?? "ap-guangzhou",
      body,
      secretId: this.config.secret_id,
      secretKey: this.secretKey,
      timestamp: Math.floor(this.now().getTime() / 1000),
    });
    let res: Response;
    try {
      res = await fetch(new URL("/", this.url), {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.deadlineMs), this.stopping.signal]),
      });
    } catch (e) {
      return { ok: false, error: this.stopping.signal.aborted ? STOPPED : lost(e, this.deadlineMs) };
    }
    let answer: { Response?: unknown } = {};
    try {
      const json = (await res.json()) as unknown;
      if (json !== null && typeof json === "object") answer = json as typeof answer;
    } catch (e) {
      if (pastDeadline(e))
        return { ok: false, error: this.stopping.signal.aborted ? STOPPED : lost(e, this.deadlineMs) };
    }
    const response = (
      answer.Response !== null && typeof answer.Response === "object" ? answer.Response : {}
    ) as TencentResponse;
    return { ok: true, res, response };
  }

  /** The review state of templates (DescribeSmsTemplateList: 0 approved, 1 in review, -1 refused). */
  async approvals(codes: string[]): Promise<Approval[]> {
    // Ids are numbers to Tencent ("0123" is 123): compared as numbers; domestic, then international.
    const numeric = codes.filter((c) => /^\d{1,12}$/.test(c));
    const found = new Map<number, Approval>();
    for (const international of [0, 1]) {
      const ids = [...new Set(numeric.map(Number))].filter((id) => !found.has(id));
      for (let i = 0; i < ids.length; i += 100) {
        const call = await this.call("DescribeSmsTemplateList", {
          TemplateIdSet: ids.slice(i, i + 100),
          International: international,
        });
        if (!call.ok) throw new Error(`${call.error.code}: ${call.error.message}`);
        const { response } = call;
        if (response.Error) throw new Error(`${String(response.Error.Code)}: ${String(response.Error.Message ?? "")}`);
        for (const t of Array.isArray(response.DescribeTemplateStatusSet) ? response.DescribeTemplateStatusSet : []) {
          const id = Number(t?.TemplateId);
          if (!Number.isInteger(id)) continue;
          const text = typeof t.TemplateContent === "string" ? { text: t.TemplateContent } : {};
          found.set(id, { ...reviewOf(String(id), t), ...text });
        }
      }
    }
    // Asked by id in both lists: one found in neither is not on the account.
    return codes.map((code) => {
      const hit = /^\d{1,12}$/.test(code) ? found.get(Number(code)) : undefined;
      return hit ? { ...hit, code } : { code, status: "missing" as const };
    });
  }

  /** The signature's review state (DescribeSmsSignList), asked by its id; null without one. */
  async signature(): Promise<Approval | null> {
    const id = this.config.sign_id;
    if (!id) return null;
    const name = this.config.sign_name;
    for (const international of [0, 1]) {
      const call = await this.call("DescribeSmsSignList", { SignIdSet: [Number(id)], International: international });
      if (!call.ok) throw new Error(`${call.error.code}: ${call.error.message}`);
      const { response } = call;
      if (response.Error) throw new Error(`${String(response.Error.Code)}: ${String(response.Error.Message ?? "")}`);
      const hit = (Array.isArray(response.DescribeSignListStatusSet) ? response.DescribeSignListStatusSet : []).find(
        (t) => Number(t?.SignId) === Number(id),
      );
      if (!hit) continue;
      // The id names another signature than the one sent: what is sent is not what was reviewed.
      if (typeof hit.SignName === "string" && hit.SignName !== name)
        return { code: name, status: "missing", detail: `${id} is the signature ${hit.SignName}` };
      return reviewOf(name, hit);
    }
    return { code: name, status: "missing" };
  }

  /** Receipts: [{sid, report_status: SUCCESS|FAIL, errmsg, description, mobile, nationcode, ...}]. */
  parseStatus(req: WebhookRequest): StatusUpdate[] {
    return parseJsonArray(req.body, "the status report").map((r) => {
      if (typeof r.sid !== "string" || typeof r.report_status !== "string")
        throw new MalformedWebhookError("each report needs a sid and a report_status");
      const ok = r.report_status === "SUCCESS";
      return {
        providerRef: r.sid,
        status: ok ? "delivered" : "undelivered",
        ...(!ok && typeof r.errmsg === "string" ? { errorCode: r.errmsg } : {}),
        ...(!ok && typeof r.description === "string" ? { detail: r.description } : {}),
      };
    });
  }

  /** A reply: {mobile, nationcode, text, time, sign, extend}; Tencent gives it no id of its own. */
  parseInbound(req: WebhookRequest): InboundSms[] {
    return parseJsonArray(req.body, "the reply").map((r) => {
      const time = r.time;
      const nation = r.nationcode;
      const timeOk = typeof time === "string" || (typeof time === "number" && Number.isFinite(time));
      if (typeof r.mobile !== "string" || !timeOk) throw new MalformedWebhookError("a reply needs a mobile and a time");
      if (nation !== undefined && !(typeof nation === "string" || typeof nation === "number"))
        throw new MalformedWebhookError("a reply's nationcode is a country code");
      const from = `+${nation === undefined ? "86" : String(nation)}${r.mobile}`;
      const text = typeof r.text === "string" ? r.text : "";
      // A retried callback carries the same number, second and text: the same id, stored once.
      return { providerMessageId: `${from}:${String(time)}:${text.length}:${text.slice(0, 40)}`, from, to: "", text };
    });
  }
}
