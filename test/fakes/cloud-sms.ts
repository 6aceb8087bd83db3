// Loopback fakes of Alibaba Cloud SMS (Dysmsapi SendSms) and Tencent Cloud SMS (SendSms 2021-01-11)
// for the provider suite: each checks the request's signature as the real API does, answers as
// it answers (its error shapes too), and pushes a delivery report to the URL set in its console.
import { createServer, type Server } from "node:http";
import { verifyAcs } from "../../src/delivery/aliyun-sign";
import { verifyTc3 } from "../../src/delivery/tencent-sign";

export type CloudFakeOptions = {
  kind: "aliyun" | "tencent";
  keyId: string;
  secret: string;
  /** Where delivery reports are pushed (the channel's status webhook), if anywhere. */
  reportUrl?: string;
  /** Every send is refused as too frequent / failed inside the provider. */
  throttle?: boolean;
  retryable?: boolean;
  /** Numbers that replied 退订 to this signature (E.164). */
  optedOut?: string[];
  /** Template codes the provider approved (any, when not given). */
  approved?: string[];
  /** Templates in review or refused, as its list of templates says (the others in `approved`). */
  reviews?: Record<string, { state: "pending" | "rejected"; reason?: string }>;
  /** Each template's text as the provider approved it (Aliyun ${name}, Tencent {1}). */
  texts?: Record<string, string>;
  /** Aliyun's TemplateType of a template (0 notification, 1 promotion, 2 verification code). */
  types?: Record<string, number>;
  /** The signatures on the account and their review (any signature is approved when not given). */
  signs?: { name: string; id?: number; state: "approved" | "pending" | "rejected"; reason?: string }[];
  /** Sends a number may get in a day before the provider refuses with its per-number limit code. */
  perNumberDaily?: number;
  /** Tencent: a call with several numbers is refused whole (a top-level Error) when one is bad or opted out. */
  refuseWholeCall?: boolean;
  /** The key may read templates but not signatures (a RAM policy without QuerySmsSignList). */
  signsForbidden?: boolean;
};

type FakeAnswer = { status: number; body: unknown };

export type CloudSend = { phone: string; sign: string; template: string; params: unknown; ref: string };

export class CloudSmsFake {
  readonly sends: CloudSend[] = [];
  /** Each send call: its action and how many numbers it carried. */
  readonly calls: { action: string; numbers: number }[] = [];
  readonly refused: string[] = [];
  private server!: Server;
  url = "";
  private n = 0;

  constructor(private readonly o: CloudFakeOptions) {}

  async start() {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", async () => {
        const headers = new Headers(Object.entries(req.headers).map(([k, v]): [string, string] => [k, String(v)]));
        const request = { method: req.method ?? "", url: `${this.url}${req.url}`, headers, body };
        const answer = this.o.kind === "aliyun" ? await this.aliyun(request) : await this.tencent(request);
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    const a = this.server.address();
    this.url = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
    return this;
  }

  close() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }

  private secretFor = (id: string) => (id === this.o.keyId ? this.o.secret : undefined);

  private async aliyun(req: { method: string; url: string; headers: Headers; body: string }) {
    const fail = (status: number, Code: string, Message: string) => {
      this.refused.push(Code);
      return { status, body: { Code, Message, RequestId: "req-fake" } };
    };
    if (!(await verifyAcs(req, this.secretFor)))
      return fail(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.");
    const q = new URL(req.url).searchParams;
    const action = req.headers.get("x-acs-action");
    if (action === "QuerySmsTemplateList") {
      const all = [...(this.o.approved ?? []), ...Object.keys(this.o.reviews ?? {})];
      const page = Number(q.get("PageIndex") ?? 1);
      const size = Number(q.get("PageSize") ?? 10);
      const AUDIT = { pending: "AUDIT_STATE_INIT", rejected: "AUDIT_STATE_NOT_PASS" };
      const SmsTemplateList = all.slice((page - 1) * size, page * size).map((code) => {
        const r = this.o.reviews?.[code];
        return {
          TemplateCode: code,
          AuditStatus: r ? AUDIT[r.state] : "AUDIT_STATE_PASS",
          Reason: { RejectInfo: r?.reason ?? "" },
          TemplateName: code,
          ...(this.o.texts?.[code] !== undefined ? { TemplateContent: this.o.texts[code] } : {}),
          ...(this.o.types?.[code] !== undefined ? { TemplateType: this.o.types[code] } : {}),
        };
      });
      return { status: 200, body: { Code: "OK", SmsTemplateList, TotalCount: all.length, RequestId: "req-fake" } };
    }
    if (action === "QuerySmsSignList" && this.o.signsForbidden)
      return fail(403, "Forbidden.RAM", "User not authorized to operate on the specified resource.");
    if (action === "QuerySmsSignList") {
      const AUDIT = { approved: "AUDIT_STATE_PASS", pending: "AUDIT_STATE_INIT", rejected: "AUDIT_STATE_NOT_PASS" };
      const all = this.o.signs ?? [];
      const page = Number(q.get("PageIndex") ?? 1);
      const size = Number(q.get("PageSize") ?? 10);
      const SmsSignList = all.slice((page - 1) * size, page * size).map((s) => ({
        SignName: s.name,
        AuditStatus: AUDIT[s.state],
        Reason: { RejectInfo: s.reason ?? "" },
        BusinessType: "验证码类型",
      }));
      return { status: 200, body: { Code: "OK", SmsSignList, TotalCount: all.length, RequestId: "req-fake" } };
    }
    // Long parameters come in a form body (as the official SDK sends SendBatchSms).
    if (action === "SendBatchSms")
      return this.aliyunBatch(new URLSearchParams([...q, ...new URLSearchParams(req.body)]), fail);
    if (action !== "SendSms") return fail(404, "InvalidAction.NotFound", "no such action");
    this.calls.push({ action, numbers: 1 });
    if (this.o.throttle) return fail(400, "Throttling.User", "Request was denied due to user flow control.");
    if (this.o.retryable) return fail(500, "isp.SYSTEM_ERROR", "System error.");
    const phone = q.get("PhoneNumbers") ?? "";
    if (!/^(1\d{10}|[2-9]\d{7,14})$/.test(phone)) return fail(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号");
    const template = q.get("TemplateCode") ?? "";
    if (this.o.approved && !this.o.approved.includes(template))
      return fail(200, "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法");
    if (this.overLimit(phone)) return fail(200, "isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:50");
    const params = JSON.parse(q.get("TemplateParam") ?? "{}") as unknown;
    const ref = `${900000 + ++this.n}^0`;
    this.sends.push({ phone, sign: q.get("SignName") ?? "", template, params, ref: q.get("OutId") ?? "" });
    this.report([
      {
        biz_id: ref,
        out_id: q.get("OutId"),
        phone_number: phone,
        success: true,
        err_code: "DELIVERED",
        err_msg: "用户接收成功",
        sms_size: "1",
        send_time: "2026-12-07 09:00:00",
        report_time: "2026-12-07 09:00:03",
      },
    ]);
    return { status: 200, body: { Code: "OK", Message: "OK", BizId: ref, RequestId: "req-fake" } };
  }

  /** SendBatchSms: one answer for the call, refused whole when any number is; one BizId for all. */
  private aliyunBatch(q: URLSearchParams, fail: (status: number, code: string, message: string) => FakeAnswer) {
    const phones = JSON.parse(q.get("PhoneNumberJson") ?? "[]") as string[];
    const signs = JSON.parse(q.get("SignNameJson") ?? "[]") as string[];
    const params = JSON.parse(q.get("TemplateParamJson") ?? "[]") as unknown[];
    this.calls.push({ action: "SendBatchSms", numbers: phones.length });
    if (phones.length === 0 || phones.length > 100 || signs.length !== phones.length || params.length !== phones.length)
      return fail(400, "isv.INVALID_PARAMETERS", "参数异常");
    if (this.o.throttle) return fail(400, "Throttling.User", "Request was denied due to user flow control.");
    if (phones.some((p) => !/^(1\d{10}|[2-9]\d{7,14})$/.test(p)))
      return fail(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号");
    const template = q.get("TemplateCode") ?? "";
    if (this.o.approved && !this.o.approved.includes(template))
      return fail(200, "isv.SMS_TEMPLATE_ILLEGAL", "模板不合法");
    if (phones.some((p) => this.overLimit(p))) return fail(200, "isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:50");
    const biz = `${900000 + ++this.n}^0`;
    for (const [i, phone] of phones.entries())
      this.sends.push({ phone, sign: signs[i] ?? "", template, params: params[i], ref: "" });
    this.report(phones.map((phone) => ({ biz_id: biz, phone_number: phone, success: true, err_code: "DELIVERED" })));
    return { status: 200, body: { Code: "OK", Message: "OK", BizId: biz, RequestId: "req-fake" } };
  }

  private async tencent(req: { method: string; url: string; headers: Headers; body: string }) {
    const error = (Code: string, Message: string) => {
      this.refused.push(Code);
      return { status: 200, body: { Response: { Error: { Code, Message }, RequestId: "req-fake" } } };
    };
    if (!(await verifyTc3(req, this.secretFor)))
      return error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.");
    const action = req.headers.get("x-tc-action");
    if (action === "DescribeSmsTemplateList") {
      const ids = (JSON.parse(req.body) as { TemplateIdSet: number[] }).TemplateIdSet;
      const known = new Set([...(this.o.approved ?? []), ...Object.keys(this.o.reviews ?? {})]);
      const DescribeTemplateStatusSet = ids
        .filter((id) => known.has(String(id)))
        .map((id) => {
          const r = this.o.reviews?.[String(id)];
          return {
            TemplateId: id,
            International: 0,
            StatusCode: r ? (r.state === "pending" ? 1 : -1) : 0,
            ReviewReply: r?.reason ?? "",
            ...(this.o.texts?.[String(id)] !== undefined ? { TemplateContent: this.o.texts[String(id)] } : {}),
          };
        });
      return { status: 200, body: { Response: { DescribeTemplateStatusSet, RequestId: "req-fake" } } };
    }
    if (action === "DescribeSmsSignList") {
      const ids = (JSON.parse(req.body) as { SignIdSet: number[] }).SignIdSet;
      const DescribeSignListStatusSet = (this.o.signs ?? [])
        .filter((s) => s.id !== undefined && ids.includes(s.id))
        .map((s) => ({
          SignId: s.id,
          International: 0,
          StatusCode: s.state === "approved" ? 0 : s.state === "pending" ? 1 : -1,
          ReviewReply: s.reason ?? "",
          SignName: s.name,
          CreateTime: 1796600000,
        }));
      return { status: 200, body: { Response: { DescribeSignListStatusSet, RequestId: "req-fake" } } };
    }
    if (action !== "SendSms") return error("InvalidAction", "no such action");
    this.calls.push({ action, numbers: (JSON.parse(req.body) as { PhoneNumberSet: string[] }).PhoneNumberSet.length });
    if (this.o.throttle) return error("RequestLimitExceeded", "Your current request times equals to `20` in a second.");
    if (this.o.retryable) return error("InternalError.OtherError", "其他错误");
    const b = JSON.parse(req.body) as {
      PhoneNumberSet: string[];
      SignName: string;
      TemplateId: string;
      TemplateParamSet: string[];
      SessionContext: string;
    };
    if (this.o.approved && !this.o.approved.includes(b.TemplateId))
      return error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配");
    if (
      this.o.refuseWholeCall &&
      b.PhoneNumberSet.length > 1 &&
      b.PhoneNumberSet.some((p) => this.o.optedOut?.includes(p))
    )
      return error("FailedOperation.PhoneNumberInBlacklist", "手机号在免打扰名单库中");
    const SendStatusSet = b.PhoneNumberSet.map((phone) => {
      const bad = !/^\+\d{8,15}$/.test(phone);
      const out = this.o.optedOut?.includes(phone);
      const limited = !bad && !out && this.overLimit(phone);
      if (bad || out || limited) {
        const Code = bad
          ? "InvalidParameterValue.IncorrectPhoneNumber"
          : out
            ? "FailedOperation.PhoneNumberInBlacklist"
            : "LimitExceeded.PhoneNumberDailyLimit";
        this.refused.push(Code);
        return {
          SerialNo: "",
          PhoneNumber: phone,
          Fee: 0,
          SessionContext: b.SessionContext,
          Code,
          Message: Code,
          IsoCode: "",
        };
      }
      const SerialNo = `2028:${100000 + ++this.n}`;
      this.sends.push({
        phone,
        sign: b.SignName,
        template: b.TemplateId,
        params: b.TemplateParamSet,
        ref: b.SessionContext,
      });
      this.report([
        {
          user_receive_time: "2026-12-07 09:00:03",
          nationcode: "86",
          mobile: phone.slice(3),
          report_status: "SUCCESS",
          errmsg: "DELIVRD",
          description: "用户短信送达成功",
          sid: SerialNo,
        },
      ]);
      return {
        SerialNo,
        PhoneNumber: phone,
        Fee: 1,
        SessionContext: b.SessionContext,
        Code: "Ok",
        Message: "send success",
        IsoCode: "CN",
      };
    });
    return { status: 200, body: { Response: { SendStatusSet, RequestId: "req-fake" } } };
  }

  /** Whether one more send to this number passes the account's daily limit per number. */
  private overLimit(phone: string): boolean {
    if (this.o.perNumberDaily === undefined) return false;
    const digits = phone.replace(/^\+86/, "");
    return this.sends.filter((s) => s.phone.replace(/^\+86/, "") === digits).length >= this.o.perNumberDaily;
  }

  /** Pushes a report as the provider does a moment after the send (unsigned JSON array). */
  private report(items: unknown[]) {
    const url = this.o.reportUrl;
    if (!url) return;
    setTimeout(() => {
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(items),
      }).catch(() => {});
    }, 5);
  }
}
