// The parse stage of an import: CSV bytes to rows, with each row's phone already normalised.
// Parsing and phone validation are about a third of an import's work and need no database, so on
// Node they run on a thread of their own (src/node/import-parser.ts) while this thread writes;
// elsewhere (Workers) this same code runs inline.

import type { CountryCode } from "libphonenumber-js";
import { csvRows } from "../lib/csv";
import { normalizePhone, type PhoneResult } from "../lib/phone";
import { phoneColumn } from "./import-columns";

/** A CSV row; `phone` is its phone cell, trimmed and normalised (absent when the cell is empty). */
export type ParsedRow = { line: number; cells: string[]; phone?: PhoneResult };

/**
 * Turns a CSV byte stream into batches of rows, the header row first. Throws CsvSyntaxError
 * for a broken file.
 */
export type ParseStage = (body: ReadableStream<Uint8Array>, country: CountryCode) => AsyncIterable<ParsedRow[]>;

export const parseInline: ParseStage = async function* (body, country) {
  let phoneAt: number | null = null;
  for await (const rows of csvRows(body)) {
    for (const row of rows) {
      if (phoneAt === null) {
        phoneAt = phoneColumn(row.cells);
        continue;
      }
      withPhone(row, phoneAt, country);
    }
    yield rows;
  }
};

/** Adds the normalised phone to a data row (the cell read as rowInput reads it). */
function withPhone(row: ParsedRow, phoneAt: number, country: CountryCode): void {
  if (phoneAt < 0) return;
  const raw = (row.cells[phoneAt] ?? "").trim();
  if (raw !== "") row.phone = normalizePhone(raw, country);
}
