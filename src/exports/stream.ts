// An export as a stream: a page of rows read only when the reader wants more (a slow download
// holds one page in memory, not the table), written as CSV or NDJSON.
import type { Ctx } from "../context";
import { csvLine } from "./csv";
import type { Page, Source } from "./sources";
import { ZoneStamp } from "./stamp";

/** Rows read at a time. */
export const EXPORT_PAGE = 500;

export type ExportFormat = "csv" | "ndjson";

export function exportStream(
  ctx: Ctx,
  source: Source,
  filters: Record<string, unknown>,
  opts: { format: ExportFormat; bom: boolean; zone: string },
  /** The first page, read before the answer starts: a filter naming nothing is refused as a 4xx, not a cut stream. */
  first: Page,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const stamp = new ZoneStamp(opts.zone);
  const { columns } = source;
  const values = (r: Record<string, unknown>) =>
    columns.map((c) => (c.time ? stamp.format(c.get(r) as string | null) : c.get(r)));
  let cursor: string | undefined;
  let started = false;
  let done = false;
  let waiting: Page | null = first;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          // Excel reads UTF-8 as such only after a byte-order mark.
          const head = opts.format === "csv" ? csvLine(columns.map((c) => c.name)) : "";
          const text = `${opts.bom && opts.format === "csv" ? "\uFEFF" : ""}${head}`;
          if (text) {
            controller.enqueue(encoder.encode(text));
            return;
          }
        }
        if (done) {
          controller.close();
          return;
        }
        let page: Page;
        try {
          page = waiting ?? (await source.page(ctx, filters, cursor, EXPORT_PAGE));
        } catch (e) {
          // The answer has started: the download is cut off, and the cause is said here.
          console.error("an export failed after it started:", e);
          controller.error(e);
          return;
        }
        waiting = null;
        let chunk = "";
        for (const r of page.data) {
          const v = values(r);
          chunk +=
            opts.format === "csv"
              ? csvLine(v)
              : `${JSON.stringify(Object.fromEntries(columns.map((c, i) => [c.name, v[i] ?? null])))}\n`;
        }
        cursor = page.next_cursor ?? undefined;
        if (!page.next_cursor) done = true;
        if (chunk) controller.enqueue(encoder.encode(chunk));
        else if (done) controller.close();
      },
    },
    // One page ahead at most.
    { highWaterMark: 1 },
  );
}
