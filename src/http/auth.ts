import type { Context, MiddlewareHandler } from "hono";
import { authenticate } from "../api-keys/service";
import type { AuthInfo, Scope } from "../auth/scope";
import { SESSION_PREFIX, sessionFor } from "../console/sessions";
import type { Ctx } from "../context";
import { ForbiddenError, UnauthorizedError } from "../lib/errors";
import type { AppEnv } from "./env";

const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

export function scopeAllows(has: Scope, needs: Scope): boolean {
  return RANK[has] >= RANK[needs];
}

/** Resolves the bearer key to a tenant for every /v1 request. */
export const authMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match?.[1]) throw new UnauthorizedError();
  const deps = c.get("deps");
  // The web console's session token is accepted too: the console works through this API.
  const isSession = match[1].startsWith(SESSION_PREFIX);
  const auth = isSession ? await sessionFor(deps, match[1]) : await authenticate(deps.db, match[1]);
  if (!auth) throw new UnauthorizedError("The API key is invalid or revoked");
  c.set("auth", { tenantId: auth.tenantId, keyId: auth.keyId, scope: auth.scope, via: isSession ? "console" : "api" });
  await next();
};

export function requireScope(scope: Scope): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = c.get("auth") as AuthInfo | undefined;
    if (!auth) throw new UnauthorizedError();
    if (!scopeAllows(auth.scope, scope)) {
      throw new ForbiddenError(`This action needs a key with scope '${scope}'; this key has '${auth.scope}'`, {
        reason: "scope",
        needs: scope,
        has: auth.scope,
      });
    }
    await next();
  };
}

/** The service context for the authenticated tenant. */
export function ctxOf(c: Context<AppEnv>): Ctx {
  const deps = c.get("deps");
  const linkUrl = deps.config.linkUrl ?? deps.config.publicUrl;
  return {
    db: deps.db,
    clock: deps.clock,
    ids: deps.ids,
    tenantId: c.get("auth").tenantId,
    ...(linkUrl ? { linkUrl } : {}),
  };
}
