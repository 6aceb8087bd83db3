// CSV import: the bytes are parsed by a parse stage (import-parse.ts: inline, or on a thread of
// its own on Node) and the rows processed in batches that are each written atomically. Re-importing the same file changes nothing (upsert by external id,
// then phone), so an interrupted import is finished by running it again.

import { nudgeDateCampaigns } from "../campaigns/nudge";
import type { Ctx } from "../context";
import type { RawStatement } from "../db/client";
import type { CustomerRow } from "../db/schema";
import { CsvSyntaxError } from "../lib/csv";
import { ValidationError } from "../lib/errors";
import type { PhoneResult } from "../lib/phone";
import { type Column, mapHeader, rowInput } from "./import-columns";
import { type ParsedRow, type ParseStage, parseInline } from "./import-parse";
import { type CustomerInput, emptyRow, type PrepareEnv, prepareCustomer } from "./model";
import {
  anyOptOut,
  attributeStatements,
  findExisting,
  loadPrepareEnv,
  newCustomersDates,
  optedOutPhones,
  writeStatements,
} from "./store";

// Rows per atomic write. Larger batches amortise the WAL pages that index inserts at scattered
// positions (birthdays, date attributes) dirty in each commit.
const BATCH = 5000;
const MAX_ERRORS = 1000;

export type ImportReport = {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: { line: number; column: string; reason: string }[];
  errors_truncated: boolean;
  new_attributes: { key: string; type: string }[];
};

type PendingRow = { line: number; input: CustomerInput; phone?: string; externalId?: string };

class Importer {
  readonly report: ImportReport = {
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    errors: [],
    errors_truncated: false,
    new_attributes: [],
  };
  private readonly seenPhones = new Map<string, number>();
  private readonly seenExternal = new Map<string, number>();
  private readonly persistedAttributes: Set<string>;
  private readonly zonesWritten = new Set<string>();
  private pending: PendingRow[] = [];
  /** Phones of the pending batch, parsed once when read and reused when the row is prepared. */
  private parsedPhones = new Map<string, PhoneResult>();
  private readonly normalize: (raw: string) => PhoneResult;
  private readonly columnOf: (path: string) => string;

  constructor(
    private readonly ctx: Ctx,
    private readonly env: PrepareEnv,
    private readonly columns: Column[],
    /** Whether the ledger holds any opt-out at all; most imports into a new workspace skip the lookup. */
    private readonly ledgerHasOptOuts: boolean,
  ) {
    this.persistedAttributes = new Set(env.attributeTypes.keys());
    this.normalize = env.phone;
    env.phone = (raw) => this.parsePhone(raw);
    const byPath = new Map<string, string>();
    for (const c of columns) byPath.set(c.field ? c.field : `attributes.${c.attribute}`, c.header);
    this.columnOf = (path) => byPath.get(path) ?? byPath.get(path.split(".")[0] ?? "") ?? path;
  }

  private parsePhone(raw: string): PhoneResult {
    let r = this.parsedPhones.get(raw);
    if (!r) {
      r = this.normalize(raw);
      this.parsedPhones.set(raw, r);
    }
    return r;
  }

  private reject(line: number, column: string, reason: string) {
    if (this.report.errors.length < MAX_ERRORS) this.report.errors.push({ line, column, reason });
    else this.report.errors_truncated = true;
  }

  async add(row: ParsedRow) {
    const line = row.line;
    this.report.rows++;
    const { input, errors } = rowInput(this.columns, row.cells);
    if (errors.length > 0) {
      this.report.rejected++;
      for (const e of errors) this.reject(line, e.column, e.reason);
      return;
    }
    const pending: PendingRow = { line, input };
    if (input.phone) {
      if (row.phone) this.parsedPhones.set(input.phone, row.phone);
      const p = this.parsePhone(input.phone);
      if (p.ok) {
        const first = this.seenPhones.get(p.e164);
        if (first !== undefined) {
          this.report.rejected++;
          this.reject(line, this.columnOf("phone"), `duplicate phone ${p.e164}: already on line ${first}`);
          return;
        }
        this.seenPhones.set(p.e164, line);
        pending.phone = p.e164;
      }
    }
    if (input.external_id) {
      const first = this.seenExternal.get(input.external_id);
      if (first !== undefined) {
        this.report.rejected++;
        this.reject(
          line,
          this.columnOf("external_id"),
          `duplicate external id ${input.external_id}: already on line ${first}`,
        );
        return;
      }
      this.seenExternal.set(input.external_id, line);
      pending.externalId = input.external_id;
    }
    this.pending.push(pending);
    if (this.pending.length >= BATCH) await this.flush();
  }

  async flush() {
    const rows = this.pending;
    this.pending = [];
    if (rows.length === 0) return;
    const ctx = this.ctx;
    const existing = await findExisting(
      ctx,
      rows.flatMap((r) => (r.externalId ? [r.externalId] : [])),
      rows.flatMap((r) => (r.phone ? [r.phone] : [])),
    );
    const byExternal = new Map<string, CustomerRow>();
    const byPhone = new Map<string, CustomerRow>();
    for (const c of existing) {
      if (c.externalId) byExternal.set(c.externalId, c);
      if (c.phone) byPhone.set(c.phone, c);
    }
    const newPhones = rows.filter((r) => r.phone && !byPhone.has(r.phone)).map((r) => r.phone as string);
    const optOuts = this.ledgerHasOptOuts ? await optedOutPhones(ctx, newPhones) : new Map();
    this.env.priorOptOut = (p) => optOuts.get(p);
    this.env.now = ctx.clock.now();

    const statements: RawStatement[] = [];
    const after: RawStatement[] = [];
    const created: string[] = [];
    for (const r of rows) {
      const match =
        (r.externalId ? byExternal.get(r.externalId) : undefined) ?? (r.phone ? byPhone.get(r.phone) : undefined);
      if (match && r.phone && match.phone !== r.phone) {
        const holder = byPhone.get(r.phone);
        if (holder && holder.id !== match.id) {
          this.report.rejected++;
          this.reject(r.line, this.columnOf("phone"), `phone ${r.phone} belongs to another customer`);
          continue;
        }
      }
      const isNew = !match;
      const base = match ?? emptyRow(ctx.ids.next("cus"), this.env, "import");
      const prepared = prepareCustomer(r.input, base, isNew, this.env);
      if (!prepared.ok) {
        this.report.rejected++;
        for (const e of prepared.errors) this.reject(r.line, this.columnOf(e.path), e.message);
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
      if (write) statements.push(write);
      for (const s of rest) after.push(s);
      // Later rows of this file must see this one (e.g. an external id followed by its phone),
      // and no longer see the phone or external id it just gave up.
      if (match?.phone && match.phone !== p.row.phone) byPhone.delete(match.phone);
      if (match?.externalId && match.externalId !== p.row.externalId) byExternal.delete(match.externalId);
      if (p.row.externalId) byExternal.set(p.row.externalId, p.row);
      if (p.row.phone) byPhone.set(p.row.phone, p.row);
    }
    this.parsedPhones = new Map();
    const newDefs = [...this.env.attributeTypes]
      .filter(([k]) => !this.persistedAttributes.has(k))
      .map(([key, type]) => ({ key, type }));
    for (const d of newDefs) {
      this.persistedAttributes.add(d.key);
      this.report.new_attributes.push(d);
    }
    await ctx.db.batch([
      ...attributeStatements(ctx, newDefs),
      ...statements,
      ...after,
      ...(created.length > 0 ? [newCustomersDates(ctx.tenantId, created)] : []),
      nudgeDateCampaigns(ctx.tenantId, ctx.clock.now().getTime()),
    ]);
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
  const env = { ...(await loadPrepareEnv(ctx, "import")), textInput: true };
  let importer: Importer | null = null;
  try {
    for await (const rows of parse(body, env.defaultCountry)) {
      for (const row of rows) {
        if (!importer) importer = new Importer(ctx, env, mapHeader(row.cells), await anyOptOut(ctx));
        else await importer.add(row);
      }
    }
  } catch (e) {
    if (!(e instanceof CsvSyntaxError)) throw e;
    // Batches before the broken line are already stored; say so, so the operator can fix the
    // file and import it again (which leaves those rows unchanged).
    const done = importer?.report;
    throw new ValidationError(`The CSV could not be read: ${e.message}`, [
      {
        path: "body",
        message: e.message,
        line: e.line,
        rows_stored_before_error: done ? done.created + done.updated : 0,
      },
    ]);
  }
  if (!importer) throw ValidationError.field("body", "the CSV is empty: it needs a header row");
  await importer.flush();
  importer.report.errors.sort((a, b) => a.line - b.line);
  return importer.report;
}
