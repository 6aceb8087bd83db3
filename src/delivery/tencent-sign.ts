// Tencent Cloud's API v3 request signature (TC3-HMAC-SHA256): a canonical request of the
// method, path, content type, host and the body's SHA-256, signed with a key derived from the
// SecretKey, the UTC date and the service. test/cloud-sign.test.ts checks it against the
// official SDK.
import { hex, hmacSha256, sha256Hex } from "../lib/crypto";

export const TC3 = "TC3-HMAC-SHA256";

function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

async function tc3Signature(
  secretKey: string,
  c: { service: string; timestamp: number; contentType: string; host: string; body: string },
): Promise<string> {
  const canonical = [
    "POST",
    "/",
    "",
    // The host without its port, as Tencent's own SDK signs it.
    `content-type:${c.contentType}\nhost:${c.host.replace(/:\d+$/, "")}\n`,
    "content-type;host",
    await sha256Hex(c.body),
  ].join("\n");
  const date = utcDate(c.timestamp);
  const scope = `${date}/${c.service}/tc3_request`;
  const toSign = `${TC3}\n${c.timestamp}\n${scope}\n${await sha256Hex(canonical)}`;
  const kDate = await hmacSha256(`TC3${secretKey}`, date);
  const kService = await hmacSha256(kDate, c.service);
  const kSigning = await hmacSha256(kService, "tc3_request");
  return hex(await hmacSha256(kSigning, toSign));
}

/**
 * The headers for one JSON POST to a Tencent Cloud API (X-TC-* and the Authorization); `host`
 * is the URL's, which fetch sends itself.
 */
export async function tc3Headers(call: {
  host: string;
  service: string;
  action: string;
  version: string;
  region: string;
  body: string;
  secretId: string;
  secretKey: string;
  /** Seconds since the epoch. */
  timestamp: number;
}): Promise<Record<string, string>> {
  const contentType = "application/json";
  const signature = await tc3Signature(call.secretKey, { ...call, contentType });
  const scope = `${utcDate(call.timestamp)}/${call.service}/tc3_request`;
  return {
    "content-type": contentType,
    "x-tc-action": call.action,
    "x-tc-version": call.version,
    "x-tc-region": call.region,
    "x-tc-timestamp": String(call.timestamp),
    authorization: `${TC3} Credential=${call.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
  };
}

/** Whether a request carries a valid TC3 signature (a loopback fake checks what is sent to it). */
export async function verifyTc3(
  req: { headers: { get(name: string): string | null }; body: string },
  secretFor: (secretId: string) => string | undefined,
): Promise<boolean> {
  const m =
    /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=content-type;host, Signature=([0-9a-f]+)$/.exec(
      req.headers.get("authorization") ?? "",
    );
  if (!m) return false;
  const [, secretId, date, service, given] = m as unknown as [string, string, string, string, string];
  const secret = secretFor(secretId);
  const timestamp = Number(req.headers.get("x-tc-timestamp"));
  if (secret === undefined || !Number.isInteger(timestamp) || utcDate(timestamp) !== date) return false;
  const expected = await tc3Signature(secret, {
    service,
    timestamp,
    contentType: req.headers.get("content-type") ?? "",
    host: req.headers.get("host") ?? "",
    body: req.body,
  });
  return expected === given;
}
