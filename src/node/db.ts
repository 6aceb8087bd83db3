import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import type { Database, Statement } from "../db/client";
import { isRaw } from "../db/client";
import { schema } from "../db/schema";
import { ConflictError } from "../lib/errors";

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../migrations");

export type NodeDatabase = Database & { sqlite: BetterSqlite3.Database; close(): void };

/** Opens (creating if needed) a SQLite file, or ":memory:", in WAL mode with foreign keys on. */
export function openDatabase(path: string): NodeDatabase {
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  sqlite.pragma("cache_size = -65536");
  const orm = drizzle(sqlite, { schema });
  const prepared = new Map<string, BetterSqlite3.Statement>();
  const prepare = (sql: string) => {
    let stmt = prepared.get(sql);
    if (!stmt) {
      stmt = sqlite.prepare(sql);
      prepared.set(sql, stmt);
    }
    return stmt;
  };
  const runAll = sqlite.transaction((statements: Statement[]) => {
    for (const s of statements) {
      if (isRaw(s)) prepare(s.sql).run(...(s.params as unknown[]));
      else (s as unknown as { run(): unknown }).run();
    }
  });
  return {
    sqlite,
    orm,
    async batch(statements) {
      if (statements.length === 0) return;
      try {
        runAll(statements);
      } catch (e) {
        // A unique index caught what a check before the write missed (two requests at once).
        if (e instanceof BetterSqlite3.SqliteError && /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(e.code)) {
          throw ConflictError.alreadyExists(e.message);
        }
        throw e;
      }
    },
    async rawAll<T>(sql: string, params: unknown[]) {
      return prepare(sql).all(...(params as unknown[])) as T[];
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}

export function migrateDatabase(db: NodeDatabase): void {
  migrate(db.orm as Parameters<typeof migrate>[0], { migrationsFolder: MIGRATIONS_DIR });
}
