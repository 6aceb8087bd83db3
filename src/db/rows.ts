// A page of whole rows read as arrays and decoded column by column. drizzle maps each value of
// each row through a chain of type checks (mapResultRow): on a page of 50 messages, a tenth of
// the request. The query's columns come from `select()` of one table, in the table's order.

import { type Column, getTableColumns, type InferSelectModel, type Table } from "drizzle-orm";
import type { Database } from "./client";

type Reader = { keys: string[]; columns: Column[] };
const readers = new WeakMap<Table, Reader>();

function readerOf(table: Table): Reader {
  let r = readers.get(table);
  if (!r) {
    const entries = Object.entries(getTableColumns(table));
    r = { keys: entries.map(([k]) => k), columns: entries.map(([, c]) => c) };
    readers.set(table, r);
  }
  return r;
}

/** Runs `select().from(table)...` (its SQL and values) and returns the rows as drizzle would. */
export async function wholeRows<T extends Table>(
  db: Database,
  table: T,
  query: { toSQL(): { sql: string; params: unknown[] } },
): Promise<InferSelectModel<T>[]> {
  const { sql, params } = query.toSQL();
  const { keys, columns } = readerOf(table);
  const rows = await db.rawRows(sql, params);
  // A query that names its own columns would be decoded against the wrong ones.
  if (rows[0] && rows[0].length !== keys.length) {
    throw new Error(`wholeRows: ${rows[0].length} columns read where the table has ${keys.length}`);
  }
  return rows.map((values) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const v = values[i];
      row[keys[i] as string] = v === null || v === undefined ? null : (columns[i] as Column).mapFromDriverValue(v);
    }
    return row as InferSelectModel<T>;
  });
}
