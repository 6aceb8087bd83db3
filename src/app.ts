import { requestId } from "hono/request-id";
import { apiKeyRoutes } from "./api-keys/routes";
import { attributeRoutes } from "./attributes/routes";
import { campaignRoutes } from "./campaigns/routes";
import { channelRoutes } from "./channels/routes";
import { consoleRoutes } from "./console/routes";
import { customerRoutes } from "./customers/routes";
import type { Deps } from "./deps";
import { docsRoutes } from "./docs/routes";
import { eventRoutes } from "./events/routes";
import { groupRoutes } from "./groups/routes";
import { authMiddleware } from "./http/auth";
import { limitBody } from "./http/body-limit";
import { onError, onNotFound } from "./http/errors";
import { createRouter } from "./http/openapi";
import { inboundRoutes } from "./inbound/routes";
import { inboxRoutes } from "./inbox/routes";
import { keywordRoutes } from "./keywords/routes";
import { messageRoutes } from "./messages/routes";
import { reportRoutes } from "./reports/routes";
import { shipmentRoutes } from "./shipments/routes";
import { staffRoutes } from "./staff/routes";
import { templateRoutes } from "./templates/routes";
import { adminRoutes } from "./tenants/admin-routes";
import { tenantRoutes } from "./tenants/routes";
import { usageRoutes } from "./usage/routes";
import { webhookRoutes } from "./webhooks/routes";

const BULK_JSON_PATHS = new Set(["/v1/shipments", "/v1/shipments/updates"]);
const BULK_JSON_BYTES = 16 * 1024 * 1024;

/** Builds the whole HTTP app from injected dependencies; both runtimes call this. */
export function createApp(deps: Deps) {
  const app = createRouter();
  app.use("*", requestId({ headerName: "X-Request-Id" }));
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  app.use("/v1/*", authMiddleware);
  app.use("/admin/*", limitBody(deps.config.maxJsonBytes));
  app.use("/v1/*", async (c, next) => {
    // CSV imports stream and check their own, larger limit as they read (customers/routes.ts).
    if (c.req.header("content-type")?.startsWith("text/csv")) return next();
    // Bulk routes take up to 10,000 rows (a few MB); everything else a normal body.
    const max = BULK_JSON_PATHS.has(c.req.path) ? BULK_JSON_BYTES : deps.config.maxJsonBytes;
    return limitBody(max)(c, next);
  });

  app.route("/", tenantRoutes);
  app.route("/", adminRoutes);
  app.route("/", apiKeyRoutes);
  app.route("/", staffRoutes);
  app.route("/", attributeRoutes);
  app.route("/", customerRoutes);
  app.route("/", groupRoutes);
  app.route("/", templateRoutes);
  app.route("/", channelRoutes);
  app.route("/", messageRoutes);
  app.route("/", campaignRoutes);
  app.route("/", eventRoutes);
  app.route("/", shipmentRoutes);
  app.route("/", reportRoutes);
  app.route("/", keywordRoutes);
  app.route("/", inboxRoutes);
  app.route("/", inboundRoutes);
  app.route("/", usageRoutes);
  app.route("/", webhookRoutes);
  app.route("/", docsRoutes);
  app.route(
    "/",
    consoleRoutes((path, init) => app.request(path, init)),
  );

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key: `Authorization: Bearer tid_...`",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Tidings API",
      version: "0.1.0",
      description:
        "SMS campaign engine for customer care. Every /v1 route needs `Authorization: Bearer <key>`. Errors are `{ error: { code, message, details?, requestId } }`.",
    },
  });
  app.get("/health", (c) => c.json({ ok: true, time: deps.clock.now().toISOString() }));
  app.onError(onError);
  app.notFound(onNotFound);
  return app;
}

export type App = ReturnType<typeof createApp>;
