// Staff console passwords: scrypt (@noble/hashes, pure JS, so the same code runs on Workers).
// N=2^15, r=8, p=3 is one of OWASP's scrypt settings; at 32 MiB it fits a Worker's memory,
// which N=2^17 does not. The settings travel in the stored text, so they can be raised later
// without invalidating existing hashes.
import { scryptAsync } from "@noble/hashes/scrypt.js";

const LOG_N = 15;
const R = 8;
const P = 3;
const KEY_BYTES = 32;

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unb64(text: string): Uint8Array {
  const s = atob(text);
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

/** `scrypt$<logN>$<r>$<p>$<salt>$<hash>` (base64 parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await scryptAsync(password.normalize("NFKC"), salt, { N: 2 ** LOG_N, r: R, p: P, dkLen: KEY_BYTES });
  return `scrypt$${LOG_N}$${R}$${P}$${b64(salt)}$${b64(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, logN, r, p, salt, hash] = stored.split("$");
  if (alg !== "scrypt" || !salt || !hash) return false;
  const expected = unb64(hash);
  const got = await scryptAsync(password.normalize("NFKC"), unb64(salt), {
    N: 2 ** Number(logN),
    r: Number(r),
    p: Number(p),
    dkLen: expected.length,
  });
  let diff = got.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= (got[i] ?? 0) ^ (expected[i] ?? 0);
  return diff === 0;
}
