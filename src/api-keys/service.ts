import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { AuthInfo, Scope } from "../auth/scope";
import type { Ctx } from "../context";
import type { Database, Statement } from "../db/client";
import { prepared } from "../db/prepared";
import { apiKeys } from "../db/schema";
import type { Clock } from "../lib/clock";
import { randomToken, tokenHash } from "../lib/crypto";
import { NotFoundError } from "../lib/errors";
import type { IdGenerator } from "../lib/ids";

// Key text: tid_<8-char prefix>_<32-char secret>. Only the SHA-256 of the whole text is stored;
// the prefix is kept in clear so an operator can tell keys apart.
const KEY_PATTERN = /^tid_([A-Za-z0-9]{8})_([A-Za-z0-9]{32})$/;

export type ApiKeyView = {
  id: string;
  name: string;
  prefix: string;
  scope: Scope;
  created_at: string;
  revoked_at: string | null;
};

function toView(row: typeof apiKeys.$inferSelect): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scope: row.scope,
    created_at: new Date(row.createdAt).toISOString(),
    revoked_at: row.revokedAt === null ? null : new Date(row.revokedAt).toISOString(),
  };
}

export async function createKeyStatements(
  deps: { db: Database; clock: Clock; ids: IdGenerator },
  tenantId: string,
  input: { name: string; scope: Scope },
): Promise<{ key: string; view: ApiKeyView; statements: Statement[] }> {
  const prefix = `tid_${randomToken(8)}`;
  const key = `${prefix}_${randomToken(32)}`;
  const row = {
    id: deps.ids.next("key"),
    tenantId,
    name: input.name,
    prefix,
    hash: tokenHash(key),
    scope: input.scope,
    createdAt: deps.clock.now().getTime(),
    revokedAt: null,
  };
  return { key, view: toView(row), statements: [deps.db.orm.insert(apiKeys).values(row)] };
}

export async function createKey(ctx: Ctx, input: { name: string; scope: Scope }) {
  const { key, view, statements } = await createKeyStatements(ctx, ctx.tenantId, input);
  await ctx.db.batch(statements);
  return { ...view, key };
}

export async function listKeys(ctx: Ctx): Promise<ApiKeyView[]> {
  const rows = await ctx.db.orm
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.tenantId, ctx.tenantId))
    .orderBy(desc(apiKeys.createdAt))
    .all();
  return rows.map(toView);
}

export async function revokeKey(ctx: Ctx, id: string): Promise<ApiKeyView> {
  const row = await ctx.db.orm
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, id)))
    .get();
  if (!row) throw new NotFoundError("api key", id);
  if (row.revokedAt === null) {
    const at = ctx.clock.now().getTime();
    await ctx.db.batch([
      ctx.db.orm
        .update(apiKeys)
        .set({ revokedAt: at })
        .where(and(eq(apiKeys.tenantId, ctx.tenantId), eq(apiKeys.id, id))),
    ]);
    return toView({ ...row, revokedAt: at });
  }
  return toView(row);
}

/** The tenant and scope a key text grants, or null for a malformed, unknown or revoked key. */
export async function authenticate(db: Database, key: string): Promise<AuthInfo | null> {
  if (!KEY_PATTERN.test(key)) return null;
  // Every API request asks: built once, as other hot lookups (db/prepared.ts).
  const row = await prepared(db, "apiKeyByHash", (orm) =>
    orm
      .select({ id: apiKeys.id, tenantId: apiKeys.tenantId, scope: apiKeys.scope })
      .from(apiKeys)
      .where(and(eq(apiKeys.hash, sql.placeholder("hash")), isNull(apiKeys.revokedAt)))
      .prepare(),
  ).get({ hash: tokenHash(key) });
  return row ? { tenantId: row.tenantId, keyId: row.id, scope: row.scope } : null;
}
