// The request signatures of Alibaba Cloud (ACS3-HMAC-SHA256) and Tencent Cloud (TC3-HMAC-SHA256)
// against the providers' official SDKs, both ways: the SDK's own signing function computes the
// same Authorization as Tidings for Tidings' request, and a request the SDK sends over loopback
// passes Tidings' check (which the loopback fakes of both APIs use), while a changed one fails.
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acsHeaders, canonicalQuery, verifyAcs } from "../src/delivery/aliyun-sign";
import { tc3Headers, verifyTc3 } from "../src/delivery/tencent-sign";

const require = createRequire(import.meta.url);
const Dysms = require("@alicloud/dysmsapi20170525");
const { $OpenApiUtil, OpenApiUtil } = require("@alicloud/openapi-core");
const tencentSms = require("tencentcloud-sdk-nodejs-sms");
const TencentSign = require("tencentcloud-sdk-nodejs-common/tencentcloud/common/sign").default;

type Captured = { method: string; url: string; headers: Headers; body: string };

/** A loopback server that keeps each request and answers as each API answers a good send. */
class Capture {
  readonly seen: Captured[] = [];
  private server!: Server;
  origin = "";
  async start() {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => {
        body += d;
      });
      req.on("end", () => {
        const headers = new Headers(Object.entries(req.headers).map(([k, v]): [string, string] => [k, String(v)]));
        this.seen.push({ method: req.method ?? "", url: `${this.origin}${req.url}`, headers, body });
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify(
            headers.get("x-tc-action")
              ? { Response: { SendStatusSet: [{ SerialNo: "s1", Code: "Ok" }], RequestId: "r1" } }
              : { Code: "OK", Message: "OK", BizId: "b1", RequestId: "r1" },
          ),
        );
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    const a = this.server.address();
    this.origin = `http://127.0.0.1:${typeof a === "object" && a ? a.port : 0}`;
  }
  close() {
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

const capture = new Capture();
beforeAll(() => capture.start());
afterAll(() => capture.close());

const AK = "LTAI5tTidingsTestKey";
const AK_SECRET = "aliyun-test-secret-0123456789";
const QUERY = {
  PhoneNumbers: "13800138000",
  SignName: "北门健身",
  TemplateCode: "SMS_4650012",
  TemplateParam: JSON.stringify({ name: "王芳", offer: "免费奶昔 * 1 (today!)" }),
  OutId: "msg_01M838Z2G0AQRX0Q6E6NXC6VM6",
};

describe("Alibaba Cloud ACS3-HMAC-SHA256", () => {
  it("signs a SendSms call exactly as the official SDK's signing function does", async () => {
    const host = "dysmsapi.aliyuncs.com";
    const h = await acsHeaders({
      host,
      action: "SendSms",
      version: "2017-05-25",
      query: QUERY,
      accessKeyId: AK,
      accessKeySecret: AK_SECRET,
      date: "2026-12-07T05:15:40Z",
      nonce: "3b4c1f0e9a8d7c6b",
    });
    const sdk = OpenApiUtil.getAuthorization(
      { pathname: "/", method: "POST", query: QUERY, headers: { ...h, host, authorization: undefined } },
      "ACS3-HMAC-SHA256",
      h["x-acs-content-sha256"],
      AK,
      AK_SECRET,
    );
    expect(h.authorization).toBe(sdk);
    expect(h.authorization).toMatch(
      /^ACS3-HMAC-SHA256 Credential=LTAI5tTidingsTestKey,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=[0-9a-f]{64}$/,
    );
    // The query the request carries is the one that was signed.
    expect(canonicalQuery(QUERY)).toContain("SignName=%E5%8C%97%E9%97%A8%E5%81%A5%E8%BA%AB");
    expect(canonicalQuery(QUERY)).toContain("%2A%201%20%28today%21%29");
  });

  it("accepts what the official SDK sends, and refuses it changed or with another secret", async () => {
    const client = new Dysms.default(
      new $OpenApiUtil.Config({
        accessKeyId: AK,
        accessKeySecret: AK_SECRET,
        endpoint: capture.origin.slice("http://".length),
        protocol: "http",
      }),
    );
    const answer = await client.sendSms(
      new Dysms.SendSmsRequest({
        phoneNumbers: QUERY.PhoneNumbers,
        signName: QUERY.SignName,
        templateCode: QUERY.TemplateCode,
        templateParam: QUERY.TemplateParam,
        outId: QUERY.OutId,
      }),
    );
    expect(answer.body.bizId).toBe("b1");
    const sent = capture.seen.at(-1) as Captured;
    expect(sent.headers.get("x-acs-action")).toBe("SendSms");
    const secretFor = (id: string) => (id === AK ? AK_SECRET : undefined);
    expect(await verifyAcs(sent, secretFor)).toBe(true);
    const changed = { ...sent, url: sent.url.replace("13800138000", "13800138001") };
    expect(await verifyAcs(changed, secretFor)).toBe(false);
    expect(await verifyAcs(sent, () => "another-secret")).toBe(false);
  });
});

const SECRET_ID = "AKIDtidingsTestSecretId";
const SECRET_KEY = "tencent-test-secret-key-0123";
const BODY = JSON.stringify({
  PhoneNumberSet: ["+8613800138000"],
  SmsSdkAppId: "1400787878",
  SignName: "北门健身",
  TemplateId: "1110001",
  TemplateParamSet: ["王芳", "免费奶昔"],
  SessionContext: "msg_01M838Z2G0AQRX0Q6E6NXC6VM6",
});

describe("Tencent Cloud TC3-HMAC-SHA256", () => {
  it("signs a SendSms call exactly as the official SDK's sign3 does", async () => {
    const timestamp = 1796620541;
    const h = await tc3Headers({
      host: "sms.tencentcloudapi.com",
      service: "sms",
      action: "SendSms",
      version: "2021-01-11",
      region: "ap-guangzhou",
      body: BODY,
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      timestamp,
    });
    const sdk = TencentSign.sign3({
      method: "POST",
      url: "https://sms.tencentcloudapi.com/",
      payload: JSON.parse(BODY),
      timestamp,
      service: "sms",
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      headers: { "Content-Type": "application/json" },
    });
    expect(h.authorization).toBe(sdk);
    expect(h.authorization).toContain(
      `Credential=${SECRET_ID}/2026-12-07/sms/tc3_request, SignedHeaders=content-type;host`,
    );
  });

  it("accepts what the official SDK sends, and refuses it changed or with another key", async () => {
    const client = new tencentSms.sms.v20210111.Client({
      credential: { secretId: SECRET_ID, secretKey: SECRET_KEY },
      region: "ap-guangzhou",
      profile: { httpProfile: { endpoint: capture.origin.slice("http://".length), protocol: "http://" } },
    });
    const answer = await client.SendSms(JSON.parse(BODY));
    expect(answer.SendStatusSet[0].SerialNo).toBe("s1");
    const sent = capture.seen.at(-1) as Captured;
    expect(sent.headers.get("x-tc-action")).toBe("SendSms");
    const secretFor = (id: string) => (id === SECRET_ID ? SECRET_KEY : undefined);
    expect(await verifyTc3(sent, secretFor)).toBe(true);
    expect(await verifyTc3({ ...sent, body: sent.body.replace("王芳", "李娜") }, secretFor)).toBe(false);
    expect(await verifyTc3(sent, () => "another-key")).toBe(false);
  });
});
