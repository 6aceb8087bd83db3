import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "./net";
import { TestSmsc } from "./smsc";
import { exited, fileWorkspace, queueNotifications, startServer } from "./spawn";
import { until } from "./wait";

const COUNT = 60;
/** Inbound SMS per holder: enough that the kill lands in the middle of them. */
const PER_HOLDER = 20;
const DELIVERIES = COUNT * (1 + PER_HOLDER);
const smsc = new TestSmsc();
afterAll(() => smsc.close());

describe("SMPP crash safety", () => {
  it("kill -9 while answering MOs and receipts, restart: nothing lost, nothing the SMSC had doubled", async () => {
    await smsc.start();
    // Receipts wait until the test sends them, all at once with the inbound SMS.
    smsc.receiptDelayMs = null;
    const { dbPath, keyText, db, clock, ids, tenant } = await fileWorkspace({
      prefix: "tidings-smpp-crash-",
      tenant: { name: "Card Centre", slug: "cards" },
      clockAt: Date.now() - 60_000,
      channel: {
        name: "Carrier",
        provider: "smpp",
        config: { host: "127.0.0.1", port: smsc.port, system_id: "tidings", source_addr: "1069" },
        credentials: { password: "secret" },
      },
    });
    const now = clock.now().getTime();
    queueNotifications(db, ids, tenant.id, COUNT, now);
    const count = (sql: string) => (db.sqlite.prepare(sql).get() as { n: number }).n;
    const env = {
      PORT: String(await freePort()),
      TIDINGS_DB_PATH: dbPath,
      TIDINGS_SEED_DEMO: "false",
      TIDINGS_SECRET_KEY: keyText,
    };

    const first = startServer(env);
    await until(
      `every message sent (${smsc.parts.length} at the SMSC)\n${first.output()}`,
      () => smsc.parts.length === COUNT && count("select count(*) as n from messages where status = 'sent'") === COUNT,
      60_000,
    );
    // A receipt for each message and an SMS from each holder, interleaved, as fast as they go.
    for (const [i, p] of smsc.parts.entries()) {
      smsc.receipt(p.messageId, p.to);
      const from = `86139${String(i).padStart(8, "0")}`;
      for (let j = 0; j < PER_HOLDER - 2; j++) smsc.inbound(from, `Card ${i}: note ${j}`);
      // The same word twice from one holder: two messages, never one.
      smsc.inbound(from, "OK");
      smsc.inbound(from, "OK");
    }
    // Killed as soon as the first answers are in, checked at every turn of the event loop.
    const started = Date.now();
    while (smsc.acked < 20 && Date.now() - started < 30_000) await new Promise((r) => setImmediate(r));
    first.child.kill("SIGKILL");
    await exited(first.child);
    const answeredAtKill = smsc.acked;
    // Answers the killed server wrote that the SMSC never read (a kill resets the socket): those
    // messages come again, and SMPP cannot tell them from a customer's repeat.
    const storedAtKill = count("select count(*) as n from inbound_messages");
    const unansweredAtKill = count("select count(*) as n from unanswered_deliveries");
    const inboundAnswered = smsc.deliveries.filter((d) => d.acked && d.options.esm_class === undefined).length;
    const answersLost = Math.max(0, storedAtKill - unansweredAtKill - inboundAnswered);
    expect(answeredAtKill).toBeGreaterThanOrEqual(20);
    expect(answeredAtKill).toBeLessThan(DELIVERIES);

    const second = startServer(env);
    await until("every delivery answered", () => smsc.acked === DELIVERIES, 60_000).catch((e) => {
      throw new Error(`${e.message}: ${smsc.acked} of ${DELIVERIES}\n${second.output()}`);
    });
    await until(
      "every receipt applied",
      () => count("select count(*) as n from messages where status = 'delivered'") === COUNT,
      10_000,
    );
    // Every SMS stored, each once but for those whose answer the kill lost; every receipt
    // applied once (one "delivered" line per message).
    const extra = count("select count(*) as n from inbound_messages") - COUNT * PER_HOLDER;
    expect(extra).toBeGreaterThanOrEqual(0);
    expect(extra).toBeLessThanOrEqual(answersLost);
    expect(count("select count(distinct body) as n from inbound_messages")).toBe(COUNT * (PER_HOLDER - 2) + 1);
    expect(count("select count(*) as n from inbound_messages where body = 'OK'")).toBeGreaterThanOrEqual(2 * COUNT);
    expect(
      count("select count(*) as n from messages m, json_each(m.history) e where e.value ->> 'status' = 'delivered'"),
    ).toBe(COUNT);
    // The SMSC did deliver again what had no answer at the kill.
    expect(smsc.deliveries.filter((d) => d.sentTimes > 1).length).toBeGreaterThan(0);

    // Stopping with an SMSC that has gone quiet (it will not answer the unbind) takes moments.
    smsc.silent = true;
    const stopping = Date.now();
    second.child.kill("SIGTERM");
    await exited(second.child);
    expect(Date.now() - stopping).toBeLessThan(5000);
    db.close();
  }, 120_000);
});
