// Staff console passwords: scrypt (@noble/hashes, pure JS, so the same code runs on Workers).
// N=2^15, r=8, p=3 is one of OWASP's scrypt settings; at 32 MiB it fits a Worker's memory,
// which N=2^17 does not. The settings travel in the stored text, so they can be raised later
// without invalidating existing hashes.
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { fromBase64, toBase64 } from "./crypto";
import { constantTimeEqual } from "./secretbox";

const LOG_N = 15;
const R = 8;
const P = 3;
const KEY_BYTES = 32;

/** `scrypt$<logN>$<r>$<p>$<salt>$<hash>` (base64 parts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await scryptAsync(password.normalize("NFKC"), salt, { N: 2 ** LOG_N, r: R, p: P, dkLen: KEY_BYTES });
  return `scrypt$${LOG_N}$${R}$${P}$${toBase64(salt)}$${toBase64(hash)}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [alg, logN, r, p, salt, hash] = stored.split("$");
  if (alg !== "scrypt" || !salt || !hash) return false;
  const got = await scryptAsync(password.normalize("NFKC"), fromBase64(salt), {
    N: 2 ** Number(logN),
    r: Number(r),
    p: Number(p),
    dkLen: fromBase64(hash).length,
  });
  return constantTimeEqual(toBase64(got), hash);
}
