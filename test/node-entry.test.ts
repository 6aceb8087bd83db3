import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "./net";

const root = join(import.meta.dirname, "..");
// These tests start real processes (tsx compiles on start); on 2 busy cores that takes a while.
const SPAWN_TIMEOUT = 120_000;
const tsx = join(root, "node_modules/.bin/tsx");
// The build this file makes and runs (as deep as dist/node/, which it leaves alone).
const BUILD_DIR = "dist/test-node";

/**
 * The service from source under tsx, or (`built`) from a build, as `npm start` runs it. One
 * node process either way: tsx's own wrapper relays a signal and waits for its child to say it
 * got it; on busy cores the child was slow to say so and the wrapper killed it (exit 130).
 */
function start(env: Record<string, string>, built = false) {
  const args = built ? [`${BUILD_DIR}/main.js`] : ["--import", "tsx", "src/node/main.ts"];
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env } });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes("listening")) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    child.on("exit", () => {
      clearInterval(timer);
      reject(new Error(`exited early:\n${out}`));
    });
  });
  return { child, ready, output: () => out };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

describe("npm start (src/node/main.ts)", () => {
  it(
    "creates the database, seeds the demo once, serves the API and shuts down on SIGTERM",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "tidings-"));
      const port = await freePort();
      const env = { PORT: String(port), TIDINGS_DB_PATH: join(dir, "nested", "tidings.db") };
      const first = start(env);
      await first.ready;
      const key = /API key \(shown once, keep it\): (tid_\S+)/.exec(first.output())?.[1];
      expect(key).toBeDefined();
      expect(first.output()).toContain(`http://127.0.0.1:${port}`);
      const base = `http://127.0.0.1:${port}`;
      expect((await (await fetch(`${base}/health`)).json()).ok).toBe(true);
      const list = await (
        await fetch(`${base}/v1/customers?limit=100`, { headers: { authorization: `Bearer ${key}` } })
      ).json();
      expect(list.data, first.output()).toHaveLength(50);
      const stopped = exited(first.child);
      first.child.kill("SIGTERM");
      expect(await stopped, first.output()).toBe(0);
      expect(first.output()).toContain("Stopped.");

      // A second start on the same file keeps the data and does not seed again.
      const second = start(env);
      await second.ready;
      expect(second.output()).not.toContain("Created the demo workspace");
      const again = await (
        await fetch(`${base}/v1/customers?limit=1`, { headers: { authorization: `Bearer ${key}` } })
      ).json();
      expect(again.data).toHaveLength(1);
      const done = exited(second.child);
      second.child.kill("SIGINT");
      expect(await done, second.output()).toBe(0);
    },
    SPAWN_TIMEOUT,
  );

  it(
    "runs from the build (npm start): the bundle and its threads, with no TypeScript loader",
    async () => {
      const build = spawnSync(process.execPath, ["scripts/build.mjs", BUILD_DIR], { cwd: root, encoding: "utf8" });
      expect(build.status, build.stderr).toBe(0);
      const dir = mkdtempSync(join(tmpdir(), "tidings-"));
      const port = await freePort();
      const service = start({ PORT: String(port), TIDINGS_DB_PATH: join(dir, "tidings.db") }, true);
      await service.ready;
      const key = /API key \(shown once, keep it\): (tid_\S+)/.exec(service.output())?.[1];
      const base = `http://127.0.0.1:${port}`;
      // An import goes through the parse thread's bundle; the file database through the checkpoint thread's.
      const imported = await fetch(`${base}/v1/customers/import`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "text/csv" },
        body: "phone,name,member_id\n13800138000,王芳,B1\n555,Bad,B2\n",
      });
      expect(await imported.json(), service.output()).toMatchObject({ created: 1, rejected: 1 });
      const list = await (
        await fetch(`${base}/v1/customers?limit=100`, { headers: { authorization: `Bearer ${key}` } })
      ).json();
      expect(list.data.map((c: { name: string }) => c.name)).toContain("王芳");
      // Bundled packages that find files of their own at run time: the docs page's assets.
      const docs = await fetch(`${base}/docs`);
      expect(docs.status).toBe(200);
      const asset = /(?:src|href)="([^"]*swagger-ui[^"]*\.(?:js|css))"/.exec(await docs.text())?.[1];
      expect(asset).toBeDefined();
      expect((await fetch(new URL(asset as string, `${base}/docs`))).status).toBe(200);
      expect((await (await fetch(`${base}/openapi.json`)).json()).paths).toHaveProperty(["/v1/customers/import"]);
      // The bundles are ASCII: a character beyond Latin-1 doubles what each thread holds of its
      // bundle (scripts/ascii.mjs).
      for (const file of readdirSync(BUILD_DIR).filter((f) => f.endsWith(".js")))
        expect(/[\u0080-\uffff]/.test(readFileSync(join(BUILD_DIR, file), "utf8")), file).toBe(false);
      const stopped = exited(service.child);
      service.child.kill("SIGTERM");
      expect(await stopped, service.output()).toBe(0);
      expect(service.output()).not.toMatch(/thread (failed|exited)/);
    },
    SPAWN_TIMEOUT,
  );

  it("fails fast with a clear message on bad configuration", () => {
    const res = spawnSync(tsx, ["src/node/main.ts"], {
      cwd: root,
      env: { ...process.env, PORT: "not-a-port", TIDINGS_SEED_DEMO: "perhaps" },
      encoding: "utf8",
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("Invalid configuration");
    expect(res.stderr).toContain("PORT");
    expect(res.stderr).toContain("TIDINGS_SEED_DEMO");
  });
});

describe("operator CLI (npm run cli)", () => {
  it(
    "creates a workspace and keys, imports a CSV and revokes a key",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "tidings-cli-"));
      const env = { ...process.env, TIDINGS_DB_PATH: join(dir, "cli.db") };
      const cli = (...args: string[]) =>
        spawnSync(tsx, ["src/node/cli.ts", ...args], { cwd: root, env, encoding: "utf8" });

      const created = cli(
        "tenant:create",
        "--name",
        "Iron Temple",
        "--slug",
        "iron",
        "--country",
        "US",
        "--time-zone",
        "America/New_York",
        "--locale",
        "en",
      );
      expect(created.status, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/Admin API key \(shown once\): tid_\S+/);

      const key = cli("key:create", "--tenant", "iron", "--scope", "read", "--name", "reports");
      expect(key.stdout).toMatch(/Created read key key_\S+ \(tid_\w{8}\)/);
      const keyId = /key (key_\S+)/.exec(key.stdout)?.[1] as string;

      const csv = join(dir, "members.csv");
      writeFileSync(csv, "\ufeffname,phone,tier\r\nAlice,(212) 555-1000,gold\r\nBob,555,silver\r\n");
      const imported = cli("import", "--tenant", "iron", csv);
      expect(imported.status).toBe(0);
      expect(imported.stdout).toContain("rows 2: created 1, updated 0, unchanged 0, rejected 1");
      expect(imported.stdout).toContain("line 3, phone: '555' is too short");

      expect(cli("key:list", "--tenant", "iron").stdout).toMatch(/reports\tactive/);
      expect(cli("key:revoke", "--tenant", "iron", keyId).stdout).toContain(`Revoked ${keyId}`);
      expect(cli("key:list", "--tenant", "iron").stdout).toMatch(/reports\trevoked/);
      expect(cli("tenant:list").stdout).toContain("iron\t");

      const unknown = cli("key:list", "--tenant", "nope");
      expect(unknown.status).toBe(1);
      expect(unknown.stderr).toContain("no workspace with slug 'nope'");
      const dup = cli("tenant:create", "--name", "Again", "--slug", "iron");
      expect(dup.status).toBe(1);
      expect(dup.stderr).toContain("conflict");
    },
    SPAWN_TIMEOUT,
  );
});
