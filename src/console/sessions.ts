// Web console sessions. Signing in with an API key gives the key's scope; a staff login gives
// the member's role (admin → admin, operator → write, viewer → read). The session token then
// works as a bearer credential on /v1, so the console reads and writes through the same API.
import { and, eq, gt, lt, sql } from "drizzle-orm";
import { authenticate } from "../api-keys/service";
import type { AuthInfo, Scope } from "../auth/scope";
import type { Database } from "../db/client";
import { apiKeys, consoleSessions, staff, tenants } from "../db/schema";
import type { Clock } from "../lib/clock";
import { randomToken, sha256Hex, tokenHash } from "../lib/crypto";
import type { IdGenerator } from "../lib/ids";
import { verifyPassword } from "../lib/password";
import type { StaffRole } from "../staff/service";
import {
  deleteLoginFailuresBefore,
  deleteMemberLoginFailures,
  memberLoginFailures,
  reserveLoginFailure,
} from "./session-store";

export const SESSION_PREFIX = "tss_";
const SESSION_HOURS = 12;
const ROLE_SCOPE: Record<StaffRole, Scope> = { admin: "admin", operator: "write", viewer: "read" };

type Deps = { db: Database; clock: Clock; ids: IdGenerator };

export type Session = AuthInfo & { csrf: string; staffId: string | null; token: string };

/** What ties a staff session to the password it was opened with (never the hash itself). */
function credentialOf(passwordHash: string): Promise<string> {
  return sha256Hex(`console session|${passwordHash}`);
}

async function open(
  deps: Deps,
  tenantId: string,
  scope: Scope,
  who: { keyId?: string; staffId?: string; passwordHash?: string },
) {
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
      hash: tokenHash(token),
      keyId: who.keyId ?? null,
      staffId: who.staffId ?? null,
      scope,
      credential: who.passwordHash ? await credentialOf(who.passwordHash) : null,
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
// Every try first reserves its place among the failures in one atomic statement, and is refused
// there when the limits are reached, before the password is hashed: a burst of parallel guesses
// gets no more hashes than the limits, and a refused guess costs none. A right password then
// takes back the member's failures, its own reservation with them.
const WINDOW_MS = 15 * 60_000;
const PER_MEMBER = 5;
const PER_WORKSPACE = 30;
const KEEP_MS = 24 * 3_600_000;

export type PasswordSignIn = { token: string } | { refused: "wrong" } | { refused: "locked"; minutes: number };

/** Counts a try as a failure unless the limits are reached; false when they are. */
async function reserveTry(deps: Deps, tenantId: string, email: string, now: number): Promise<boolean> {
  const since = now - WINDOW_MS;
  const rows = await reserveLoginFailure(deps.db, tenantId, email, now, since, PER_MEMBER, PER_WORKSPACE);
  return rows.length === 1;
}

/** Minutes until a locked member (or workspace) may try again. */
async function lockedFor(deps: Deps, tenantId: string, email: string, now: number): Promise<number> {
  const [row] = await memberLoginFailures(deps.db, tenantId, email, now - WINDOW_MS);
  const until = (row?.member ?? 0) >= PER_MEMBER && row?.oldest ? row.oldest + WINDOW_MS : now + WINDOW_MS;
  return Math.max(1, Math.ceil((until - now) / 60_000));
}

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
  if (!(await reserveTry(deps, tenant.id, email, now))) {
    return { refused: "locked", minutes: await lockedFor(deps, tenant.id, email, now) };
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
    await deps.db.batch([deleteLoginFailuresBefore(tenant.id, now - KEEP_MS)]);
    return { refused: "wrong" };
  }
  await deps.db.batch([deleteMemberLoginFailures(tenant.id, email)]);
  return { token: await open(deps, tenant.id, ROLE_SCOPE[row.role], { staffId: row.id, passwordHash: row.hash }) };
}

// A hash of a random password, checked when there is no member, so timing does not tell.
const DUMMY_HASH = "scrypt$15$8$3$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/**
 * The live session for a token, or null. Its powers are those of its API key or staff member
 * now, not at sign-in: a revoked key, a removed member, a member without console sign-in (no
 * email or password) or with a new password ends it; a changed role applies at once.
 */
export async function sessionFor(deps: Pick<Deps, "db" | "clock">, token: string): Promise<Session | null> {
  if (!token.startsWith(SESSION_PREFIX)) return null;
  const row = await deps.db.orm
    .select({
      id: consoleSessions.id,
      tenantId: consoleSessions.tenantId,
      keyId: consoleSessions.keyId,
      staffId: consoleSessions.staffId,
      credential: consoleSessions.credential,
      csrf: consoleSessions.csrf,
      keyScope: apiKeys.scope,
      keyRevokedAt: apiKeys.revokedAt,
      role: staff.role,
      email: staff.email,
      passwordHash: staff.passwordHash,
    })
    .from(consoleSessions)
    .leftJoin(apiKeys, and(eq(apiKeys.id, consoleSessions.keyId), eq(apiKeys.tenantId, consoleSessions.tenantId)))
    .leftJoin(staff, and(eq(staff.id, consoleSessions.staffId), eq(staff.tenantId, consoleSessions.tenantId)))
    .where(and(eq(consoleSessions.hash, tokenHash(token)), gt(consoleSessions.expiresAt, deps.clock.now().getTime())))
    .get();
  if (!row) return null;
  let scope: Scope;
  if (row.keyId) {
    if (!row.keyScope || row.keyRevokedAt !== null) return null;
    scope = row.keyScope;
  } else if (row.staffId) {
    if (!row.role || !row.email || !row.passwordHash || !row.credential) return null;
    if (row.credential !== (await credentialOf(row.passwordHash))) return null;
    scope = ROLE_SCOPE[row.role];
  } else {
    return null;
  }
  return { tenantId: row.tenantId, keyId: row.keyId ?? row.id, scope, csrf: row.csrf, staffId: row.staffId, token };
}

export async function signOut(deps: Pick<Deps, "db">, token: string): Promise<void> {
  await deps.db.batch([deps.db.orm.delete(consoleSessions).where(eq(consoleSessions.hash, tokenHash(token)))]);
}
