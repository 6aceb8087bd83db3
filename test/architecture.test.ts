import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLE_PATH, templateBundle } from "../scripts/bundle-templates";
import { migrateDatabase, openDatabase } from "../src/node/db";

const root = join(import.meta.dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

const shared = [...files(join(root, "src"))].filter((f) => !relative(root, f).startsWith("src/node/"));

/** Each file's imports within the repository (type imports too: they tie the modules as much). */
function importGraph(list: string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of list) {
    const deps: string[] = [];
    for (const m of readFileSync(f, "utf8").matchAll(/(?:import|export)\s[^;]*?from\s+["'](\.[^"']+)["']/gs)) {
      const base = resolve(dirname(f), m[1] as string);
      const hit = [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")].find(
        (c) => list.includes(c) && statSync(c).isFile(),
      );
      if (hit) deps.push(hit);
    }
    graph.set(f, deps);
  }
  return graph;
}

/** The import circles: strongly connected components of more than one file (Tarjan). */
function circles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.map((c) => relative(root, c)).sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/**
 * Modules outside the store seam that hold SQL statements, and why: each is itself the SQL of
 * one concern, where a store module would only move the text one file further from its reason.
 */
const SQL_FIRST: Record<string, string> = {
  "src/campaigns/planner.ts": "plans a million rows by one INSERT ... SELECT per chunk from the audience query",
  "src/campaigns/date-planner.ts": "plans each zone's slot by one INSERT ... SELECT from the audience query",
  "src/campaigns/after-delivery.ts": "writes a pass's prompts and timing decisions from JSON in one statement each",
  "src/campaigns/nudge.ts": "only statements: moves a date campaign's planning back when a date changes",
  "src/delivery/batch.ts": "the dispatcher's reads for a batch: recipients as arrays, staff, shipments",
  "src/delivery/checks.ts": "each recipient check's SQL form, beside its per-customer form",
  "src/customers/consent.ts": "the one writer of consent: ledger and profile statements",
  "src/customers/timeline.ts": "the one writer of the timeline",
  "src/usage/counter.ts": "the month's segment counter the dispatcher adds to",
  "src/webhooks/rejected.ts": "the rejected webhooks' table: kept, listed, pruned",
};

/** Data tables, not code: their length is their content. */
const LONG_ALLOWED = ["src/db/schema.ts", "src/worker/templates.gen.ts"];

describe("architecture rules", () => {
  it("has no import circle in src/ or bench/", () => {
    const all = [...files(join(root, "src")), ...files(join(root, "bench"))].filter((f) => !f.endsWith(".d.ts"));
    const graph = importGraph(all);
    expect([...graph.values()].flat().length).toBeGreaterThan(500);
    expect(circles(graph)).toEqual([]);
    // The check itself finds a circle when there is one.
    const a = join(root, "src/a.ts");
    const b = join(root, "src/b.ts");
    expect(
      circles(
        new Map([
          [a, [b]],
          [b, [a]],
        ]),
      ),
    ).toEqual([["src/a.ts", "src/b.ts"]]);
  });

  it("keeps raw SQL statements in store modules, db/, outbox/ and the listed SQL-first modules", () => {
    const statement = /rawAll\(|rawRows\(|sql: `|sql: "|\.(all|get|run|values)(<[^()]*>)?\(\s*sql`|sqlToQuery\(/;
    const seam = /^src\/(db|outbox|node|worker)\/|(^|\/)(store|[a-z-]+-store|store-[a-z-]+)\.ts$/;
    const holders = shared
      .map((f) => relative(root, f))
      .filter((f) => !seam.test(f) && statement.test(readFileSync(join(root, f), "utf8")));
    expect(holders.sort()).toEqual(Object.keys(SQL_FIRST).sort());
  });

  it("keeps every source file under 500 lines but the data tables", () => {
    const long = files(join(root, "src"))
      .map((f) => [relative(root, f), readFileSync(f, "utf8").split("\n").length] as const)
      .filter(([f, n]) => n > 500 && !LONG_ALLOWED.includes(f));
    expect(long).toEqual([]);
  });

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
