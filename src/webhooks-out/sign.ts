// Outgoing webhooks signed as the Standard Webhooks convention has them: an HMAC-SHA256 of
// "id.timestamp.body" under the endpoint's secret (whsec_ and base64), sent as
// `webhook-signature: v1,<base64>` beside `webhook-id` and `webhook-timestamp` (seconds).
// test/webhooks-out.test.ts checks it with the `standardwebhooks` package.
import { fromBase64, hmacSha256, toBase64 } from "../lib/crypto";

export function newWebhookSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export async function signatureHeaders(secret: string, id: string, at: Date, body: string) {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const key = fromBase64(secret.replace(/^whsec_/, ""));
  const mac = await hmacSha256(key, `${id}.${timestamp}.${body}`);
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${toBase64(mac)}` };
}
