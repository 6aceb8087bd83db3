import { afterAll, describe, expect, it } from "vitest";
import { hmacBase64 } from "../src/lib/secretbox";
import { openDatabase } from "../src/node/db";
import { type SimulatorServer, startSimulatorServer } from "../src/node/simulator-server";
import { freePort } from "./net";
import { exited, fileWorkspace, queueNotifications, startServer as start } from "./spawn";
import { until } from "./wait";

const COUNT = 5000;

let sim: SimulatorServer | undefined;
afterAll(async () => {
  await sim?.close();
});

describe("crash safety", () => {
  it("kill -9 mid-dispatch of 5,000 messages, restart: each reached the simulator exactly once", async () => {
    sim = await startSimulatorServer({ config: { receipt_delay_ms: 0 } });
    const stats = async () =>
      (await (await fetch(`${sim?.url}/sim/stats`)).json()) as { accepted: number; duplicates: number; refs: string[] };

    // The workspace, its simulator channel (pointing at the simulator server) and 5,000 due messages.
    const { dbPath, keyText, db, clock, ids, tenant } = await fileWorkspace({
      prefix: "tidings-crash-",
      tenant: { name: "Crash Bank", slug: "crash" },
      clockAt: Date.now() - 60_000,
      // A millisecond per send stretches the run so the kill lands in the middle of it.
      channel: {
        name: "Remote simulator",
        provider: "simulator",
        config: { url: sim.url, latency_ms: 1 },
        credentials: {},
      },
    });
    const now = clock.now().getTime();
    queueNotifications(db, ids, tenant.id, COUNT, now);
    db.close();

    const env = {
      PORT: String(await freePort()),
      TIDINGS_DB_PATH: dbPath,
      TIDINGS_SEED_DEMO: "false",
      TIDINGS_SECRET_KEY: keyText,
      TIDINGS_DISPATCH_LEASE_MS: "2000",
    };
    // Kill while a batch is claimed (rows in 'sending'), not in the gap between two batches, so
    // the restart has leases to recover. Checking and killing are two steps in two processes:
    // if the batch finished in between (a busy machine), kill the next server the same way.
    const watch = openDatabase(dbPath);
    const sending = () =>
      (watch.sqlite.prepare("select count(*) as n from messages where status = 'sending'").get() as { n: number }).n;
    let stuck = 0;
    for (let attempt = 1; attempt <= 4 && stuck === 0; attempt++) {
      const server = start(env);
      const before = (await stats()).accepted;
      await until(
        `server ${attempt} to send 500 more (${server.output()})`,
        async () => (await stats()).accepted >= before + 500 && sending() > 0,
        60_000,
      );
      server.child.kill("SIGKILL");
      await exited(server.child);
      stuck = sending();
    }
    watch.close();
    expect(stuck).toBeGreaterThan(0);
    const atKill = await stats();
    expect(atKill.accepted).toBeLessThan(COUNT);

    const second = start(env);
    const check = openDatabase(dbPath);
    const done = () =>
      (
        check.sqlite.prepare("select count(*) as n from messages where status in ('sent', 'delivered')").get() as {
          n: number;
        }
      ).n;
    try {
      await until(`every message to be sent (${done()} so far)\n${second.output()}`, () => done() === COUNT, 120_000);
    } finally {
      second.child.kill("SIGTERM");
      await exited(second.child);
    }
    const after = await stats();
    // Each message reached the simulator once: 5,000 distinct message ids, no more, no fewer.
    expect(after.accepted).toBe(COUNT);
    expect(new Set(after.refs).size).toBe(COUNT);
    const ours = check.sqlite.prepare("select id from messages").all() as { id: string }[];
    expect(new Set(after.refs)).toEqual(new Set(ours.map((m) => m.id)));
    const recovered = check.sqlite
      .prepare(
        "select count(*) as n from messages m, json_each(m.history) e where e.value ->> 'reason' = 'lease_expired'",
      )
      .get() as { n: number };
    // The kill left claimed messages mid-send; every one was recovered and re-sent, de-duplicated.
    expect(recovered.n).toBeGreaterThanOrEqual(stuck);
    expect(after.duplicates).toBeGreaterThanOrEqual(0);
    check.close();
  }, 240_000);

  it("kill -9 amid a storm of inbound webhooks, restart: every one answered 200 is handled, once", async () => {
    const secret = "crash-inbound-secret-0123456789";
    const { dbPath, keyText, db, channel } = await fileWorkspace({
      prefix: "tidings-crash-inbound-",
      tenant: { name: "Crash Gym", slug: "crash-gym" },
      clockAt: Date.now(),
      channel: { name: "Sim", provider: "simulator", config: { from: "+8610690000" }, credentials: { secret } },
    });
    db.close();
    const port = await freePort();
    const env = {
      PORT: String(port),
      TIDINGS_DB_PATH: dbPath,
      TIDINGS_SEED_DEMO: "false",
      TIDINGS_SECRET_KEY: keyText,
      // Messages claimed by the killed server are taken again after this, not the default minute.
      TIDINGS_INBOUND_LEASE_MS: "2000",
    };

    // Webhooks from 16 connections until the server dies; the ids it answered 200 are kept.
    const server = start(env);
    await until(`the server (${server.output()})`, () => server.output().includes("listening"), 60_000);
    const accepted: string[] = [];
    let n = 0;
    let dead = false;
    const post = async (id: string) => {
      const body = JSON.stringify({
        id,
        from: `+86139${String(n % 400).padStart(8, "0")}`,
        to: "+8610690000",
        text: `question ${id}`,
      });
      const res = await fetch(`http://127.0.0.1:${port}/webhooks/simulator/${channel.id}/inbound`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-simulator-signature": hmacBase64("SHA-256", secret, body) },
        body,
      });
      await res.text();
      if (res.status === 200) accepted.push(id);
    };
    const senders = Array.from({ length: 16 }, async () => {
      while (!dead) await post(`crash-${n++}`).catch(() => {});
    });
    await until("1,500 webhooks answered", () => accepted.length >= 1500, 60_000);
    server.child.kill("SIGKILL");
    await exited(server.child);
    dead = true;
    await Promise.all(senders);

    // The restart has work left: journaled messages not yet moved in, or moved but not handled.
    const journal = openDatabase(`${dbPath}-inbound`);
    const journaled = journal.sqlite.prepare("select count(*) from inbound_journal").pluck().get() as number;
    journal.close();
    const check = openDatabase(dbPath);
    const processed = () =>
      check.sqlite.prepare("select count(*) from inbound_messages where status = 'processed'").pluck().get() as number;
    expect(
      journaled + (check.sqlite.prepare("select count(*) from inbound_messages").pluck().get() as number),
    ).toBeGreaterThan(processed());

    const second = start(env);
    try {
      await until(
        `every accepted webhook handled (${processed()} of ${accepted.length})\n${second.output()}`,
        () => {
          const rows = check.sqlite
            .prepare("select provider_message_id as id from inbound_messages where status = 'processed'")
            .pluck()
            .all() as string[];
          const done = new Set(rows);
          return accepted.every((id) => done.has(id));
        },
        120_000,
      );
    } finally {
      second.child.kill("SIGTERM");
      await exited(second.child);
    }
    // Once each: no provider id twice, nothing that was never sent, every message in the inbox once.
    const rows = check.sqlite.prepare("select provider_message_id as id, step from inbound_messages").all() as {
      id: string;
      step: string;
    }[];
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(rows.length).toBeLessThanOrEqual(n);
    expect(rows.length).toBeGreaterThanOrEqual(accepted.length);
    expect(new Set(rows.map((r) => r.step))).toEqual(new Set(["inbox"]));
    const items = check.sqlite.prepare("select count(*) from inbox_items").pluck().get() as number;
    expect(items).toBe(rows.length);
    check.close();
  }, 240_000);
});
