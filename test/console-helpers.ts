// Console requests in tests: a form post from the console's own origin, a page read with the
// session cookie, and the cookie from a sign-in's answer.
import type { TestEnv } from "./harness";

export const ORIGIN = "http://localhost";

export async function form(env: TestEnv, path: string, fields: Record<string, string>, cookie?: string) {
  return env.app.request(`${ORIGIN}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: ORIGIN,
      ...(cookie && { cookie }),
    },
    body: new URLSearchParams(fields).toString(),
  });
}

export const page = (env: TestEnv, path: string, cookie?: string, lang = "en") =>
  env.app.request(`${ORIGIN}${path}`, { headers: { ...(cookie && { cookie }), "accept-language": lang } });

export function sessionCookie(res: Response): string {
  const set = res.headers.get("set-cookie") ?? "";
  const m = /tidings_session=([^;]+)/.exec(set);
  if (!m) throw new Error(`no session cookie in ${set}`);
  return `tidings_session=${m[1]}`;
}

/** The session token a session cookie carries (signed: token.signature), usable as a bearer key. */
export function sessionToken(cookie: string): string {
  return decodeURIComponent(cookie).split("=")[1]?.split(".")[0] as string;
}

/** A signed-in session for a workspace's API key. */
export async function signIn(env: TestEnv, key: string): Promise<string> {
  return sessionCookie(await form(env, "/console/login/key", { key, next: "/console" }));
}

/** The session's CSRF token, as its pages put it in every form. */
export async function csrfOf(env: TestEnv, cookie: string): Promise<string> {
  const html = await (await page(env, "/console", cookie)).text();
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error("no CSRF token on the home page");
  return m[1] as string;
}

/** The notice an action's answer leaves for the next page (a one-time cookie), or "". */
export function noticeOf(res: Response): string {
  const m = /tidings_notice=([^;]*)/.exec(res.headers.get("set-cookie") ?? "");
  return m ? decodeURIComponent(m[1] as string) : "";
}

/** A page read with a notice waiting for it, as after an action. */
export function withNotice(cookie: string, notice: string): string {
  return `${cookie}; tidings_notice=${encodeURIComponent(notice)}`;
}

/**
 * The tokens in a page's visible text that read as code, not words: snake_case, an event name
 * (kind.event) and an internal id (cus_01…). Markup, scripts, styles and form values (an
 * address to copy, a template's source being edited) are not visible text.
 */
export function codesIn(html: string): string[] {
  const text = html
    .replace(/<(script|style|textarea|title)[^>]*>[\s\S]*?<\/\1>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
  return [...new Set([...text.matchAll(CODE)].map((m) => m[0]))].filter((t) => !NOT_CODE.test(t));
}

const CODE = /\b(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[a-z]+\.[a-z]+(?:_[a-z]+)*|[a-z]{2,4}_[0-9A-HJKMNP-TV-Z]{20,})\b/g;
// Words with a dot that are not codes: example domains and "e.g".
const NOT_CODE = /^(?:e\.g|[a-z]+\.(?:example|com|cn|org|net))$/;
