import type { Handler } from "hono";
import { requestId } from "hono/request-id";
import { RegExpRouter } from "hono/router/reg-exp-router";
import type { RouterRoute } from "hono/types";
import { getPath } from "hono/utils/url";
import { apiKeyRoutes } from "./api-keys/routes";
import { attributeRoutes } from "./attributes/routes";
import { campaignRoutes } from "./campaigns/routes";
import { bindingRoutes } from "./channels/binding-routes";
import { channelRoutes } from "./channels/routes";
import { consoleRoutes } from "./console/routes";
import { customerRoutes } from "./customers/routes";
import type { Deps } from "./deps";
import { docsRoutes } from "./docs/routes";
import { eventRoutes } from "./events/routes";
import { exportRoutes } from "./exports/routes";
import { groupRoutes } from "./groups/routes";
import { authMiddleware } from "./http/auth";
import { limitBody } from "./http/body-limit";
import { onError, onNotFound } from "./http/errors";
import { createRouter } from "./http/openapi";
import { inboundRoutes } from "./inbound/routes";
import { inboxRoutes } from "./inbox/routes";
import { keywordRoutes } from "./keywords/routes";
import { linkRoutes } from "./links/routes";
import { messageRoutes } from "./messages/routes";
import { reportRoutes } from "./reports/routes";
import { shipmentRoutes } from "./shipments/routes";
import { staffRoutes } from "./staff/routes";
import { templateRoutes } from "./templates/routes";
import { adminRoutes } from "./tenants/admin-routes";
import { tenantRoutes } from "./tenants/routes";
import { usageRoutes } from "./usage/routes";
import { webhookRoutes } from "./webhooks/routes";
import { subscriptionRoutes } from "./webhooks-out/routes";

/** The paths answered by the small app with the faster router (see the end of createApp). */
const FAST = /^\/(webhooks|l)\//;
const BULK_JSON_PATHS = new Set(["/v1/shipments", "/v1/shipments/updates"]);
const BULK_JSON_BYTES = 16 * 1024 * 1024;

/** An app with what every request needs first: its request id and the dependencies. */
function base(deps: Deps, router?: RegExpRouter<[Handler, RouterRoute]>) {
  const app = createRouter(router);
  app.use("*", requestId({ headerName: "X-Request-Id" }));
  app.use("*", async (c, next) => {
    c.set("deps", deps);
    await next();
  });
  return app;
}

/** Builds the whole HTTP app from injected dependencies; both runtimes call this. */
export function createApp(deps: Deps) {
  const app = base(deps);
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
  app.route("/", exportRoutes);
  app.route("/", subscriptionRoutes);
  app.route("/", bindingRoutes);
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
  app.route("/", linkRoutes);
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

  // Provider webhooks and short links, the paths that take thousands of requests a second, are answered by
  // an app of their own. The API's routes put a fixed word beside a parameter (/v1/templates/
  // defaults and /v1/templates/:id), which Hono's RegExpRouter refuses, so the app falls back to
  // its TrieRouter, whose search was a tenth of a webhook's cost in bench/; the webhooks' few
  // routes take the RegExpRouter. (They stay in the app above too, for its OpenAPI document.)
  const hooks = base(deps, new RegExpRouter());
  hooks.route("/", webhookRoutes);
  hooks.route("/", linkRoutes);
  hooks.onError(onError);
  hooks.notFound(onNotFound);
  const rest = app.fetch;
  app.fetch = (req, env, ctx) => (FAST.test(getPath(req)) ? hooks.fetch(req, env, ctx) : rest(req, env, ctx));
  return app;
}

export type App = ReturnType<typeof createApp>;
