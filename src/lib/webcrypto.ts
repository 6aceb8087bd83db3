// SHA-256 and HMAC-SHA256 through WebCrypto, the same in Node and in Workers, for the request
// signatures cloud APIs ask for (Aliyun's ACS3, Tencent's TC3).

const encoder = new TextEncoder();

type Bytes = Uint8Array<ArrayBuffer>;

function bytes(data: string | Bytes): Bytes {
  // A fresh encoding owns its ArrayBuffer (the Workers types cannot tell).
  return typeof data === "string" ? (encoder.encode(data) as Bytes) : data;
}

export function hex(data: ArrayBuffer | Uint8Array): string {
  let out = "";
  for (const b of new Uint8Array(data)) out += b.toString(16).padStart(2, "0");
  return out;
}

export async function sha256Hex(data: string | Bytes): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", bytes(data)));
}

export async function hmacSha256(key: string | Bytes, data: string): Promise<Bytes> {
  const k = await crypto.subtle.importKey("raw", bytes(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, bytes(data)));
}
