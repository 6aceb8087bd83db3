// A value written into SQL text rather than bound, for the few statements that gain from it
// (short IN lists, what an import's rows share). Plain module: the import's parse thread uses
// it without loading drizzle.

/** A SQLite literal: a number as written, a string quoted with its quotes doubled. */
export function sqlLiteral(v: string | number): string {
  return typeof v === "number" ? String(v) : `'${v.replaceAll("'", "''")}'`;
}
