// Downloads from the console: an export of the API's, streamed through with the session's
// credential. From the console, CSV carries a byte-order mark: a person opens it in Excel.
import type { Context, Hono } from "hono";
import type { ConsoleApi } from "./api";
import type { ConsoleEnv } from "./request";

const KINDS = new Set(["customers", "messages", "replies", "inbox", "consent", "campaign-results"]);

export function exportConsoleRoutes(
  app: Hono<ConsoleEnv>,
  { page }: { page: (c: Context<ConsoleEnv>) => { api: ConsoleApi } },
) {
  app.get("/console/export/:kind", async (c) => {
    const kind = c.req.param("kind");
    if (!KINDS.has(kind)) return c.notFound();
    const query = new URLSearchParams(new URL(c.req.url).search);
    if (!query.has("format")) query.set("bom", "true");
    const res = await page(c).api.download(`/v1/exports/${kind}?${query}`);
    return new Response(res.body, {
      status: 200,
      headers: {
        "content-type": res.headers.get("content-type") ?? "text/csv; charset=utf-8",
        "content-disposition": res.headers.get("content-disposition") ?? "attachment",
        "cache-control": "no-store",
      },
    });
  });
}
