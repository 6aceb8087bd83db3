// drizzle builds a query's SQL text (columns, conditions, tracing) on every call: on a hot path
// that costs more than SQLite takes to run the lookup (~50 µs against ~5). A hot query is built
// once per database, with placeholders for its values, and run again with new values.

import type { Database, Orm } from "./client";

const built = new WeakMap<Database, Map<string, unknown>>();

/** The query `build` makes, built once per database under `name`. */
export function prepared<T>(db: Database, name: string, build: (orm: Orm) => T): T {
  let queries = built.get(db);
  if (!queries) {
    queries = new Map();
    built.set(db, queries);
  }
  let q = queries.get(name) as T | undefined;
  if (q === undefined) {
    q = build(db.orm);
    queries.set(name, q);
  }
  return q;
}
