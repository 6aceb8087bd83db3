// Channel credentials at rest: AES-256-GCM through WebCrypto (Node 20 and Workers alike).
// Stored as "v1.<base64 iv>.<base64 ciphertext+tag>"; the key comes from config, never the db.

import { hmac } from "@noble/hashes/hmac.js";
import { sha1 } from "@noble/hashes/legacy.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { fromBase64, toBase64 } from "./crypto";

export type SecretKey = CryptoKey;

/** Imports a 32-byte key given as base64 (TIDINGS_SECRET_KEY). */
export async function importSecretKey(base64: string): Promise<SecretKey> {
  const raw = fromBase64(base64);
  if (raw.length !== 32) throw new Error("the secret key must be 32 bytes, base64-encoded");
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

/**
 * A secret for one purpose (e.g. signing console cookies), derived from the one configured key
 * so that an operator manages a single secret. AES-GCM over a fixed block with an IV taken from
 * the label is a keyed pseudo-random function of the label; seal() draws random IVs, so it does
 * not meet this one (96 random bits).
 */
export async function deriveSecret(key: SecretKey, label: string): Promise<string> {
  const iv = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(label))).slice(0, 12);
  const out = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new Uint8Array(32)));
  return toBase64(out.slice(0, 32));
}

export function newSecretKeyBase64(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(32)));
}

export async function seal(key: SecretKey, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(plaintext)),
  );
  return `v1.${toBase64(iv)}.${toBase64(ct)}`;
}

export async function open(key: SecretKey, sealed: string): Promise<string> {
  const [version, iv, ct] = sealed.split(".");
  if (version !== "v1" || !iv || !ct) throw new Error("not a sealed value");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv) }, key, fromBase64(ct));
  return new TextDecoder().decode(plain);
}

/** HMAC of a text, base64 (Twilio signs with SHA-1; the simulator with SHA-256). */
export type Hmac = (hash: "SHA-1" | "SHA-256", secret: string, text: string) => string;

// Pure JS and synchronous, for the Worker: WebCrypto's sign() goes through a thread pool and a
// promise, which costs a webhook more (~45 µs) than hashing its body here (~4 µs). A keyed state
// per secret is kept and cloned, since the key schedule costs as much as the body. (Node's edge
// passes node:crypto's, about twice as fast: src/node/hmac.ts.)
const hmacStates = new Map<string, ReturnType<typeof hmac.create>>();

export const hmacBase64: Hmac = (hash, secret, text) => {
  const id = `${hash}:${secret}`;
  let state = hmacStates.get(id);
  if (!state) {
    if (hmacStates.size >= 1000) hmacStates.clear();
    state = hmac.create(hash === "SHA-1" ? sha1 : sha256, encoder.encode(secret));
    hmacStates.set(id, state);
  }
  return toBase64(state.clone().update(encoder.encode(text)).digest());
};

const encoder = new TextEncoder();

/** Compares two strings in time that depends only on their length. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
