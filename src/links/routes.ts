// The short links' redirect: no key (the code is the secret), one read, the click handed to the
// runtime's click store (Node: a journal of its own, so the answer never waits for the main
// database's write lock), then 302. Counting the click is the click job's.

import { Hono } from "hono";
import type { Database } from "../db/client";
import type { AppEnv } from "../http/env";
import { isBotAgent } from "./agents";
import { CODE_PATTERN } from "./shorten";
import { type ClickRecord, insertClicks, type LinkStore, linkByCode } from "./store";

const MAX_AGENT = 200;

// Said in both languages the service ships: who follows a dead link may read either.
const GONE = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>Link not found · 链接无效</title></head>
<body style="font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">
<h1 style="font-size:1.25rem">This link is not valid or has expired.</h1>
<p lang="zh">此链接无效或已过期。</p></body></html>`;

export const linkRoutes = new Hono<AppEnv>().get("/l/:code", async (c) => {
  const code = c.req.param("code");
  const deps = c.get("deps");
  const store = deps.links ?? databaseLinks(deps.db, backgroundOf(c));
  const link = CODE_PATTERN.test(code) ? await store.find(code) : null;
  if (!link) return c.html(GONE, 404, { "Cache-Control": "no-store" });
  const userAgent = (c.req.header("user-agent") ?? "").slice(0, MAX_AGENT);
  const click: ClickRecord = {
    id: deps.ids.next("clk"),
    tenantId: link.tenantId,
    code,
    at: deps.clock.now().getTime(),
    // Hono answers HEAD with the GET route; the request still says HEAD.
    agent: c.req.method === "HEAD" ? "head" : isBotAgent(userAgent) ? "bot" : "browser",
    userAgent,
  };
  await store.record(click).catch((e: unknown) => {
    // The person still gets where the link goes; only this click goes uncounted.
    console.error("a short link's click could not be stored:", e);
  });
  return new Response(null, {
    status: 302,
    headers: {
      Location: link.url,
      // Every request must reach us to be counted; the target learns nothing of the code.
      "Cache-Control": "private, no-store",
      "Referrer-Policy": "no-referrer",
      "X-Robots-Tag": "noindex",
    },
  });
});

/** Where the platform lets work finish after the answer (Workers' waitUntil); null elsewhere. */
function backgroundOf(c: { executionCtx: { waitUntil(p: Promise<unknown>): void } }) {
  try {
    const ctx = c.executionCtx;
    return (p: Promise<unknown>) => ctx.waitUntil(p);
  } catch {
    return null;
  }
}

/**
 * Where clicks go and how links are found when the runtime gives nothing faster: the database,
 * written after the answer where the platform allows (Workers), else before it.
 */
function databaseLinks(db: Database, later: ((p: Promise<unknown>) => void) | null): LinkStore {
  return {
    find: (code) => linkByCode(db, code),
    async record(click) {
      const write = db.batch(insertClicks([click]));
      if (later) later(write.catch((e: unknown) => console.error("a short link's click could not be stored:", e)));
      else await write;
    },
  };
}
