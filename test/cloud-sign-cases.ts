// One SendSms call to each provider, with the Authorization its official SDK computes for it
// (test/cloud-sign.test.ts checks that against the SDKs; the vectors test checks Tidings' signer
// gives the same in Node and in workerd).
export const ALIYUN_CASE = {
  call: {
    host: "dysmsapi.aliyuncs.com",
    action: "SendSms",
    version: "2017-05-25",
    query: {
      PhoneNumbers: "13800138000",
      SignName: "北门健身",
      TemplateCode: "SMS_4650012",
      TemplateParam: JSON.stringify({ name: "王芳", offer: "免费奶昔 * 1 (today!)" }),
      OutId: "msg_01M838Z2G0AQRX0Q6E6NXC6VM6",
    },
    accessKeyId: "LTAI5tTidingsTestKey",
    accessKeySecret: "aliyun-test-secret-0123456789",
    date: "2026-12-07T05:15:40Z",
    nonce: "3b4c1f0e9a8d7c6b",
  },
  authorization:
    "ACS3-HMAC-SHA256 Credential=LTAI5tTidingsTestKey,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=dbc3a79bcbb1386bcd082e9c3db72f2cec9a928e4306c68bd36c181cf3d6a693",
};

export const TENCENT_CASE = {
  call: {
    host: "sms.tencentcloudapi.com",
    service: "sms",
    action: "SendSms",
    version: "2021-01-11",
    region: "ap-guangzhou",
    body: JSON.stringify({
      PhoneNumberSet: ["+8613800138000"],
      SmsSdkAppId: "1400787878",
      SignName: "北门健身",
      TemplateId: "1110001",
      TemplateParamSet: ["王芳", "免费奶昔"],
      SessionContext: "msg_01M838Z2G0AQRX0Q6E6NXC6VM6",
    }),
    secretId: "AKIDtidingsTestSecretId",
    secretKey: "tencent-test-secret-key-0123",
    timestamp: 1796620541,
  },
  authorization:
    "TC3-HMAC-SHA256 Credential=AKIDtidingsTestSecretId/2026-12-07/sms/tc3_request, SignedHeaders=content-type;host, Signature=149ff14c7a73388e3a47ff8a87c747178fdb8f73b4abcf58a1e433108c77dc49",
};
