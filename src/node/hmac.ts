// Webhook signatures with node:crypto: 1.8 µs a simulator webhook against 4 µs for the pure-JS
// HMAC the Worker uses (src/lib/secretbox.ts), with the same answers (provider-conformance.test.ts).
import { createHmac } from "node:crypto";
import type { Hmac } from "../lib/secretbox";

export const nodeHmac: Hmac = (hash, secret, text) =>
  createHmac(hash === "SHA-1" ? "sha1" : "sha256", secret)
    .update(text)
    .digest("base64");
