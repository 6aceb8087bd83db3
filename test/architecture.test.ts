import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

const shared = [...files(join(root, "src")), ...files(join(root, "jobs"))].filter(
  (f) => !relative(root, f).startsWith("src/node/"),
);

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
});
