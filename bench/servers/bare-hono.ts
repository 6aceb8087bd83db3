// The yardstick: a bare Hono handler on @hono/node-server that reads the body and answers JSON,
// measured in the same run as the inbound webhook.

import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.post("/webhooks/:provider/:channelId/inbound", async (c) => {
  await c.req.text();
  return c.json({ ok: true });
});
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  process.stdout.write(`@@READY ${info.port} bare\n`);
});
process.on("SIGTERM", () => {
  server.close();
  process.exit(0);
});
