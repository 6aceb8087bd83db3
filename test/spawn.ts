// The Node server as its own process, and the database file it runs on, for the tests that kill it.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChannelCreate } from "../src/channels/schemas";
import { createChannel } from "../src/channels/service";
import { ManualClock } from "../src/lib/clock";
import { IdGenerator } from "../src/lib/ids";
import { importSecretKey, newSecretKeyBase64 } from "../src/lib/secretbox";
import { migrateDatabase, type NodeDatabase, openDatabase } from "../src/node/db";
import { createTenant } from "../src/tenants/service";

const root = join(import.meta.dirname, "..");

/** One node process (not tsx's wrapper), so SIGKILL hits the server itself. */
export function startServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/node/main.ts"], {
    cwd: root,
    env: { ...process.env, ...env },
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stderr.on("data", (d) => {
    out += d;
  });
  return { child, output: () => out };
}

export const exited = (child: ChildProcess) => new Promise<void>((resolve) => child.on("exit", () => resolve()));

/** `count` customers and a queued notification to each, written straight into the database. */
export function queueNotifications(db: NodeDatabase, ids: IdGenerator, tenantId: string, count: number, now: number) {
  const insertCustomer = db.sqlite.prepare(
    `insert into customers (id, tenant_id, phone, name, locale, time_zone, tags, attributes, consent_state, source, created_at, updated_at)
     values (?, ?, ?, ?, 'en', 'Asia/Shanghai', '[]', '{}', 'never_asked', 'import', ?, ?)`,
  );
  const insertMessage = db.sqlite.prepare(
    `insert into messages (id, tenant_id, customer_id, kind, body, variables, is_reply, quiet_hours, status, send_at, due_at, attempts, created_at, updated_at)
     values (?, ?, ?, 'notification', ?, '{}', 0, 0, 'queued', ?, ?, 0, ?, ?)`,
  );
  db.sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const cid = ids.next("cus");
      insertCustomer.run(cid, tenantId, `+86139${String(i).padStart(8, "0")}`, `Holder ${i}`, now, now);
      insertMessage.run(ids.next("msg"), tenantId, cid, `Your card ${i} is on its way`, now, now, now, now);
    }
  })();
}

/**
 * A database file in a new folder, migrated, with one workspace (Shanghai, English) and its
 * default channel: what a server started by startServer() then runs on.
 */
export async function fileWorkspace(opts: {
  prefix: string;
  tenant: { name: string; slug: string };
  clockAt: number;
  channel: Pick<ChannelCreate, "name" | "provider" | "config" | "credentials">;
}) {
  const dbPath = join(mkdtempSync(join(tmpdir(), opts.prefix)), "tidings.db");
  const keyText = newSecretKeyBase64();
  const db = openDatabase(dbPath);
  migrateDatabase(db);
  const clock = new ManualClock(opts.clockAt);
  const ids = new IdGenerator(clock);
  const { tenant } = await createTenant(
    { db, clock, ids },
    { ...opts.tenant, default_country: "CN", time_zone: "Asia/Shanghai", locale: "en" },
  );
  const channel = await createChannel(
    { db, clock, ids, tenantId: tenant.id, secretKey: await importSecretKey(keyText), supports: () => true },
    { ...opts.channel, rate_per_second: null, number_caps: null, counting: "standard", default: true },
  );
  return { dbPath, keyText, db, clock, ids, tenant, channel };
}
