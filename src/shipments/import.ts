// Shipments from a CSV file (a card centre's mailing list): streamed, checked row by row, the
// good rows written in batches, the bad ones reported with their line and column. Re-sending
// the same file stores nothing twice when it has a shipment id column (external_id).

import type { Ctx } from "../context";
import { csvRows, lastLineOf } from "../lib/csv";
import { type ErrorDetail, ValidationError } from "../lib/errors";
import { type ImportStop, importStop } from "../lib/import-stop";
import { parseCivilDate, zonedInstant } from "../lib/time";
import { getTenantRow } from "../tenants/store";
import { type ShipmentInput, ShipmentInputSchema } from "./schemas";
import { prepareShipments, writeShipments } from "./service";

const BATCH = 5000;
const MAX_ERRORS = 1000;

type Field = keyof ShipmentInput;

const ALIASES: Record<string, Field> = {
  customer_id: "customer_id",
  customer_external_id: "customer_external_id",
  member_id: "customer_external_id",
  customer_number: "customer_external_id",
  客户号: "customer_external_id",
  phone: "phone",
  mobile: "phone",
  手机号: "phone",
  item_kind: "item_kind",
  kind: "item_kind",
  reference: "reference",
  card_last4: "reference",
  last4: "reference",
  卡号后四位: "reference",
  external_id: "external_id",
  shipment_id: "external_id",
  tracking_number: "external_id",
  运单号: "external_id",
  shipped_at: "shipped_at",
  shipped: "shipped_at",
  寄出时间: "shipped_at",
  courier: "courier",
  carrier: "courier",
  快递公司: "courier",
  region: "region",
  city: "region",
  postcode: "region",
  城市: "region",
  promised_days: "promised_days",
  delivered_at: "delivered_at",
  签收时间: "delivered_at",
};

export type ShipmentImportReport = {
  /** False when the file was cut short (broken or too large) after rows were stored. */
  complete: boolean;
  stopped: ImportStop | null;
  rows: number;
  created: number;
  duplicates: number;
  rejected: number;
  errors: { line: number; column: string; reason: string }[];
  errors_truncated: boolean;
};

/**
 * Instants as ISO 8601 with an offset, or a local "YYYY-MM-DD[ HH:MM]" read in the workspace's
 * zone (what a spreadsheet export has).
 */
function instantText(cell: string, zone: string): string | null {
  if (/[zZ]|[+-]\d{2}:?\d{2}$/.test(cell) && !Number.isNaN(Date.parse(cell))) return new Date(cell).toISOString();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}):(\d{2}))?$/.exec(cell);
  const d = m ? parseCivilDate(m[1] as string) : null;
  if (!m || !d) return null;
  const hour = Number(m[2] ?? 0);
  const minute = Number(m[3] ?? 0);
  if (hour > 23 || minute > 59) return null;
  return zonedInstant(d, hour, minute, zone).toISOString();
}

export async function importShipments(ctx: Ctx, body: ReadableStream<Uint8Array>): Promise<ShipmentImportReport> {
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const report: ShipmentImportReport = {
    complete: true,
    stopped: null,
    rows: 0,
    created: 0,
    duplicates: 0,
    rejected: 0,
    errors: [],
    errors_truncated: false,
  };
  const reject = (line: number, column: string, reason: string) => {
    if (report.errors.length < MAX_ERRORS) report.errors.push({ line, column, reason });
    else report.errors_truncated = true;
  };
  let columns: (Field | null)[] | null = null;
  let pending: { line: number; input: ShipmentInput }[] = [];
  let stored = false;
  let lastLine = 1;
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const { rows, errors } = await prepareShipments(
      ctx,
      batch.map((p) => p.input),
      (i) => `line ${batch[i]?.line}`,
    );
    const bad = new Set<number>();
    for (const e of errors) {
      const m = /^line (\d+)\.(\w+)$/.exec(e.path);
      const line = Number(m?.[1]);
      bad.add(line);
      reject(line, m?.[2] ?? "", e.message);
    }
    report.rejected += bad.size;
    const good = rows.filter((r): r is NonNullable<typeof r> => r !== null);
    const out = await writeShipments(ctx, good);
    if (good.length > 0) stored = true;
    report.created += out.created;
    report.duplicates += out.duplicates;
  };
  try {
    for await (const batch of csvRows(body)) {
      for (const row of batch) {
        if (!columns) {
          columns = mapHeader(row.cells);
          continue;
        }
        report.rows++;
        lastLine = lastLineOf(row.line, row.cells);
        const raw: Record<string, unknown> = {};
        const problems: ErrorDetail[] = [];
        row.cells.forEach((cell, i) => {
          const field = columns?.[i];
          const v = cell.trim();
          if (!field || v === "") return;
          if (field === "shipped_at" || field === "delivered_at") {
            const t = instantText(v, tenant.timeZone);
            if (t === null)
              problems.push({ path: field, message: `'${v}' is not a date-time (ISO 8601, or YYYY-MM-DD HH:MM)` });
            else raw[field] = t;
          } else if (field === "promised_days") raw[field] = /^\d+$/.test(v) ? Number(v) : v;
          else raw[field] = v;
        });
        const parsed = ShipmentInputSchema.safeParse(raw);
        // A cell already reported (an unreadable date) is not reported again as missing.
        if (!parsed.success)
          for (const issue of parsed.error.issues) {
            const path = String(issue.path[0] ?? "");
            if (!problems.some((p) => p.path === path)) problems.push({ path, message: issue.message });
          }
        if (problems.length > 0) {
          report.rejected++;
          for (const p of problems) reject(row.line, p.path, p.message);
          continue;
        }
        pending.push({ line: row.line, input: parsed.data as ShipmentInput });
        if (pending.length >= BATCH) await flush();
      }
    }
  } catch (e) {
    report.stopped = importStop(e, { stored, lastLine });
    report.complete = false;
  }
  // Rows read before a stop are whole rows: they are stored too, and the report says where it stopped.
  await flush();
  if (!columns) throw ValidationError.field("body", "the file is empty: it needs a header row");
  // Rows checked against the database come back per batch, after the ones rejected on reading.
  report.errors.sort((a, b) => a.line - b.line);
  return report;
}

function mapHeader(cells: string[]): (Field | null)[] {
  const columns = cells.map(
    (h) =>
      ALIASES[
        h
          .trim()
          .toLowerCase()
          .replace(/[\s-]+/g, "_")
      ] ?? null,
  );
  const errors: ErrorDetail[] = [];
  cells.forEach((h, i) => {
    if (columns[i] === null) errors.push({ path: `header[${i}]`, message: `'${h}' is not a shipment column` });
  });
  for (const need of ["shipped_at", "courier", "region"] as const)
    if (!columns.includes(need)) errors.push({ path: "header", message: `needs a ${need} column` });
  if (!columns.some((c) => c === "customer_id" || c === "customer_external_id" || c === "phone"))
    errors.push({ path: "header", message: "needs a customer column: customer_id, customer_external_id or phone" });
  if (errors.length > 0)
    throw new ValidationError(`Invalid CSV header: ${errors.map((e) => e.message).join("; ")}`, errors);
  return columns;
}
