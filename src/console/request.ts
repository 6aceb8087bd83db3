// What the console's routes need of a request: the session cookie's secret and options, the
// form's fields, and where a redirect may go (only a console page).
import type { Context } from "hono";
import type { AppEnv } from "../http/env";
import { deriveSecret, type SecretKey } from "../lib/secretbox";
import type { Lang, Words } from "./i18n";
import type { Session } from "./sessions";

export type ConsoleEnv = AppEnv & { Variables: { session: Session; lang: Lang; w: Words; notice?: string } };

// One derivation per key (per process or isolate), not per request.
const secrets = new WeakMap<SecretKey, Promise<string>>();
export function cookieSecret(key: SecretKey): Promise<string> {
  let s = secrets.get(key);
  if (!s) {
    s = deriveSecret(key, "tidings console session cookie");
    secrets.set(key, s);
  }
  return s;
}

export function cookieOptions(c: Context<ConsoleEnv>) {
  return {
    httpOnly: true,
    sameSite: "Lax" as const,
    path: "/console",
    // Behind a TLS proxy the request reaches us as http; the public URL says what the browser sees.
    secure: new URL(c.req.url).protocol === "https:" || (c.get("deps").config.publicUrl?.startsWith("https:") ?? false),
    maxAge: 12 * 3600,
  };
}

/** Where to go after sign-in: only a console page, never another site. */
export function safeNext(next: unknown): string {
  const ok = typeof next === "string" && /^\/console(\/[\w\-/?=&%.]*)?$/.test(next) && !next.includes("..");
  return ok ? next : "/console";
}

/** A URL's path, or null for a missing or malformed one (a Referer is the client's to send). */
export function pathOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).pathname;
  } catch {
    return null;
  }
}

export async function formOf(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}
