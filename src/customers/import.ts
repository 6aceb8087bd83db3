// CSV import: streamed (src/lib/csv.ts) and processed in batches that are
// each written atomically. Re-importing the same file changes nothing (upsert by external id,
// then phone), so an interrupted import is finished by running it again.

import { nudgeDateCampaigns } from "../campaigns/nudge";
import type { Ctx } from "../context";
import type { CustomerRow } from "../db/schema";
import { CsvSyntaxError, csvRows } from "../lib/csv";
import { type ErrorDetail, ValidationError } from "../lib/errors";
import type { PhoneResult } from "../lib/phone";
import { canonicalLocale } from "../lib/validators";
import {
  ATTRIBUTE_KEY,
  type AttributeValue,
  type ConsentState,
  type CustomerInput,
  emptyRow,
  type PrepareEnv,
  parseBirthdayText,
  prepareCustomer,
} from "./model";
import { anyOptOut, attributeStatements, findExisting, loadPrepareEnv, optedOutPhones, writeStatements } from "./store";

// Rows per atomic write. Larger batches amortise the WAL pages that index inserts at scattered
// positions (birthdays, date attributes) dirty in each commit.
const BATCH = 5000;
const MAX_ERRORS = 1000;

type Field =
  | "name"
  | "phone"
  | "external_id"
  | "locale"
  | "time_zone"
  | "birthday"
  | "birthday_lunar"
  | "tier"
  | "tags"
  | "owner_id"
  | "consent"
  | "consent_evidence";

// Header names as spreadsheets tend to have them, English and Chinese.
const ALIASES: Record<string, Field> = {
  name: "name",
  full_name: "name",
  姓名: "name",
  phone: "phone",
  mobile: "phone",
  phone_number: "phone",
  手机: "phone",
  手机号: "phone",
  电话: "phone",
  external_id: "external_id",
  member_id: "external_id",
  card_number: "external_id",
  customer_number: "external_id",
  会员号: "external_id",
  会员卡号: "external_id",
  locale: "locale",
  language: "locale",
  time_zone: "time_zone",
  timezone: "time_zone",
  birthday: "birthday",
  生日: "birthday",
  birthday_lunar: "birthday_lunar",
  lunar_birthday: "birthday_lunar",
  tier: "tier",
  level: "tier",
  等级: "tier",
  tags: "tags",
  标签: "tags",
  owner_id: "owner_id",
  consent: "consent",
  consent_evidence: "consent_evidence",
};

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

type Column = { header: string; field?: Field; attribute?: string };

type PendingRow = { line: number; input: CustomerInput; phone?: string; externalId?: string };

function headerKey(h: string): string {
  return h
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

/** Maps header cells to fields and attributes; a bad header rejects the whole file. */
function mapHeader(cells: string[]): Column[] {
  const errors: ErrorDetail[] = [];
  const seen = new Map<string, string>();
  const columns = cells.map((header, i): Column => {
    const key = headerKey(header);
    const attr = key.startsWith("attributes.") ? key.slice("attributes.".length) : null;
    const field = attr === null ? ALIASES[key] : undefined;
    const target = field ?? `attributes.${attr ?? key}`;
    if (seen.has(target))
      errors.push({ path: `header[${i}]`, message: `'${header}' repeats column '${seen.get(target)}'` });
    seen.set(target, header);
    if (field) return { header, field };
    const name = attr ?? key;
    if (!ATTRIBUTE_KEY.test(name)) {
      errors.push({
        path: `header[${i}]`,
        message: `'${header}' is not a known column and is not usable as an attribute name (lowercase letters, digits, _)`,
      });
    }
    return { header, attribute: name };
  });
  if (!columns.some((c) => c.field === "phone") && !columns.some((c) => c.field === "external_id")) {
    errors.push({ path: "header", message: "needs a phone column (or external_id to update existing customers)" });
  }
  if (errors.length > 0)
    throw new ValidationError(`Invalid CSV header: ${errors.map((e) => e.message).join("; ")}`, errors);
  return columns;
}

const CONSENT_WORDS: Record<string, ConsentState> = {
  subscribed: "subscribed",
  yes: "subscribed",
  y: "subscribed",
  true: "subscribed",
  "1": "subscribed",
  unsubscribed: "unsubscribed",
  no: "unsubscribed",
  n: "unsubscribed",
  false: "unsubscribed",
  "0": "unsubscribed",
  never_asked: "never_asked",
};

/** One CSV row to input; cell-level problems are returned by column header. */
function rowInput(
  columns: Column[],
  cells: string[],
): { input: CustomerInput; errors: { column: string; reason: string }[] } {
  const input: CustomerInput = {};
  const errors: { column: string; reason: string }[] = [];
  let lunar = false;
  let birthdayText: { text: string; header: string } | null = null;
  let consentEvidence: string | null = null;
  const attributes: Record<string, AttributeValue> = {};
  columns.forEach((col, i) => {
    const value = (cells[i] ?? "").trim();
    if (value === "") return; // an empty cell leaves the stored value as it is
    if (col.attribute) {
      attributes[col.attribute] = value;
      return;
    }
    switch (col.field) {
      case "name":
      case "phone":
      case "external_id":
      case "time_zone":
      case "owner_id":
        input[col.field] = value;
        break;
      case "tier":
        input.tier = value.toLowerCase();
        break;
      case "locale": {
        const l = canonicalLocale(value);
        if (l) input.locale = l;
        else errors.push({ column: col.header, reason: `'${value}' is not a locale such as zh-CN or en` });
        break;
      }
      case "birthday":
        birthdayText = { text: value, header: col.header };
        break;
      case "birthday_lunar":
        lunar = ["true", "yes", "y", "1", "lunar", "农历"].includes(value.toLowerCase());
        break;
      case "tags":
        input.tags = value.split(/[;|]/);
        break;
      case "consent": {
        const state = CONSENT_WORDS[value.toLowerCase()];
        if (state) input.consent = { state };
        else errors.push({ column: col.header, reason: `'${value}' is not subscribed, unsubscribed or never_asked` });
        break;
      }
      case "consent_evidence":
        consentEvidence = value;
        break;
    }
  });
  if (birthdayText) {
    const { text, header } = birthdayText as { text: string; header: string };
    const b = parseBirthdayText(text, lunar);
    if (b) input.birthday = b;
    else errors.push({ column: header, reason: `'${text}' is not YYYY-MM-DD or MM-DD` });
  }
  if (input.consent && consentEvidence) input.consent.evidence = consentEvidence;
  if (Object.keys(attributes).length > 0) input.attributes = attributes;
  return { input, errors };
}

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

  async add(line: number, cells: string[]) {
    this.report.rows++;
    const { input, errors } = rowInput(this.columns, cells);
    if (errors.length > 0) {
      this.report.rejected++;
      for (const e of errors) this.reject(line, e.column, e.reason);
      return;
    }
    const row: PendingRow = { line, input };
    if (input.phone) {
      const p = this.parsePhone(input.phone);
      if (p.ok) {
        const first = this.seenPhones.get(p.e164);
        if (first !== undefined) {
          this.report.rejected++;
          this.reject(line, this.columnOf("phone"), `duplicate phone ${p.e164}: already on line ${first}`);
          return;
        }
        this.seenPhones.set(p.e164, line);
        row.phone = p.e164;
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
      row.externalId = input.external_id;
    }
    this.pending.push(row);
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

    const statements = [];
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
      statements.push(...writeStatements(ctx, p, isNew, this.zonesWritten));
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
      nudgeDateCampaigns(ctx.tenantId, ctx.clock.now().getTime()),
    ]);
  }
}

/** Imports customers from a CSV byte stream (UTF-8, BOM allowed, header row first). */
export async function importCustomers(ctx: Ctx, body: ReadableStream<Uint8Array>): Promise<ImportReport> {
  let importer: Importer | null = null;
  try {
    for await (const rows of csvRows(body)) {
      for (const row of rows) {
        if (!importer) {
          const env = { ...(await loadPrepareEnv(ctx, "import")), textInput: true };
          importer = new Importer(ctx, env, mapHeader(row.cells), await anyOptOut(ctx));
          continue;
        }
        await importer.add(row.line, row.cells);
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
