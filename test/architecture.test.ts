import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLE_PATH, templateBundle } from "../src/node/bundle-templates";
import { migrateDatabase, openDatabase } from "../src/node/db";

const root = join(import.meta.dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

const shared = [...files(join(root, "src"))].filter((f) => !relative(root, f).startsWith("src/node/"));

describe("architecture rules", () => {
  it("finds the shared code it checks", () => {
    expect(shared.map((f) => relative(root, f))).toContain("src/app.ts");
    expect(shared.length).toBeGreaterThan(20);
  });

  it("imports node: modules only under src/node/ (rule 1)", () => {
    const offenders = shared.filter((f) =>
      /from\s+["']node:|require\(["']node:|import\(["']node:/.test(readFileSync(f, "utf8")),
    );
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });

  it("asks the injected clock for the time, never Date.now() or new Date() (rule 7)", () => {
    const offenders = shared
      .filter((f) => !f.endsWith("lib/clock.ts"))
      .filter((f) => /Date\.now\(\)|new Date\(\)/.test(readFileSync(f, "utf8")));
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });

  it("never compiles code at run time in shared code (rule 4)", () => {
    const offenders = shared.filter((f) =>
      /\beval\(|new Function\(|Handlebars\.compile\(/.test(readFileSync(f, "utf8")),
    );
    expect(offenders.map((f) => relative(root, f))).toEqual([]);
  });

  it("uses only Handlebars' parser in shared code, never its compiler (rule 4)", () => {
    const imports = shared.flatMap((f) =>
      [...readFileSync(f, "utf8").matchAll(/from\s+["'](handlebars[^"']*)["']/g)].map(
        (m) => `${relative(root, f)}: ${m[1]}`,
      ),
    );
    expect(imports).toEqual(["src/templates/engine.ts: handlebars/dist/cjs/handlebars/compiler/base.js"]);
  });

  it("ships the Worker the templates as they are on disk (npm run templates:bundle)", () => {
    expect(readFileSync(BUNDLE_PATH, "utf8")).toBe(templateBundle());
  });

  it("gives every table a tenant_id (rule 8); the tenants table is keyed by it", () => {
    const db = openDatabase(":memory:");
    migrateDatabase(db);
    const tables = db.sqlite
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'",
      )
      .all()
      .map((r) => (r as { name: string }).name);
    expect(tables.length).toBeGreaterThan(8);
    const missing = tables.filter(
      (t) =>
        t !== "tenants" &&
        !(db.sqlite.pragma(`table_info(${t})`) as { name: string }[]).some((c) => c.name === "tenant_id"),
    );
    expect(missing).toEqual([]);
    db.close();
  });
});
