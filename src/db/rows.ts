// Rows read as arrays and decoded column by column. drizzle maps each value of each row through
// a chain of type checks (mapResultRow): on a page of 50 messages, a tenth of the request.

import { type Column, getTableColumns, type InferSelectModel, type Table } from "drizzle-orm";
import type { Database } from "./client";

/**
 * Some of a table's columns, by their properties: the SQL list of their names (`columns`, in
 * the order given) and a decoder of a row read as an array of them (`read`), each value as
 * drizzle would give it (JSON parsed, booleans as booleans, null as null).
 */
export function columnsReader<T extends Table, K extends keyof InferSelectModel<T> & string>(
  table: T,
  keys: readonly K[],
) {
  const all = getTableColumns(table) as Record<string, Column>;
  const columns = keys.map((k) => all[k] as Column);
  return {
    columns: columns.map((c) => c.name).join(", "),
    count: keys.length,
    read(values: unknown[]): Pick<InferSelectModel<T>, K> {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const v = values[i];
        row[keys[i] as string] = v === null || v === undefined ? null : (columns[i] as Column).mapFromDriverValue(v);
      }
      return row as Pick<InferSelectModel<T>, K>;
    },
  };
}

const whole = new WeakMap<Table, ReturnType<typeof columnsReader>>();

/**
 * Runs `select().from(table)...` (its SQL and values) and returns the rows as drizzle would. The
 * query's columns come from `select()` of one table, in the table's order.
 */
export async function wholeRows<T extends Table>(
  db: Database,
  table: T,
  query: { toSQL(): { sql: string; params: unknown[] } },
): Promise<InferSelectModel<T>[]> {
  const { sql, params } = query.toSQL();
  let reader = whole.get(table);
  if (!reader) {
    reader = columnsReader(table as Table, Object.keys(getTableColumns(table)) as never[]);
    whole.set(table, reader);
  }
  const rows = await db.rawRows(sql, params);
  // A query that names its own columns would be decoded against the wrong ones.
  if (rows[0] && rows[0].length !== reader.count) {
    throw new Error(`wholeRows: ${rows[0].length} columns read where the table has ${reader.count}`);
  }
  const r = reader;
  return rows.map((values) => r.read(values) as InferSelectModel<T>);
}
