import { describe, expect, it } from "vitest";
import { swaggerUiAssets } from "../src/node/docs-assets";
import { setup } from "./helpers";

describe("OpenAPI document and docs page", () => {
  it("describes every /v1 route the app serves", async () => {
    const env = setup();
    const res = await env.app.request("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const method of Object.keys(ops))
        documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`);
    }
    const served = env.app.routes
      .filter((r) => r.path.startsWith("/v1/") && r.method !== "ALL")
      .map((r) => `${r.method} ${r.path}`);
    expect(served.length).toBeGreaterThan(25);
    for (const route of served) expect(documented, route).toContain(route);
    // Every /v1 operation documents its auth and error shape; webhooks are signed instead.
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      if (!path.startsWith("/v1/")) {
        // The operator's route takes its own token; webhooks are signed.
        expect(path).toMatch(/^\/(webhooks|admin)\//);
        for (const op of Object.values<any>(ops))
          expect(op.responses[path.startsWith("/admin/") ? "401" : "403"]).toBeDefined();
        continue;
      }
      for (const op of Object.values<any>(ops)) {
        expect(op.security).toEqual([{ bearer: [] }]);
        expect(op.responses["422"].content["application/json"].schema.$ref).toBe("#/components/schemas/Error");
      }
    }
    expect(doc.paths["/v1/customers/import"].post.requestBody.content["text/csv"]).toBeDefined();
  });

  it("serves Swagger UI and its assets from the app itself", async () => {
    const env = setup();
    const app = (await import("../src/app")).createApp({ ...env.deps, docsAssets: swaggerUiAssets() });
    const page = await app.request("/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('src="/docs/assets/swagger-ui-bundle.js"');
    expect(html).not.toMatch(/https?:\/\//);
    const js = await app.request("/docs/assets/swagger-ui-bundle.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await js.text()).length).toBeGreaterThan(100_000);
    expect((await app.request("/docs/assets/swagger-ui.css")).headers.get("content-type")).toContain("text/css");
    expect((await app.request("/docs/init.js")).status).toBe(200);
    expect((await app.request("/docs/assets/package.json")).status).toBe(404);
  });
});
