// Exports: each list's rows as a file, CSV or NDJSON, streamed a page at a time, with the list
// route's own filters. Times are in the workspace's zone with the offset.

import { campaignRow } from "../campaigns/service";
import { ctxOf } from "../http/auth";
import { apiRoute, createRouter, z } from "../http/openapi";
import { formatCivil, localDate } from "../lib/time";
import { getTenantRow } from "../tenants/store";
import { SOURCES } from "./sources";
import { EXPORT_PAGE, type ExportFormat, exportStream } from "./stream";

const Options = z.object({
  format: z.enum(["csv", "ndjson"]).default("csv"),
  bom: z
    .enum(["true", "false"])
    .default("false")
    .openapi({ description: "CSV only: start with a byte-order mark, so that Excel reads UTF-8 (Chinese names)" }),
});

const TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson; charset=utf-8",
};

const WHAT: Record<string, string> = {
  customers: "Customers, with the filters of GET /v1/customers",
  messages: "Messages (status, segments, cost, campaign), with the filters of GET /v1/messages",
  replies: "Inbound messages (replies), with the filters of GET /v1/inbound",
  inbox: "Inbox items, with the filters of GET /v1/inbox",
  consent: "The consent ledger: every change of consent, with its source and evidence",
  "campaign-results": "A campaign's messages with whom each went to and what became of it",
};

export const exportRoutes = createRouter();

for (const [kind, source] of Object.entries(SOURCES)) {
  exportRoutes.openapi(
    apiRoute({
      method: "get",
      path: `/v1/exports/${kind}`,
      tags: ["Exports"],
      summary: WHAT[kind] ?? kind,
      description:
        "Streamed as it is read (a page at a time): memory stays flat however many rows. CSV cells a spreadsheet would take for a formula (= + - @) start with an apostrophe; times are in the workspace's zone with the offset (2026-11-24T09:00:00+08:00).",
      scope: "read",
      request: { query: (source.filters as unknown as z.ZodObject).extend(Options.shape) },
      responses: {
        200: {
          description: "The file",
          content: { "text/csv": { schema: z.string() }, "application/x-ndjson": { schema: z.string() } },
        },
      },
    }),
    async (c) => {
      const ctx = ctxOf(c);
      const { format, bom, ...filters } = c.req.valid("query") as Record<string, unknown> & {
        format: ExportFormat;
        bom: "true" | "false";
      };
      // A campaign of another workspace is not found, not an empty file.
      if (kind === "campaign-results") await campaignRow(ctx, String(filters.campaign_id));
      const tenant = await getTenantRow(ctx.db, ctx.tenantId);
      const day = formatCivil(localDate(ctx.clock.now(), tenant.timeZone));
      const first = await source.page(ctx, filters, undefined, EXPORT_PAGE);
      const body = exportStream(ctx, source, filters, { format, bom: bom === "true", zone: tenant.timeZone }, first);
      return c.body(body, 200, {
        "content-type": TYPES[format],
        "content-disposition": `attachment; filename="tidings-${kind}-${day}.${format === "csv" ? "csv" : "ndjson"}"`,
        "cache-control": "no-store",
      }) as never;
    },
  );
}
