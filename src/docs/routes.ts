import { Hono } from "hono";
import type { AppEnv } from "../http/env";

// The docs page is Swagger UI (swagger-ui-dist), served from this app so it works offline.
const ASSETS = new Set([
  "swagger-ui.css",
  "swagger-ui-bundle.js",
  "swagger-ui-standalone-preset.js",
  "favicon-32x32.png",
]);

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Tidings API</title>
  <link rel="icon" href="/docs/assets/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>`;

// Kept as a separate file so the page needs no inline script.
const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout"
});`;

export const docsRoutes = new Hono<AppEnv>()
  .get("/docs", (c) => c.html(PAGE))
  .get("/docs/init.js", (c) => c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8" }))
  .get("/docs/assets/:name", async (c) => {
    const name = c.req.param("name");
    const assets = c.get("deps").docsAssets;
    const asset = ASSETS.has(name) && assets ? await assets(name) : null;
    if (!asset)
      return c.json(
        { error: { code: "not_found", message: `No docs asset ${name}`, requestId: c.get("requestId") } },
        404,
      );
    return c.body(asset.body as Uint8Array<ArrayBuffer> | string, 200, {
      "content-type": asset.type,
      "cache-control": "public, max-age=86400",
    });
  });
