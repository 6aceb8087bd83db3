// The database as the shared code sees it: a drizzle handle that works the same on
// better-sqlite3 (sync, awaited anyway) and D1 (async), plus one way to write atomically.
import type { BatchItem } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { Schema } from "./schema";

// biome-ignore lint/suspicious/noExplicitAny: the run-result type differs per driver
export type Orm = BaseSQLiteDatabase<"sync" | "async", any, Schema>;

/** A plain SQL statement for bulk paths, where building each row through drizzle costs too much. */
export type RawStatement = { sql: string; params: unknown[] };

export type Statement = BatchItem<"sqlite"> | RawStatement;

export interface Database {
  orm: Orm;
  /**
   * Runs the statements in order as one atomic unit: all of them or none
   * (a sync transaction on better-sqlite3, db.batch on D1). There are no interactive
   * transactions: compute everything first, then hand over the list. The list may be a
   * generator that makes each statement as it is asked for (a bulk write's rows): on
   * better-sqlite3 each runs as soon as it is made, and is garbage before the next; D1
   * collects them first. A generator must read nothing from the database.
   */
  batch(statements: Iterable<Statement>): Promise<void>;
  /**
   * Like batch, for small writes that arrive many at a time (a webhook each): the runtime may
   * commit the writes handed over at about the same moment as one transaction (group commit).
   * Each caller's statements stay all-or-nothing, a failing caller fails alone, and the promise
   * settles only once its own statements are committed.
   */
  batchGrouped(statements: Statement[]): Promise<void>;
  /**
   * Runs one raw statement and returns its rows as objects: a read, or a single atomic write
   * that returns rows (UPDATE ... RETURNING, used to claim messages).
   */
  rawAll<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]>;
  /**
   * Like rawAll, with each row as an array of its values in the order the statement selects
   * them: for hot paths reading thousands of wide rows, where making each an object with
   * named properties costs as much again as reading it. Name the columns (never `*`).
   */
  rawRows(sql: string, params: unknown[]): Promise<unknown[][]>;
}

export function isRaw(s: Statement): s is RawStatement {
  return typeof (s as RawStatement).sql === "string" && Array.isArray((s as RawStatement).params);
}
