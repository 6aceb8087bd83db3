// The parse stage of an import: CSV bytes to checked rows, each also prepared as a new customer.
// None of it needs the database, and it is most of an import's work outside SQLite (the CSV,
// libphonenumber, the field rules), so on Node it runs on a thread of its own
// (src/node/import-parser.ts) while this thread looks rows up and writes them; elsewhere
// (Workers) this same code runs inline.
//
// What the stage decides is final: cell errors, and a phone or external id repeating an earlier
// row's. Whether a row is new is the writer's to find out: most are, in a large import, and
// take the values prepared here with an id and the times filled in; a row that matches a stored
// customer (or whose phone once opted out) is prepared again there, from its cells.

import { csvRows } from "../lib/csv";
import { FirstSeen } from "../lib/first-seen";
import { normalizePhone, type PhoneResult } from "../lib/phone";
import { headerChunk, type NewAttribute, pack, type RowChunk, type StagedRow } from "./import-chunk";
import { type Column, columnNamer, mapHeader, rowInput } from "./import-columns";
import { emptyRow, envFromRules, type PrepareEnv, type PrepareRules, prepareCustomer } from "./model";
import { type SharedValues, shippedValues } from "./row-values";

/**
 * Rows per chunk, at most. A row's objects live until its chunk is packed: with fewer rows to a
 * chunk, fewer survive each of the parse thread's (small, frequent) young-generation collections,
 * which copy whatever is alive. 200 rather than a read's worth (500 rows in bench/) takes about
 * 7 % off the thread's CPU time; a chunk is one message, so much smaller costs in messages.
 */
const ROWS_PER_CHUNK = 200;

/** Turns a CSV byte stream into checked rows. Throws CsvSyntaxError for a broken file. */
export type ParseStage = (body: ReadableStream<Uint8Array>, rules: PrepareRules) => AsyncIterable<RowChunk>;

export const parseInline: ParseStage = async function* (body, rules) {
  let check: Checker | null = null;
  for await (const rows of csvRows(body)) {
    let i = 0;
    if (!check) {
      const header = rows[0];
      if (!header) continue;
      yield headerChunk(header.cells);
      const columns = headerColumns(header.cells);
      // A header the import refuses ends the import there.
      if (!columns) return;
      check = checker(columns, rules);
      i = 1;
    }
    while (i < rows.length) {
      const end = Math.min(rows.length, i + ROWS_PER_CHUNK);
      const newAttributes: NewAttribute[] = [];
      const out: StagedRow[] = new Array(end - i);
      for (let o = 0; i < end; i++, o++) {
        const row = rows[i] as { line: number; cells: string[] };
        out[o] = check(row.line, row.cells, newAttributes);
      }
      yield pack(out, newAttributes);
    }
  }
};

/** The rules as an import applies them, here and where the writer prepares a row again. */
export function importEnv(rules: PrepareRules, o: { now: Date; phone: (raw: string) => PhoneResult }): PrepareEnv {
  return { ...envFromRules(rules, { consentSource: "import", ...o }), textInput: true };
}

/** What every new row of an import shares (its shipped values leave it out; the insert's text has it). */
export function importShared(rules: PrepareRules): SharedValues {
  return { tenantId: rules.tenantId, locale: rules.defaultLocale, timeZone: rules.defaultTimeZone, source: "import" };
}

function headerColumns(cells: string[]): Column[] | null {
  try {
    return mapHeader(cells);
  } catch {
    return null;
  }
}

/** Checks one data row; attribute types its preparation inferred go to `newAttributes`. */
type Checker = (line: number, cells: string[], newAttributes: NewAttribute[]) => StagedRow;

/** Checks and prepares one data row after another, remembering phones and external ids seen. */
function checker(columns: Column[], rules: PrepareRules): Checker {
  const seenPhones = new FirstSeen();
  const seenExternal = new FirstSeen();
  const columnOf = columnNamer(columns);
  let phone: PhoneResult | undefined;
  // The clock and opt-outs are the writer's: times are filled in there, opt-outs looked up there.
  const env = importEnv(rules, { now: new Date(0), phone: () => phone as PhoneResult });
  // Preparing a row that is taken infers the type of each attribute it has not seen (a refused
  // row defines nothing): the types appended to the map since the last row are the new ones.
  let known = env.attributeTypes.size;
  const shared = importShared(rules);
  return (line, cells, newAttributes) => {
    const { input, errors } = rowInput(columns, cells);
    if (errors.length > 0) return { line, cells, rejected: errors };
    const row: StagedRow = { line, cells };
    phone = undefined;
    if (input.phone) {
      phone = normalizePhone(input.phone, rules.defaultCountry);
      row.phone = phone;
      if (phone.ok) {
        const first = seenPhones.add(phone.e164, line);
        if (first !== undefined) {
          const reason = `duplicate phone ${phone.e164}: already on line ${first}`;
          const why = { code: "duplicate", value: input.phone, first_line: first };
          return { line, cells, rejected: [{ column: columnOf("phone"), reason, ...why }] };
        }
      }
    }
    if (input.external_id) {
      const first = seenExternal.add(input.external_id, line);
      if (first !== undefined) {
        const reason = `duplicate external id ${input.external_id}: already on line ${first}`;
        const why = { code: "duplicate", value: input.external_id, first_line: first };
        return { line, cells, rejected: [{ column: columnOf("external_id"), reason, ...why }] };
      }
      row.externalId = input.external_id;
    }
    const prepared = prepareCustomer(input, emptyRow("", env, "import"), true, env);
    if (prepared.ok) {
      row.values = shippedValues(prepared.value.row, shared);
      if (prepared.value.consent) row.consent = prepared.value.consent;
    }
    if (env.attributeTypes.size > known) {
      for (const [key, type] of [...env.attributeTypes].slice(known)) newAttributes.push({ key, type });
      known = env.attributeTypes.size;
    }
    return row;
  };
}
