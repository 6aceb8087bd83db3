// Alibaba Cloud's OpenAPI request signature, version 3 (ACS3-HMAC-SHA256): a canonical request
// of the method, path, sorted query, the signed headers and the body's SHA-256, hashed and
// keyed with the AccessKey secret. test/cloud-sign.test.ts checks it against the official SDK.
import { hex, hmacSha256, sha256Hex } from "../lib/crypto";

export const ACS3 = "ACS3-HMAC-SHA256";

/** RFC 3986 encoding as Alibaba Cloud canonicalises a query: space %20, `*` %2A, `~` kept. */
export function acsEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Parameters as a form body, encoded as a query is (RFC 3986), in their order. */
export function formBody(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${acsEncode(k)}=${acsEncode(v)}`)
    .join("&");
}

export function canonicalQuery(query: Record<string, string>): string {
  return Object.keys(query)
    .sort()
    .map((k) => `${acsEncode(k)}=${acsEncode(query[k] as string)}`)
    .join("&");
}

/** The canonical request of ACS3: headers by lowercase name, each trimmed, sorted by name. */
export async function acsCanonical(req: {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  signed: string[];
  bodyHash: string;
}): Promise<string> {
  const lines = req.signed.map((h) => `${h}:${(req.headers[h] ?? "").trim()}\n`).join("");
  return [req.method, req.path || "/", canonicalQuery(req.query), lines, req.signed.join(";"), req.bodyHash].join("\n");
}

export async function acsSignature(secret: string, canonical: string): Promise<string> {
  return hex(await hmacSha256(secret, `${ACS3}\n${await sha256Hex(canonical)}`));
}

/**
 * The headers for one call of an RPC-style API (parameters in the query; long ones, as the
 * official SDK sends SendBatchSms's, in a form body): `x-acs-*`, the body's type, and the
 * Authorization that signs them with `host`, the URL's (with its port, if any), which fetch
 * sends itself.
 */
export async function acsHeaders(call: {
  host: string;
  action: string;
  version: string;
  query: Record<string, string>;
  accessKeyId: string;
  accessKeySecret: string;
  /** An ISO 8601 instant in UTC without milliseconds, e.g. 2026-12-07T05:15:40Z. */
  date: string;
  nonce: string;
  /** A form body (application/x-www-form-urlencoded), when parameters go in it. */
  form?: string;
}): Promise<Record<string, string>> {
  const bodyHash = await sha256Hex(call.form ?? "");
  const headers: Record<string, string> = {
    ...(call.form === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
    host: call.host,
    "x-acs-action": call.action,
    "x-acs-content-sha256": bodyHash,
    "x-acs-date": call.date,
    "x-acs-signature-nonce": call.nonce,
    "x-acs-version": call.version,
  };
  const signed = Object.keys(headers).sort();
  const canonical = await acsCanonical({ method: "POST", path: "/", query: call.query, headers, signed, bodyHash });
  const signature = await acsSignature(call.accessKeySecret, canonical);
  const { host: _sent, ...rest } = headers;
  return {
    ...rest,
    authorization: `${ACS3} Credential=${call.accessKeyId},SignedHeaders=${signed.join(";")},Signature=${signature}`,
  };
}

/**
 * Whether a request carries a valid ACS3 signature for this secret (a loopback fake of the API
 * checks what Tidings and the official SDK send with it).
 */
export async function verifyAcs(
  req: { method: string; url: string; headers: { get(name: string): string | null }; body: string },
  secretFor: (accessKeyId: string) => string | undefined,
): Promise<boolean> {
  const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(
    req.headers.get("authorization") ?? "",
  );
  if (!m) return false;
  const [, keyId, signedList, given] = m as unknown as [string, string, string, string];
  const secret = secretFor(keyId);
  if (secret === undefined) return false;
  const url = new URL(req.url);
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const signed = signedList.split(";");
  const headers: Record<string, string> = {};
  for (const h of signed) headers[h] = req.headers.get(h) ?? "";
  const bodyHash = await sha256Hex(req.body);
  if (headers["x-acs-content-sha256"] !== undefined && headers["x-acs-content-sha256"] !== bodyHash) return false;
  const canonical = await acsCanonical({ method: req.method, path: url.pathname, query, headers, signed, bodyHash });
  return (await acsSignature(secret, canonical)) === given;
}
