// The Database interface on Cloudflare D1: drizzle's D1 driver for queries, and D1's own batch
// (one implicit transaction: all statements or none) for atomic writes. D1 has no interactive
// transactions, which is why the shared code only ever hands over a finished list.

import { drizzle } from "drizzle-orm/d1";
import { type Database, isRaw, type RawStatement, type Statement } from "../db/client";
import { schema } from "../db/schema";
import { ConflictError } from "../lib/errors";

/** The parts of a D1 binding used here (the full type is in @cloudflare/workers-types). */
export type D1Like = {
  prepare(sql: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<unknown>;
};
type D1StatementLike = {
  bind(...values: unknown[]): D1StatementLike;
  all<T>(): Promise<{ results: T[] }>;
  raw<T>(): Promise<T[]>;
};

// D1 binds numbers, strings, null and ArrayBuffers; booleans are stored as 0 and 1 as SQLite does.
const bindable = (v: unknown) => (typeof v === "boolean" ? (v ? 1 : 0) : v === undefined ? null : v);

function toRaw(s: Statement): RawStatement {
  if (isRaw(s)) return s;
  const q = (s as unknown as { toSQL(): { sql: string; params: unknown[] } }).toSQL();
  return { sql: q.sql, params: q.params };
}

export function d1Database(d1: D1Like): Database {
  // biome-ignore lint/suspicious/noExplicitAny: drizzle's D1 driver takes the real binding type
  const orm = drizzle(d1 as any, { schema });
  const db: Database = {
    orm: orm as unknown as Database["orm"],
    // A Worker serves one request at a time per isolate as far as D1 is concerned: nothing to
    // group, and a write must not outlive the request that made it.
    batchGrouped: (statements) => db.batch(statements),
    async batch(statements) {
      const list = Array.isArray(statements) ? statements : [...statements];
      if (list.length === 0) return;
      const prepared = list.map((s) => {
        const r = toRaw(s);
        return d1.prepare(r.sql).bind(...r.params.map(bindable));
      });
      try {
        await d1.batch(prepared);
      } catch (e) {
        if (/UNIQUE constraint failed|PRIMARY KEY/i.test(String((e as Error).message))) {
          throw ConflictError.alreadyExists((e as Error).message);
        }
        throw e;
      }
    },
    async rawAll<T>(sql: string, params: unknown[]) {
      const r = await d1
        .prepare(sql)
        .bind(...params.map(bindable))
        .all<T>();
      return r.results;
    },
    async rawRows(sql: string, params: unknown[]) {
      return d1
        .prepare(sql)
        .bind(...params.map(bindable))
        .raw<unknown[]>();
    },
  };
  return db;
}
