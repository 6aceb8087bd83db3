// Tidings' request signers give, in this runtime (Node or workerd), the Authorization the
// providers' official SDKs compute for the same call (test/cloud-sign-cases.ts).
import { describe, expect, it } from "vitest";
import { acsHeaders } from "../src/delivery/aliyun-sign";
import { tc3Headers } from "../src/delivery/tencent-sign";
import { ALIYUN_CASE, TENCENT_CASE } from "./cloud-sign-cases";

describe("cloud request signatures on WebCrypto", () => {
  it("signs an Aliyun SendSms as Alibaba Cloud's SDK does", async () => {
    const h = await acsHeaders(ALIYUN_CASE.call);
    expect(h.authorization).toBe(ALIYUN_CASE.authorization);
    expect(h["x-acs-content-sha256"]).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("signs a Tencent SendSms as Tencent Cloud's SDK does", async () => {
    const h = await tc3Headers(TENCENT_CASE.call);
    expect(h.authorization).toBe(TENCENT_CASE.authorization);
    expect(h["x-tc-timestamp"]).toBe("1796620541");
  });
});
