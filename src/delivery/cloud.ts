// What the cloud SMS providers (Aliyun, Tencent) share: unsigned callbacks checked by the key in
// their URL, JSON-array bodies, and how a send that got no whole answer is told.
import { MalformedWebhookError } from "../lib/errors";
import { constantTimeEqual } from "../lib/secretbox";
import { type ProviderError, pastDeadline } from "./provider";

/** Neither provider signs its callbacks: the URL given to it carries the channel's key. */
export function keyedWebhook(url: string, key: string): boolean {
  const given = new URL(url).searchParams.get("key");
  return given !== null && key !== "" && constantTimeEqual(given, key);
}

/** A callback body that must be a JSON array of objects (one report or reply each). */
export function parseJsonArray(body: string, what: string): Record<string, unknown>[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new MalformedWebhookError(`${what} is not JSON`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length > 1000 || !list.every((x) => x !== null && typeof x === "object" && !Array.isArray(x)))
    throw new MalformedWebhookError(`${what} must be a JSON array of at most 1000 objects`);
  return list as Record<string, unknown>[];
}

export function stripPlus(e164: string): string {
  return e164.replace(/^\+/, "");
}

export function randomNonce(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The service stopped while a send waited for its answer: it may have gone (not a channel fault). */
export const STOPPED: ProviderError = {
  kind: "unknown_outcome",
  code: "stopped",
  message: "The service stopped before the provider answered",
};

/** No answer, or no whole answer: the provider may or may not have sent it. */
export function lost(e: unknown, deadlineMs: number): ProviderError {
  return pastDeadline(e)
    ? { kind: "unknown_outcome", code: "timeout", message: `No answer within ${deadlineMs} ms` }
    : { kind: "unknown_outcome", code: "network", message: (e as Error).message };
}
