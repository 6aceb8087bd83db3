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

const BUSY_TIMEOUT_MS = 5000;
const MAX_BUSY_RETRIES = 1000;
// A yielding connection waits at most this long for the other to take its turn.
const YIELD_MAX_MS = 50;

export type NodeDatabase = Database & {
  sqlite: BetterSqlite3.Database;
  /** 1 while grouped writes wait for the lock (see openDatabase's `yieldTo`). */
  writeWanted: Int32Array;
  close(): void;
};

/**
 * Opens (creating if needed) a SQLite file, or ":memory:", in WAL mode with foreign keys on.
 * `yieldTo` is another connection's `writeWanted` (shared memory): while that connection has
 * grouped writes waiting for the lock (webhooks), this one holds back its next write. The jobs
 * thread's connection yields to the HTTP thread's this way.
 */
export function openDatabase(path: string, yieldTo?: Int32Array): NodeDatabase {
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  // 16 KiB pages for a new database (an existing one keeps its size): bulk writes (planning a
  // broadcast, importing, dispatching) touch a quarter as many pages, 15-25 % faster in bench/.
  sqlite.pragma("page_size = 16384");
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  // After a bulk write (an import, a broadcast) the WAL file shrinks back to 64 MiB once checkpointed.
  sqlite.pragma("journal_size_limit = 67108864");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // 8 MiB of pages (the default is 2): the file's pages are in the OS's cache anyway, and bench/
  // measures no difference from 64 MiB (segment counts, planning, dispatch, imports) except
  // in memory, 60 MB less at the peak of an import.
  sqlite.pragma("cache_size = -8192");
  const prepare = statementCache(sqlite, STATEMENT_CACHE_SIZE);
  // drizzle prepares every query it runs; on a hot path (a webhook, a dispatch batch) compiling
  // the same SQL again costs more than running it. drizzle switches a statement to array rows
  // with raw() and never back, so a statement handed out again starts in object mode.
  const client = {
    prepare(sql: string) {
      const stmt = prepare(sql);
      if (stmt.reader) stmt.raw(false);
      return stmt;
    },
    transaction: sqlite.transaction.bind(sqlite),
  } as unknown as BetterSqlite3.Database;
  const orm = drizzle(client, { schema });
  const runAll = sqlite.transaction((statements: Iterable<Statement>) => {
    // A bulk write repeats one text many times over: look it up once per run of the same text.
    let text = "";
    let stmt: BetterSqlite3.Statement | null = null;
    for (const s of statements) {
      if (isRaw(s)) {
        if (s.sql !== text || !stmt) {
          stmt = prepare(s.sql);
          text = s.sql;
        }
        stmt.run(s.params);
      } else (s as unknown as { run(): unknown }).run();
    }
  });
  // SQLite has no queue for its write lock: a writer that starts its next transaction at once
  // could keep the HTTP thread's webhooks waiting for as long as it has work.
  const yieldFirst = yieldTo
    ? () => {
        if (Atomics.load(yieldTo, 0) === 1) Atomics.wait(yieldTo, 0, 1, YIELD_MAX_MS);
      }
    : () => {};
  const run = (statements: Iterable<Statement>) => {
    yieldFirst();
    try {
      runAll(statements);
    } catch (e) {
      // A unique index caught what a check before the write missed (two requests at once).
      if (e instanceof BetterSqlite3.SqliteError && /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test(e.code)) {
        throw ConflictError.alreadyExists(e.message);
      }
      throw e;
    }
  };
  // Group commit: a commit costs a WAL write whatever its size, so the writes handed over in one
  // turn of the event loop (every webhook whose bytes arrived together) share one. If the
  // shared transaction fails, each caller's statements run again alone, so only the culprit fails.
  // While another connection (the jobs thread) holds the write lock, the group waits on a timer
  // instead of in SQLite's busy handler, which would sleep the whole event loop.
  let group: { statements: Statement[]; resolve(): void; reject(e: unknown): void }[] = [];
  let scheduled = false;
  let busyRetries = 0;
  // (A pragma takes effect when compiled, so a prepared one would not set it again.)
  const runAllNow = (statements: Statement[]) => {
    sqlite.pragma("busy_timeout = 0");
    try {
      runAll.immediate(statements);
    } finally {
      sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  };
  const writeWanted = new Int32Array(new SharedArrayBuffer(4));
  const wanted = (on: boolean) => {
    if ((Atomics.load(writeWanted, 0) === 1) === on) return;
    Atomics.store(writeWanted, 0, on ? 1 : 0);
    if (!on) Atomics.notify(writeWanted, 0);
  };
  const commitGroup = () => {
    scheduled = false;
    const items = group;
    group = [];
    const statements = items.flatMap((i) => i.statements);
    try {
      // After a second of waiting, wait in SQLite instead: the lock is never free between timers.
      if (busyRetries < MAX_BUSY_RETRIES) runAllNow(statements);
      else runAll.immediate(statements);
      wanted(false);
      busyRetries = 0;
      for (const i of items) i.resolve();
    } catch (e) {
      // Locked: again on a timer. Still locked after waiting in SQLite too: each caller gets
      // the error below (a webhook answers 5xx and the provider retries).
      if (
        e instanceof BetterSqlite3.SqliteError &&
        e.code.startsWith("SQLITE_BUSY") &&
        busyRetries < MAX_BUSY_RETRIES
      ) {
        busyRetries++;
        wanted(true);
        group = [...items, ...group];
        scheduled = true;
        setTimeout(commitGroup, 1);
        return;
      }
      wanted(false);
      busyRetries = 0;
      for (const i of items) {
        try {
          run(i.statements);
          i.resolve();
        } catch (e) {
          i.reject(e);
        }
      }
    }
  };
  return {
    sqlite,
    orm,
    writeWanted,
    async batch(statements) {
      // (A generator's first statement is not looked for: an empty transaction costs little.)
      if (!Array.isArray(statements) || statements.length > 0) run(statements);
    },
    batchGrouped(statements) {
      if (statements.length === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        if (!scheduled) {
          scheduled = true;
          setImmediate(commitGroup);
        }
        group.push({ statements, resolve, reject });
      });
    },
    async rawAll<T>(sql: string, params: unknown[]) {
      // Some are writes (a claim: UPDATE ... RETURNING).
      yieldFirst();
      return prepare(sql).all(...(params as unknown[])) as T[];
    },
    async rawRows(sql: string, params: unknown[]) {
      yieldFirst();
      // The statement is shared through the cache: back in object mode for whoever asks next.
      const stmt = prepare(sql);
      stmt.raw(true);
      try {
        return stmt.all(...(params as unknown[])) as unknown[][];
      } finally {
        stmt.raw(false);
      }
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}

// Distinct statement texts a connection keeps compiled. Texts with inlined lists vary, so the
// cache is bounded: the least recently used statement is dropped (finalised by the GC).
const STATEMENT_CACHE_SIZE = 1000;

export function statementCache(sqlite: BetterSqlite3.Database, max: number) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return (sql: string): BetterSqlite3.Statement => {
    let stmt = cache.get(sql);
    if (stmt) {
      cache.delete(sql);
    } else {
      stmt = sqlite.prepare(sql);
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    }
    cache.set(sql, stmt);
    return stmt;
  };
}

export function migrateDatabase(db: NodeDatabase): void {
  migrate(db.orm as Parameters<typeof migrate>[0], { migrationsFolder: MIGRATIONS_DIR });
}
