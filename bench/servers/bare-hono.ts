// The yardstick: bare Hono handlers on @hono/node-server, measured in the same run as the app:
// one reads the body and answers JSON (the inbound webhook's), one answers a redirect (the
// short links').

import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { TARGET } from "./links-shared";

const app = new Hono();
app.post("/webhooks/:provider/:channelId/inbound", async (c) => {
  await c.req.text();
  return c.json({ ok: true });
});
app.get("/l/:code", (c) => c.redirect(`${TARGET}?code=${c.req.param("code")}`, 302));
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  process.stdout.write(`@@READY ${info.port} bare\n`);
});
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
