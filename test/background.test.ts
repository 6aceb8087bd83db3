// The jobs on their own thread (src/node/background.ts, jobs-thread.ts), as `npm start` runs
// them: a real file database shared by two connections, a real worker thread, the real clock.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { systemClock } from "../src/lib/clock";
import { hmacBase64, newSecretKeyBase64 } from "../src/lib/secretbox";
import { type Background, connectBackground, startBackground } from "../src/node/background";
import { startCheckpointer } from "../src/node/checkpointer";
import { loadConfig } from "../src/node/config";
import { openDatabase } from "../src/node/db";
import { nodeDeps } from "../src/node/runtime";
import { client, tenant } from "./harness";
import { until } from "./wait";

const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "tidings-background-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIMULATOR = {
  name: "Sim",
  provider: "simulator",
  config: { from: "+8610690000" },
  credentials: { secret: "background-test-secret-0123" },
  default: true,
};

async function service(file: string) {
  const config = loadConfig({ TIDINGS_DB_PATH: file, TIDINGS_SECRET_KEY: newSecretKeyBase64() });
  const deps = await nodeDeps(config);
  const background = startBackground(config, deps);
  connectBackground(deps, background);
  const app = createApp(deps);
  const { client: api } = await tenant({ deps, app });
  const channel = await api.post("/v1/channels", SIMULATOR);
  expect(channel.status).toBe(201);
  const member = await api.post("/v1/customers", { phone: "13800138000", name: "Li Lei" });
  expect(member.status).toBe(201);
  const send = async (text: string) => {
    const res = await api.post("/v1/messages", { customer_id: member.body.id, kind: "notification", text });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const status = (id: string) =>
    (deps.db.sqlite.prepare("select status from messages where id = ?").get(id) as { status: string }).status;

  /** A signed inbound webhook, as the simulator sends it. */
  const inbound = async (id: string, from: string, text: string) => {
    const body = JSON.stringify({ id, from, to: SIMULATOR.config.from, text });
    const res = await app.request(`/webhooks/simulator/${channel.body.id}/inbound`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-simulator-signature": hmacBase64("SHA-256", SIMULATOR.credentials.secret, body),
      },
      body,
    });
    return res.status;
  };

  return { deps, background, send, status, api, inbound, file };
}

describe("the checkpoint thread", () => {
  it("copies the WAL into the database file while this connection only appends to it", async () => {
    const db = openDatabase(join(dir, "checkpoints.db"));
    expect(db.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    const checkpointer = startCheckpointer(db, systemClock);
    expect(checkpointer).not.toBeNull();
    // This connection would checkpoint only far past what the thread lets the WAL reach.
    expect(db.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(10_000);
    db.sqlite.exec("create table t (v text)");
    const insert = db.sqlite.prepare("insert into t (v) values (?)");
    for (let i = 0; i < 200; i++) insert.run("x".repeat(1000));
    const done = await until("a checkpoint", () => checkpointer?.last);
    expect(done.frames).toBeGreaterThan(0);
    expect(done.copied).toBe(done.frames);
    await checkpointer?.stop();
    // Stopped: the connection checkpoints for itself again.
    expect(db.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    db.close();
    expect(startCheckpointer(openDatabase(":memory:"), systemClock)).toBeNull();
  }, 60_000);

  it("does not keep a process alive that is otherwise done (a bench, a CLI command)", () => {
    const script = join(dir, "done.ts");
    writeFileSync(
      script,
      `import { openDatabase } from ${JSON.stringify(join(root, "src/node/db.ts"))};
       import { startCheckpointer } from ${JSON.stringify(join(root, "src/node/checkpointer.ts"))};
       import { systemClock } from ${JSON.stringify(join(root, "src/lib/clock.ts"))};
       const db = openDatabase(${JSON.stringify(join(dir, "done.db"))});
       startCheckpointer(db, systemClock);
       db.sqlite.exec("create table t (v text)");
       console.log("done");`,
    );
    const run = spawnSync(process.execPath, ["--import", "tsx", script], {
      cwd: root,
      timeout: 30_000,
      encoding: "utf8",
    });
    expect(run.stdout).toContain("done");
    // Killed by the timeout (signal set, no status) if the thread held the event loop open.
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
  }, 60_000);
});

describe("the jobs thread", () => {
  let svc: Awaited<ReturnType<typeof service>>;
  let background: Background;

  it("sends a message due now from the other thread, kicked by the API", async () => {
    svc = await service(join(dir, "a.db"));
    background = svc.background;
    expect(background.where).toBe("thread");
    const id = await svc.send("Your card is on its way");
    // Nothing on this thread sends: the status changes only because the thread dispatched it.
    await until("the message to be sent", () => ["sent", "delivered"].includes(svc.status(id)));
    const history = await svc.api.get(`/v1/messages/${id}`);
    expect(history.body.text).toBe("Your card is on its way");
    expect(history.body.history.map((h: { status: string }) => h.status)).toContain("sent");
  }, 60_000);

  it("journals webhooks' SMS beside the database; the thread moves them in, once each, and answers", async () => {
    expect(svc.deps.storeInbound).toBeDefined();
    expect(await svc.inbound("bg-1", "+8613800138000", "STOP")).toBe(200);
    // The provider did not hear the answer and sends it again.
    expect(await svc.inbound("bg-1", "+8613800138000", "STOP")).toBe(200);
    expect(await svc.inbound("bg-2", "+8613900139000", "What time do you open?")).toBe(200);
    const handled = () =>
      svc.deps.db.sqlite
        .prepare("select provider_message_id as id, step, status from inbound_messages order by provider_message_id")
        .all() as { id: string; step: string; status: string }[];
    await until("both to be handled", () => handled().filter((r) => r.status === "processed").length === 2);
    expect(handled()).toEqual([
      { id: "bg-1", step: "opt_out", status: "processed" },
      { id: "bg-2", step: "inbox", status: "processed" },
    ]);
    // The opt-out's confirmation went out from the thread too.
    await until("the confirmation", () =>
      svc.deps.db.sqlite.prepare("select 1 from messages where is_reply = 1 and status in ('sent', 'delivered')").get(),
    );
    // Moved rows leave the journal.
    const journal = new BetterSqlite3(`${svc.file}-inbound`, { readonly: true });
    await until(
      "the journal to be pruned",
      () => journal.prepare("select count(*) from inbound_journal").pluck().get() === 0,
    );
    journal.close();
  }, 60_000);

  it("comes back after the thread dies", async () => {
    const thread = background.thread;
    expect(thread).not.toBeNull();
    await thread?.terminate();
    const id = await svc.send("Second try");
    await until("a new thread", () => background.thread && background.thread !== thread);
    await until("the message to be sent", () => ["sent", "delivered"].includes(svc.status(id)));
  }, 60_000);

  it("stops when asked: running jobs finish and the thread ends", async () => {
    const thread = background.thread;
    const exited = new Promise<number>((resolve) => thread?.once("exit", resolve));
    await background.stop();
    expect(await exited).toBe(0);
    expect(background.thread).toBeNull();
    // A kick after stop is ignored, not an error.
    background.kick("dispatch");
    background.close();
    svc.deps.db.close();
  }, 60_000);

  it("runs the jobs on this thread for an in-memory database, which a second connection cannot see", async () => {
    const config = loadConfig({ TIDINGS_DB_PATH: ":memory:", TIDINGS_SECRET_KEY: newSecretKeyBase64() });
    const deps = await nodeDeps(config);
    const bg = startBackground(config, deps);
    expect(bg.where).toBe("inline");
    expect(bg.thread).toBeNull();
    const app = createApp(deps);
    connectBackground(deps, bg);
    const { key } = await tenant({ deps, app });
    const api = client({ app }, key);
    expect((await api.post("/v1/channels", SIMULATOR)).status).toBe(201);
    const member = await api.post("/v1/customers", { phone: "13800138001" });
    const sent = await api.post("/v1/messages", { customer_id: member.body.id, kind: "notification", text: "Hi" });
    await until("the message to be sent", async () =>
      ["sent", "delivered"].includes((await api.get(`/v1/messages/${sent.body.id}`)).body.status),
    );
    await bg.stop();
    deps.db.close();
  }, 60_000);
});
