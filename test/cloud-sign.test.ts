// The request signatures of Alibaba Cloud (ACS3-HMAC-SHA256) and Tencent Cloud (TC3-HMAC-SHA256)
// against the providers' official SDKs, both ways: the SDK's own signing function computes the
// same Authorization as Tidings for Tidings' request, and a request the SDK sends over loopback
// passes Tidings' check (which the loopback fakes of both APIs use), while a changed one fails.
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { acsHeaders, canonicalQuery, formBody, verifyAcs } from "../src/delivery/aliyun-sign";
import { tc3Headers, verifyTc3 } from "../src/delivery/tencent-sign";
import { ALIYUN_CASE, TENCENT_CASE } from "./cloud-sign-cases";

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

const { call: ALI, authorization: ALI_AUTH } = ALIYUN_CASE;
const AK = ALI.accessKeyId;
const AK_SECRET = ALI.accessKeySecret;
const QUERY = ALI.query;

describe("Alibaba Cloud ACS3-HMAC-SHA256", () => {
  it("signs a SendSms call exactly as the official SDK's signing function does", async () => {
    const host = ALI.host;
    const h = await acsHeaders(ALI);
    const sdk = OpenApiUtil.getAuthorization(
      { pathname: "/", method: "POST", query: QUERY, headers: { ...h, host, authorization: undefined } },
      "ACS3-HMAC-SHA256",
      h["x-acs-content-sha256"],
      AK,
      AK_SECRET,
    );
    expect(h.authorization).toBe(sdk);
    // The vector every runtime checks its signer against is the SDK's.
    expect(sdk).toBe(ALI_AUTH);
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

describe("Alibaba Cloud SendBatchSms, with its lists in a form body", () => {
  const form = {
    PhoneNumberJson: JSON.stringify(["13800138000", "13900139000"]),
    SignNameJson: JSON.stringify(["北门健身", "北门健身"]),
    TemplateParamJson: JSON.stringify([{ name: "王芳" }, { name: "李 娜*" }]),
  };

  it("signs the body as the official SDK's signing function does", async () => {
    const query = { TemplateCode: "SMS_465001" };
    const body = formBody(form);
    const h = await acsHeaders({ ...ALI, action: "SendBatchSms", query, form: body });
    const sdk = OpenApiUtil.getAuthorization(
      { pathname: "/", method: "POST", query, headers: { ...h, host: ALI.host, authorization: undefined } },
      "ACS3-HMAC-SHA256",
      h["x-acs-content-sha256"],
      AK,
      AK_SECRET,
    );
    expect(h.authorization).toBe(sdk);
    expect(h.authorization).toContain("SignedHeaders=content-type;host;x-acs-action;");
    expect(h["content-type"]).toBe("application/x-www-form-urlencoded");
  });

  it("accepts what the official SDK sends, and refuses its body changed", async () => {
    const client = new Dysms.default(
      new $OpenApiUtil.Config({
        accessKeyId: AK,
        accessKeySecret: AK_SECRET,
        endpoint: capture.origin.slice("http://".length),
        protocol: "http",
      }),
    );
    await client.sendBatchSms(
      new Dysms.SendBatchSmsRequest({
        phoneNumberJson: form.PhoneNumberJson,
        signNameJson: form.SignNameJson,
        templateCode: "SMS_465001",
        templateParamJson: form.TemplateParamJson,
      }),
    );
    const sent = capture.seen.at(-1) as Captured;
    expect(sent.headers.get("x-acs-action")).toBe("SendBatchSms");
    // The SDK sends the lists in the body, as Tidings does; the form carries the same values.
    expect(Object.fromEntries(new URLSearchParams(sent.body))).toEqual(form);
    const secretFor = (id: string) => (id === AK ? AK_SECRET : undefined);
    expect(await verifyAcs(sent, secretFor)).toBe(true);
    expect(await verifyAcs({ ...sent, body: sent.body.replace("13900139000", "13900139001") }, secretFor)).toBe(false);
  });
});

const { call: TC, authorization: TC_AUTH } = TENCENT_CASE;
const SECRET_ID = TC.secretId;
const SECRET_KEY = TC.secretKey;
const BODY = TC.body;

describe("Tencent Cloud TC3-HMAC-SHA256", () => {
  it("signs a SendSms call exactly as the official SDK's sign3 does", async () => {
    const timestamp = TC.timestamp;
    const h = await tc3Headers(TC);
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
    expect(sdk).toBe(TC_AUTH);
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
