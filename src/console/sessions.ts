// Web console sessions. Signing in with an API key gives the key's scope; a staff login gives
// the member's role (admin → admin, operator → write, viewer → read). The session token then
// works as a bearer credential on /v1, so the console reads and writes through the same API.
import { and, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import { authenticate } from "../api-keys/service";
import type { Database } from "../db/client";
import { apiKeys, consoleSessions, staff, tenants } from "../db/schema";
import type { Scope } from "../http/auth";
import type { AuthInfo } from "../http/env";
import type { Clock } from "../lib/clock";
import { randomToken, sha256Hex } from "../lib/crypto";
import type { IdGenerator } from "../lib/ids";
import { verifyPassword } from "../lib/password";
import type { StaffRole } from "../staff/service";

export const SESSION_PREFIX = "tss_";
const SESSION_HOURS = 12;
const ROLE_SCOPE: Record<StaffRole, Scope> = { admin: "admin", operator: "write", viewer: "read" };

type Deps = { db: Database; clock: Clock; ids: IdGenerator };

export type Session = AuthInfo & { csrf: string; staffId: string | null; token: string };

async function open(deps: Deps, tenantId: string, scope: Scope, who: { keyId?: string; staffId?: string }) {
  const token = `${SESSION_PREFIX}${randomToken(40)}`;
  const now = deps.clock.now().getTime();
  const csrf = randomToken(32);
  await deps.db.batch([
    // Expired sessions of the workspace go as new ones come: the table stays small.
    deps.db.orm
      .delete(consoleSessions)
      .where(and(eq(consoleSessions.tenantId, tenantId), lt(consoleSessions.expiresAt, now))),
    deps.db.orm.insert(consoleSessions).values({
      id: deps.ids.next("ses"),
      tenantId,
      hash: await sha256Hex(token),
      keyId: who.keyId ?? null,
      staffId: who.staffId ?? null,
      scope,
      csrf,
      createdAt: now,
      expiresAt: now + SESSION_HOURS * 3_600_000,
    }),
  ]);
  return token;
}

/** Signs in with an API key; null when the key is not valid. */
export async function signInWithKey(deps: Deps, key: string): Promise<string | null> {
  const auth = await authenticate(deps.db, key.trim());
  if (!auth) return null;
  return open(deps, auth.tenantId, auth.scope, { keyId: auth.keyId });
}

// Password guessing: five wrong tries for one member, or thirty in the workspace, within the
// window lock password sign-in (for that member, or the workspace) until the window has passed.
// A locked attempt is refused before the password is hashed, so guessing cannot burn the CPU.
const WINDOW_MS = 15 * 60_000;
const PER_MEMBER = 5;
const PER_WORKSPACE = 30;
const KEEP_MS = 24 * 3_600_000;

export type PasswordSignIn = { token: string } | { refused: "wrong" } | { refused: "locked"; minutes: number };

/** Signs in a staff member by workspace slug, email and password. */
export async function signInWithPassword(
  deps: Deps,
  input: { workspace: string; email: string; password: string },
): Promise<PasswordSignIn> {
  const email = input.email.trim().toLowerCase();
  const tenant = await deps.db.orm
    .select({ id: tenants.id })
    .from(tenants)
    .where(eq(tenants.slug, input.workspace.trim().toLowerCase()))
    .get();
  // No such workspace: refused at once (workspace names are not secret; CPU is).
  if (!tenant) return { refused: "wrong" };
  const now = deps.clock.now().getTime();
  const since = now - WINDOW_MS;
  const [counts] = await deps.db.rawAll<{ member: number; workspace: number; oldest: number | null }>(
    `select count(*) filter (where email = ?) as member, count(*) as workspace,
       min(at) filter (where email = ?) as oldest
     from console_login_failures where tenant_id = ? and at > ?`,
    [email, email, tenant.id, since],
  );
  const member = counts?.member ?? 0;
  if (member >= PER_MEMBER || (counts?.workspace ?? 0) >= PER_WORKSPACE) {
    const until = member >= PER_MEMBER && counts?.oldest ? counts.oldest + WINDOW_MS : now + WINDOW_MS;
    return { refused: "locked", minutes: Math.max(1, Math.ceil((until - now) / 60_000)) };
  }
  const row = await deps.db.orm
    .select({ id: staff.id, role: staff.role, hash: staff.passwordHash })
    .from(staff)
    // Emails stored before they were kept in lower case still match.
    .where(and(eq(staff.tenantId, tenant.id), sql`lower(${staff.email}) = ${email}`))
    .get();
  // The same answer (and about the same time) for an unknown member as for a wrong password.
  const ok = await verifyPassword(input.password, row?.hash ?? DUMMY_HASH);
  if (!row?.hash || !ok) {
    await deps.db.batch([
      {
        sql: "delete from console_login_failures where tenant_id = ? and at < ?",
        params: [tenant.id, now - KEEP_MS],
      },
      {
        sql: "insert into console_login_failures (tenant_id, email, at) values (?, ?, ?)",
        params: [tenant.id, email, now],
      },
    ]);
    return { refused: "wrong" };
  }
  await deps.db.batch([
    { sql: "delete from console_login_failures where tenant_id = ? and email = ?", params: [tenant.id, email] },
  ]);
  return { token: await open(deps, tenant.id, ROLE_SCOPE[row.role], { staffId: row.id }) };
}

// A hash of a random password, checked when there is no member, so timing does not tell.
const DUMMY_HASH = "scrypt$15$8$3$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/** The live session for a token (its API key still valid), or null. */
export async function sessionFor(deps: Pick<Deps, "db" | "clock">, token: string): Promise<Session | null> {
  if (!token.startsWith(SESSION_PREFIX)) return null;
  const row = await deps.db.orm
    .select({
      id: consoleSessions.id,
      tenantId: consoleSessions.tenantId,
      keyId: consoleSessions.keyId,
      staffId: consoleSessions.staffId,
      scope: consoleSessions.scope,
      csrf: consoleSessions.csrf,
    })
    .from(consoleSessions)
    .leftJoin(apiKeys, eq(apiKeys.id, consoleSessions.keyId))
    .where(
      and(
        eq(consoleSessions.hash, await sha256Hex(token)),
        gt(consoleSessions.expiresAt, deps.clock.now().getTime()),
        or(isNull(consoleSessions.keyId), isNull(apiKeys.revokedAt)),
      ),
    )
    .get();
  if (!row) return null;
  return {
    tenantId: row.tenantId,
    keyId: row.keyId ?? row.id,
    scope: row.scope,
    csrf: row.csrf,
    staffId: row.staffId,
    token,
  };
}

export async function signOut(deps: Pick<Deps, "db">, token: string): Promise<void> {
  await deps.db.batch([deps.db.orm.delete(consoleSessions).where(eq(consoleSessions.hash, await sha256Hex(token)))]);
}
