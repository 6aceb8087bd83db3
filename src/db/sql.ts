import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { sqlLiteral } from "./literal";

/** Lists this short are written into the statement; longer ones are bound as one JSON value. */
const INLINE_MAX = 32;

/**
 * `column IN (values)`. A short list of plain values is written as literals: SQLite then tests
 * it with no subquery at all, and the planner can use an index on the column (a filter on tier
 * or consent is the common case). Any other list is bound as one JSON parameter, so any number
 * of values costs one bind (D1 allows 100 per statement) and still uses the column's index.
 */
export function inList(column: SQLWrapper, values: readonly (string | number)[]): SQL {
  if (values.length > 0 && values.length <= INLINE_MAX && values.every(inlinable)) {
    return sql`${column} in (${sql.raw(values.map(sqlLiteral).join(","))})`;
  }
  return sql`${column} in (select value from json_each(${JSON.stringify(values)}))`;
}

function inlinable(v: string | number): boolean {
  if (typeof v === "number") return Number.isFinite(v);
  // SQLite string literals have one escape (a doubled quote); anything unusual is bound instead.
  if (v.length > 200) return false;
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) < 0x20) return false;
  return true;
}

/**
 * `tenant_id = value` kept out of index choice, for lookups by primary key from a bound list:
 * without statistics SQLite would rather scan the whole workspace through an index led by
 * tenant_id than probe the key once per listed value. Still a filter on every row read.
 */
export function tenantFilter(column: SQLWrapper, value: unknown): SQL {
  return sql`+${column} = ${value}`;
}

/**
 * For raw list queries: `<alias>tenant_id = ?` and `<alias>column = ?` for each filter that is
 * given, with the parameters in order.
 */
export function rawFilters(tenantId: string, filters: Record<string, unknown>, alias = "") {
  const where = [`${alias}tenant_id = ?`];
  const params: unknown[] = [tenantId];
  for (const [column, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    where.push(`${alias}${column} = ?`);
    params.push(value);
  }
  return { where, params };
}
