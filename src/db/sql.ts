import { type SQL, type SQLWrapper, sql } from "drizzle-orm";

/**
 * `column IN (values)` with the whole list bound as one JSON parameter: any number of values
 * costs one bind (D1 allows 100 per statement) and SQLite still uses the column's index.
 */
export function inList(column: SQLWrapper, values: readonly (string | number)[]): SQL {
  return sql`${column} in (select value from json_each(${JSON.stringify(values)}))`;
}
