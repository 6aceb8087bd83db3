// Checked rows as the parse stage hands them over: packed into a few strings and typed arrays,
// whatever the row count. Posted between threads, a chunk is one structured clone of a few
// values instead of tens of thousands; held by the writer until its batch is written, it is a
// few objects for the garbage collector to copy instead of tens of thousands (rows held as
// objects were most of what each of the writing thread's collections copied). Rows become
// objects one batch at a time, just before they are written.

import type { AttributeType } from "../db/schema";
import type { PhoneProblem, PhoneResult } from "../lib/phone";
import type { ImportProblem } from "./import-columns";
import type { ConsentState } from "./model";

export type StagedRow = {
  line: number;
  cells: string[];
  /** The phone, normalised (absent when the row has none). */
  phone?: PhoneResult;
  externalId?: string;
  /** Why the row is rejected; such a row has nothing else. */
  rejected?: ImportProblem[];
  /** Its values as a new customer (row-values.ts, without id or times), if it is valid as one. */
  values?: unknown[];
  /** The consent it was imported with, if any (with `values`). */
  consent?: { state: ConsentState; evidence: string | null };
};

export type NewAttribute = { key: string; type: AttributeType };

/** Rows in file order (the header comes first, alone), and attribute types seen first in them. */
export type RowChunk = {
  header?: string[];
  lines: Int32Array;
  /** Per row: PHONE_OK, PHONE_BAD, EXTERNAL, REJECTED, VALUES bits. */
  flags: Uint8Array;
  /** Cells per row. */
  widths: Int32Array;
  /**
   * Every row's texts, one after another: its cells, then its phone (the e164, or why it is
   * invalid) and its external id (empty when absent); `ends` says where each text ends.
   */
  text: string;
  ends: Int32Array;
  /** JSON: per row, its values or null. */
  values: string;
  rejected: { row: number; errors: NonNullable<StagedRow["rejected"]> }[];
  consents: { row: number; consent: NonNullable<StagedRow["consent"]> }[];
  newAttributes: NewAttribute[];
};

const PHONE_OK = 1;
const PHONE_BAD = 2;
const EXTERNAL = 4;
const REJECTED = 8;
const VALUES = 16;

export function headerChunk(header: string[]): RowChunk {
  return { ...pack([], []), header };
}

export function pack(rows: StagedRow[], newAttributes: NewAttribute[]): RowChunk {
  const n = rows.length;
  let slots = 0;
  for (const r of rows) slots += r.cells.length + 2;
  const texts: string[] = new Array(slots);
  const ends = new Int32Array(slots);
  const chunk: RowChunk = {
    lines: new Int32Array(n),
    flags: new Uint8Array(n),
    widths: new Int32Array(n),
    text: "",
    ends,
    values: "",
    rejected: [],
    consents: [],
    newAttributes,
  };
  const values: (unknown[] | null)[] = new Array(n);
  let s = 0;
  let end = 0;
  const put = (text: string) => {
    texts[s] = text;
    end += text.length;
    ends[s++] = end;
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i] as StagedRow;
    chunk.lines[i] = r.line;
    chunk.widths[i] = r.cells.length;
    for (const cell of r.cells) put(cell);
    let flags = 0;
    if (r.phone) flags |= r.phone.ok ? PHONE_OK : PHONE_BAD;
    // A refused phone keeps its problem word before its sentence: "too_short:is too short".
    put(r.phone ? (r.phone.ok ? r.phone.e164 : `${r.phone.problem}:${r.phone.reason}`) : "");
    if (r.externalId !== undefined) flags |= EXTERNAL;
    put(r.externalId ?? "");
    if (r.rejected) {
      flags |= REJECTED;
      chunk.rejected.push({ row: i, errors: r.rejected });
    }
    if (r.values) flags |= VALUES;
    chunk.flags[i] = flags;
    values[i] = r.values ?? null;
    if (r.consent) chunk.consents.push({ row: i, consent: r.consent });
  }
  chunk.text = texts.join("");
  chunk.values = JSON.stringify(values);
  return chunk;
}

/** Whether row i has values as a new customer (without parsing them). */
export function hasValues(chunk: RowChunk, i: number): boolean {
  return ((chunk.flags[i] as number) & VALUES) !== 0;
}

export function isRejected(chunk: RowChunk, i: number): boolean {
  return ((chunk.flags[i] as number) & REJECTED) !== 0;
}

type Reader = {
  firstSlot: Int32Array;
  rejected: Map<number, NonNullable<StagedRow["rejected"]>>;
  consents: Map<number, NonNullable<StagedRow["consent"]>>;
};

/** Where each row's texts start, worked out once per chunk as it is read. */
const readers = new WeakMap<RowChunk, Reader>();

function reader(chunk: RowChunk) {
  let r = readers.get(chunk);
  if (!r) {
    const firstSlot = new Int32Array(chunk.lines.length);
    let s = 0;
    for (let i = 0; i < firstSlot.length; i++) {
      firstSlot[i] = s;
      s += (chunk.widths[i] as number) + 2;
    }
    r = {
      firstSlot,
      rejected: new Map(chunk.rejected.map((x) => [x.row, x.errors])),
      consents: new Map(chunk.consents.map((x) => [x.row, x.consent])),
    };
    readers.set(chunk, r);
  }
  return r;
}

function slot(chunk: RowChunk, s: number): string {
  return chunk.text.slice(s === 0 ? 0 : (chunk.ends[s - 1] as number), chunk.ends[s] as number);
}

/** Row i's cells (the writer reads them only for a row it prepares again). */
export function cellsAt(chunk: RowChunk, i: number): string[] {
  const first = reader(chunk).firstSlot[i] as number;
  const cells: string[] = new Array(chunk.widths[i] as number);
  for (let k = 0; k < cells.length; k++) cells[k] = slot(chunk, first + k);
  return cells;
}

/** Every row's values, or null (parsed anew on each call: held only as long as the caller needs them). */
export function allValues(chunk: RowChunk): (unknown[] | null)[] {
  return JSON.parse(chunk.values) as (unknown[] | null)[];
}

/** Row i as the writer first needs it: its line, phone and external id, to look it up. */
export function keysAt(chunk: RowChunk, i: number): Pick<StagedRow, "line" | "phone" | "externalId"> {
  const first = reader(chunk).firstSlot[i] as number;
  const width = chunk.widths[i] as number;
  const row: Pick<StagedRow, "line" | "phone" | "externalId"> = { line: chunk.lines[i] as number };
  const flags = chunk.flags[i] as number;
  if (flags & PHONE_OK) row.phone = { ok: true, e164: slot(chunk, first + width) };
  else if (flags & PHONE_BAD) {
    const stored = slot(chunk, first + width);
    const colon = stored.indexOf(":");
    row.phone = { ok: false, problem: stored.slice(0, colon) as PhoneProblem, reason: stored.slice(colon + 1) };
  }
  if (flags & EXTERNAL) row.externalId = slot(chunk, first + width + 1);
  return row;
}

/** The consent row i was imported with, if any. */
export function consentAt(chunk: RowChunk, i: number): StagedRow["consent"] {
  return reader(chunk).consents.get(i);
}

/** Row i of the chunk as one object (what the stage made of it). */
export function rowAt(chunk: RowChunk, i: number): StagedRow {
  const row: StagedRow = { ...keysAt(chunk, i), cells: cellsAt(chunk, i) };
  const errors = reader(chunk).rejected.get(i);
  if (errors) row.rejected = errors;
  const values = allValues(chunk)[i];
  if (values) row.values = values;
  const consent = consentAt(chunk, i);
  if (consent) row.consent = consent;
  return row;
}
