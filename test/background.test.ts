// The jobs on their own thread (src/node/background.ts, jobs-thread.ts), as `npm start` runs
// them: a real file database shared by two connections, a real worker thread, the real clock.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { newSecretKeyBase64 } from "../src/lib/secretbox";
import { type Background, startBackground } from "../src/node/background";
import { loadConfig } from "../src/node/config";
import { nodeDeps } from "../src/node/runtime";
import { client, tenant } from "./harness";

const dir = mkdtempSync(join(tmpdir(), "tidings-background-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function until<T>(what: string, probe: () => T | Promise<T>, ms = 30_000): Promise<NonNullable<T>> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

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
  deps.onMessageDue = () => background.kick("dispatch");
  const app = createApp(deps);
  const { client: api } = await tenant({ deps, app });
  expect((await api.post("/v1/channels", SIMULATOR)).status).toBe(201);
  const member = await api.post("/v1/customers", { phone: "13800138000", name: "Li Lei" });
  expect(member.status).toBe(201);
  const send = async (text: string) => {
    const res = await api.post("/v1/messages", { customer_id: member.body.id, kind: "notification", text });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const status = (id: string) =>
    (deps.db.sqlite.prepare("select status from messages where id = ?").get(id) as { status: string }).status;

  return { deps, background, send, status, api };
}

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

  it("checkpoints the WAL for the HTTP thread's connection, which no longer does", async () => {
    expect(svc.deps.db.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    const cp = await until("a checkpoint", () => background.lastCheckpoint);
    expect(cp.frames).toBeGreaterThan(0);
    expect(cp.copied).toBeGreaterThan(0);
  }, 30_000);

  it("comes back after the thread dies, and the HTTP thread checkpoints meanwhile", async () => {
    const thread = background.thread;
    expect(thread).not.toBeNull();
    await thread?.terminate();
    expect(svc.deps.db.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    const id = await svc.send("Second try");
    await until("a new thread", () => background.thread && background.thread !== thread);
    await until("the message to be sent", () => ["sent", "delivered"].includes(svc.status(id)));
    expect(svc.deps.db.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
  }, 60_000);

  it("stops when asked: running jobs finish, the thread ends and checkpointing comes home", async () => {
    const thread = background.thread;
    const exited = new Promise<number>((resolve) => thread?.once("exit", resolve));
    await background.stop();
    expect(await exited).toBe(0);
    expect(background.thread).toBeNull();
    expect(svc.deps.db.sqlite.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    // A kick after stop is ignored, not an error.
    background.kick("dispatch");
    svc.deps.db.close();
  }, 60_000);

  it("runs the jobs on this thread for an in-memory database, which a second connection cannot see", async () => {
    const config = loadConfig({ TIDINGS_DB_PATH: ":memory:", TIDINGS_SECRET_KEY: newSecretKeyBase64() });
    const deps = await nodeDeps(config);
    const bg = startBackground(config, deps);
    expect(bg.where).toBe("inline");
    expect(bg.thread).toBeNull();
    const app = createApp(deps);
    deps.onMessageDue = () => bg.kick("dispatch");
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
