// CSV import: a parse stage (import-parse.ts: inline, or on a thread of its own on Node) reads,
// checks and prepares the rows; here they are looked up and written in batches, each atomic.
// Re-importing the same file changes nothing (upsert by external id, then phone), so an
// interrupted import is finished by running it again.

import { nudgeDateCampaigns } from "../campaigns/nudge";
import type { Ctx } from "../context";
import type { RawStatement, Statement } from "../db/client";
import type { AttributeType, CustomerRow } from "../db/schema";
import { lastLineOf } from "../lib/csv";
import { ValidationError } from "../lib/errors";
import { type ImportStop, importStop } from "../lib/import-stop";
import { normalizePhone, type PhoneResult } from "../lib/phone";
import { iso } from "../lib/time";
import { eventStatement } from "../webhooks-out/events";
import { allValues, cellsAt, consentAt, hasValues, isRejected, keysAt, type RowChunk } from "./import-chunk";
import { type Column, columnNamer, type ImportProblem, mapHeader, rowInput } from "./import-columns";
import { importEnv, importShared, type ParseStage, parseInline } from "./import-parse";
import { emptyRow, type PrepareEnv, prepareCustomer } from "./model";
import { completeNewValues, type SharedValues } from "./row-values";
import {
  anyOptOut,
  attributeStatements,
  findExisting,
  insertStatements,
  loadPrepareRules,
  newCustomersDates,
  optedOutPhones,
  writeStatements,
} from "./store";

// Rows per atomic write. Larger batches amortise the WAL pages that index inserts at scattered
// positions (birthdays, date attributes) dirty in each commit: 10,000 rows import about 8 %
// faster than 5,000 (bench/), and, the rows being packed until written, hardly heavier.
export const BATCH = 10_000;
// The first batch is small, and each next one twice the last up to BATCH: writing starts as
// soon as the parser has the first rows ready, instead of waiting for a full batch of them
// (a fifth of a second, in which this thread had nothing to do).
export const FIRST_BATCH = 1000;
/** Rows looked up at a time within a batch. */
const LOOKUP = 1000;
const MAX_ERRORS = 1000;

export type ImportReport = {
  /** False when the file was cut short (broken or too large) after rows were stored. */
  complete: boolean;
  stopped: ImportStop | null;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: ({ line: number } & ImportProblem)[];
  errors_truncated: boolean;
  new_attributes: { key: string; type: string }[];
};

type Keys = ReturnType<typeof keysAt>;
/** A new customer to be written as the parse stage prepared it: row `index` of `chunk`, with its id. */
type NewRow = { chunk: RowChunk; index: number; id: string };

class Importer {
  readonly report: ImportReport = {
    complete: true,
    stopped: null,
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    errors: [],
    errors_truncated: false,
    new_attributes: [],
  };
  private readonly persistedAttributes: Set<string>;
  private readonly zonesWritten = new Set<string>();
  /** Rows waiting for the next batch: each is row pendingRows[k] of pendingChunks[k]. */
  private pendingChunks: RowChunk[] = [];
  private pendingRows: number[] = [];
  /** Phones of the pending batch, normalised by the parse stage, for rows prepared again here. */
  private parsedPhones = new Map<string, PhoneResult>();
  private batchSize = FIRST_BATCH;
  /** Whether a batch has been written: from then on, a file cut short is a partial import. */
  stored = false;
  /** The last line of the file read so far (where its last row ends: a quoted cell may span lines). */
  lastLine = 1;
  private readonly normalize: (raw: string) => PhoneResult;
  private readonly columnOf: (path: string) => string;

  constructor(
    private readonly ctx: Ctx,
    private readonly env: PrepareEnv,
    private readonly columns: Column[],
    /** Whether the ledger holds any opt-out at all; most imports into a new workspace skip the lookup. */
    private readonly ledgerHasOptOuts: boolean,
    /** What the stage left out of the values it prepared (importShared). */
    private readonly shared: SharedValues,
  ) {
    this.persistedAttributes = new Set(env.attributeTypes.keys());
    this.normalize = env.phone;
    env.phone = (raw) => this.parsedPhones.get(raw) ?? this.normalize(raw);
    this.columnOf = columnNamer(columns);
  }

  private reject(line: number, problem: ImportProblem) {
    if (this.report.errors.length < MAX_ERRORS) this.report.errors.push({ line, ...problem });
    else this.report.errors_truncated = true;
  }

  async add(chunk: RowChunk) {
    // Types the stage inferred, in file order: rows prepared again here must agree with it.
    for (const a of chunk.newAttributes)
      if (!this.env.attributeTypes.has(a.key)) this.env.attributeTypes.set(a.key, a.type);
    const n = chunk.lines.length;
    this.report.rows += n;
    if (n > 0) this.lastLine = lastLineOf(chunk.lines[n - 1] as number, cellsAt(chunk, n - 1));
    for (const r of chunk.rejected) {
      this.report.rejected++;
      for (const e of r.errors) this.reject(chunk.lines[r.row] as number, e);
    }
    for (let i = 0; i < n; i++) {
      if (isRejected(chunk, i)) continue;
      this.pendingChunks.push(chunk);
      this.pendingRows.push(i);
      if (this.pendingRows.length >= this.batchSize) {
        await this.flush();
        this.batchSize = Math.min(BATCH, this.batchSize * 2);
      }
    }
  }

  async flush() {
    const chunks = this.pendingChunks;
    const indexes = this.pendingRows;
    this.pendingChunks = [];
    this.pendingRows = [];
    if (indexes.length === 0) return;
    const ctx = this.ctx;
    const now = ctx.clock.now();
    this.env.now = now;
    // In row order; rows prepared again here come as statements already.
    const planned: (RawStatement | NewRow)[] = [];
    const after: RawStatement[] = [];
    const created: string[] = [];
    // Rows of this batch prepared again here and written, as they are now (by id): until the
    // batch commits, the database shows them as they were. New rows taken as the stage
    // prepared them need no place here: the stage saw to it that no later row matches one.
    const written = new Map<string, CustomerRow>();
    const phoneOf = (r: Keys) => (r.phone?.ok ? r.phone.e164 : undefined);
    // The rows this batch writes: an attribute is defined only once one of them has a value for
    // it (a row refused here, after the parse stage took it, defines nothing).
    const writtenChunks: RowChunk[] = [];
    const writtenRows: number[] = [];
    const keep = (chunk: RowChunk, index: number) => {
      writtenChunks.push(chunk);
      writtenRows.push(index);
    };

    // Looked up a slice at a time: the stored customers a lookup returns stay alive until
    // their rows are done, and a batch's worth at once made re-imports heavy.
    for (let from = 0; from < indexes.length; from += LOOKUP) {
      const to = Math.min(from + LOOKUP, indexes.length);
      const rows: Keys[] = [];
      for (let k = from; k < to; k++) rows.push(keysAt(chunks[k] as RowChunk, indexes[k] as number));
      const existing = await findExisting(
        ctx,
        rows.flatMap((r) => (r.externalId ? [r.externalId] : [])),
        rows.flatMap((r) => (r.phone?.ok ? [r.phone.e164] : [])),
      );
      const byExternal = new Map<string, CustomerRow>();
      const byPhone = new Map<string, CustomerRow>();
      const see = (c: CustomerRow) => {
        if (c.externalId) byExternal.set(c.externalId, c);
        if (c.phone) byPhone.set(c.phone, c);
      };
      // Stored rows as this batch left them, under the keys they hold now: a phone or external
      // id given up earlier in the batch is free again.
      for (const c of existing) if (!written.has(c.id)) see(c);
      for (const c of written.values()) see(c);
      const newPhones = rows.flatMap((r) => {
        const phone = phoneOf(r);
        return phone && !byPhone.has(phone) ? [phone] : [];
      });
      const optOuts = this.ledgerHasOptOuts ? await optedOutPhones(ctx, newPhones) : new Map();
      this.env.priorOptOut = (p) => optOuts.get(p);

      for (let k = from; k < to; k++) {
        const r = rows[k - from] as Keys;
        const chunk = chunks[k] as RowChunk;
        const index = indexes[k] as number;
        const phone = phoneOf(r);
        const match =
          (r.externalId ? byExternal.get(r.externalId) : undefined) ?? (phone ? byPhone.get(phone) : undefined);
        // A new customer as the stage prepared it: only its id and times are missing.
        if (!match && !(phone && optOuts.has(phone)) && hasValues(chunk, index)) {
          const id = ctx.ids.next("cus");
          planned.push({ chunk, index, id });
          keep(chunk, index);
          created.push(id);
          this.report.created++;
          continue;
        }
        if (match && phone && match.phone !== phone) {
          const holder = byPhone.get(phone);
          if (holder && holder.id !== match.id) {
            this.report.rejected++;
            this.reject(r.line, {
              column: this.columnOf("phone"),
              reason: `phone ${phone} belongs to another customer`,
              code: "taken_customer",
              value: phone,
            });
            continue;
          }
        }
        const isNew = !match;
        const base = match ?? emptyRow(ctx.ids.next("cus"), this.env, "import");
        // The stage checked the cells; reading them again gives the same input.
        const { input } = rowInput(this.columns, cellsAt(chunk, index));
        if (input.phone && r.phone) this.parsedPhones.set(input.phone, r.phone);
        const prepared = prepareCustomer(input, base, isNew, this.env);
        if (!prepared.ok) {
          this.report.rejected++;
          for (const { path, message, reason, ...figures } of prepared.errors)
            this.reject(r.line, {
              column: this.columnOf(path),
              reason: message,
              ...(reason && { code: reason, ...figures }),
            });
          continue;
        }
        const p = prepared.value;
        if (isNew) this.report.created++;
        else if (p.changed.length > 0) this.report.updated++;
        else {
          this.report.unchanged++;
          continue;
        }
        // The customer rows first, then what refers to them: runs of one statement text are
        // cheaper to execute than texts taking turns.
        const [write, ...rest] = writeStatements(ctx, p, isNew, { zonesWritten: this.zonesWritten });
        if (isNew) created.push(p.row.id);
        if (write) planned.push(write);
        keep(chunk, index);
        for (const s of rest) after.push(s);
        written.set(p.row.id, p.row);
        // Later rows of this slice must see this one (e.g. an external id followed by its
        // phone), and no longer see the phone or external id it just gave up.
        if (match?.phone && match.phone !== p.row.phone) byPhone.delete(match.phone);
        if (match?.externalId && match.externalId !== p.row.externalId) byExternal.delete(match.externalId);
        see(p.row);
      }
    }
    this.parsedPhones = new Map();
    // Types learnt from the parse stage or from rows prepared again above; most batches have none.
    const newDefs = this.undefinedAttributes().filter(({ column }) =>
      writtenRows.some((index, k) => (cellsAt(writtenChunks[k] as RowChunk, index)[column] ?? "").trim() !== ""),
    );
    for (const d of newDefs) {
      this.persistedAttributes.add(d.key);
      this.report.new_attributes.push({ key: d.key, type: d.type });
    }
    await ctx.db.batch(this.statements(planned, after, newDefs, created, now.getTime()));
    this.stored = true;
  }

  /** Attribute types known to this import (from rows the stage took) but not stored yet, with their column. */
  private undefinedAttributes(): { key: string; type: AttributeType; column: number }[] {
    return [...this.env.attributeTypes]
      .filter(([k]) => !this.persistedAttributes.has(k))
      .map(([key, type]) => ({ key, type, column: this.columns.findIndex((c) => c.attribute === key) }));
  }

  /**
   * A batch's statements, made as they are written: a new row's values are parsed from its
   * chunk's JSON only now, a chunk at a time, so a batch is never held as ten thousand arrays
   * of values and statements (what most of this thread's garbage collections used to copy).
   */
  private *statements(
    planned: (RawStatement | NewRow)[],
    after: RawStatement[],
    newDefs: { key: string; type: AttributeType }[],
    created: string[],
    now: number,
  ): Generator<Statement> {
    yield* attributeStatements(this.ctx, newDefs);
    // What refers to new rows (zones, consents) comes after the customer rows, as for those above.
    const late: RawStatement[] = [];
    let chunk: RowChunk | null = null;
    let values: (unknown[] | null)[] = [];
    for (const p of planned) {
      if (!("chunk" in p)) {
        yield p;
        continue;
      }
      if (p.chunk !== chunk) {
        chunk = p.chunk;
        values = allValues(chunk);
      }
      const out = insertStatements(
        this.ctx,
        completeNewValues(values[p.index] as unknown[], p.id, now),
        consentAt(chunk, p.index) ?? null,
        this.zonesWritten,
        this.shared,
      );
      yield out[0] as RawStatement;
      for (let k = 1; k < out.length; k++) late.push(out[k] as RawStatement);
    }
    yield* after;
    yield* late;
    if (created.length > 0) yield newCustomersDates(this.ctx.tenantId, created);
    yield nudgeDateCampaigns(this.ctx.tenantId, now);
  }
}

/**
 * Imports customers from a CSV byte stream (UTF-8, BOM allowed, header row first). `parse` is
 * where the bytes are parsed: inline, or on another thread (Node).
 */
export async function importCustomers(
  ctx: Ctx,
  body: ReadableStream<Uint8Array>,
  parse: ParseStage = parseInline,
): Promise<ImportReport> {
  const rules = await loadPrepareRules(ctx);
  const country = rules.defaultCountry;
  const env = importEnv(rules, { now: ctx.clock.now(), phone: (raw) => normalizePhone(raw, country) });
  let importer: Importer | null = null;
  let stopped: ImportStop | null = null;
  try {
    for await (const chunk of parse(body, rules)) {
      if (chunk.header)
        importer = new Importer(ctx, env, mapHeader(chunk.header), await anyOptOut(ctx), importShared(rules));
      else await importer?.add(chunk);
    }
  } catch (e) {
    stopped = importStop(e, { stored: importer?.stored ?? false, lastLine: importer?.lastLine ?? 1 });
  }
  if (!importer) throw ValidationError.field("body", "the CSV is empty: it needs a header row");
  // Rows read before a stop are whole rows: they are stored too, and the report says where it stopped.
  await importer.flush();
  importer.report.complete = stopped === null;
  importer.report.stopped = stopped;
  importer.report.errors.sort((a, b) => a.line - b.line);
  await ctx.db.batch([importFinished(ctx, importer.report)]);
  return importer.report;
}

/** Tells integrators an import is done (its rows were written before), with its counts. */
function importFinished(ctx: Ctx, r: ImportReport) {
  const now = ctx.clock.now().getTime();
  return eventStatement(
    ctx,
    "import.finished",
    {
      complete: r.complete,
      stopped: r.stopped,
      rows: r.rows,
      created: r.created,
      updated: r.updated,
      unchanged: r.unchanged,
      rejected: r.rejected,
      new_attributes: r.new_attributes,
      finished_at: iso(now),
    },
    now,
  );
}
