// Inbound SMS from webhooks and short links' clicks, on Node with the jobs thread: appended to a
// journal file of their own (`<database>-inbound`) by the HTTP thread, then moved into
// inbound_messages (just before the pipeline claims them) and link_clicks (before the click job
// counts them) by the jobs thread.
//
// Why a file of its own: SQLite has one write lock per file. When webhooks committed into the
// database, every commit of the pipeline (a group of messages handled, a reply, a customer)
// held them up, and each webhook commit dirtied a page in each of inbound_messages' five
// B-trees. Here the HTTP thread is the file's only writer, of one append-only table: a commit
// writes a few 4 KiB pages and never waits. In bench/ (inbound_webhook) this alone took the
// webhook from 5.8k to 13k requests a second, and p99 from 22 to 8 ms.
//
// Nothing is lost or doubled: a webhook answers 200 once its row is committed here; the move is
// `insert ... on conflict do nothing` (the provider id's unique index), so a message moved twice
// (the jobs thread died between moving and the HTTP thread pruning) or retried by the provider
// is stored once. Rows are pruned here once the jobs thread says it has moved them.

import { performance } from "node:perf_hooks";
import BetterSqlite3 from "better-sqlite3";
import type { Database, Statement } from "../db/client";
import type { ChannelRow } from "../db/schema";
import type { InboundSms } from "../delivery/provider";
import { type InboundRecord, inboundInsertStatements } from "../inbound/store";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import { CLICK_COLUMNS, type ClickRecord, insertClicks } from "../links/store";

/** What the two threads share: plain memory, no messages. */
export type JournalLink = {
  path: string;
  /** The highest seq of each table (inbound SMS, clicks) the jobs thread has moved into the database (written there, read here). */
  moved: BigInt64Array;
  /** How busy the HTTP thread's event loop was lately, per mille (written here, read there). */
  busy: Int32Array;
};

export const journalPath = (dbPath: string) => `${dbPath}-inbound`;

export function journalLink(dbPath: string): JournalLink {
  return {
    path: journalPath(dbPath),
    moved: new BigInt64Array(new SharedArrayBuffer(16)),
    busy: new Int32Array(new SharedArrayBuffer(4)),
  };
}

const SCHEMA = `create table if not exists inbound_journal (
  seq integer primary key autoincrement,
  id text not null, tenant_id text not null, channel_id text not null, provider_message_id text not null,
  from_phone text not null, to_phone text not null, body text not null, raw text not null, received_at integer not null
)`;
const COLUMNS = "id, tenant_id, channel_id, provider_message_id, from_phone, to_phone, body, raw, received_at";
const CLICKS_SCHEMA = `create table if not exists click_journal (
  seq integer primary key autoincrement,
  ${CLICK_COLUMNS.split(", ")
    .map((c) => `${c} ${c === "at" ? "integer" : "text"} not null`)
    .join(", ")}
)`;
/** Each table's slot in `moved`. */
const INBOUND = 0;
const CLICKS = 1;
// (AUTOINCREMENT: a seq is never used twice, even once every row is pruned, so "moved up to seq"
// never covers a newer row.)

const PRUNE_EVERY_MS = 1000;
/** How long a click waits to share a commit with the clicks after it. */
const CLICK_COMMIT_MS = 10;
/** Emptied after a storm, a file this big is rebuilt (VACUUM: milliseconds with no rows) to give the disk back. */
const SHRINK_OVER_BYTES = 16 * 2 ** 20;
const BUSY_EVERY_MS = 100;
/** Like the database's: the checkpoint thread copies this WAL back; the connection only if it stops. */
const FALLBACK_AUTO_CHECKPOINT = 10_000;

export type Journal = {
  /** Stores what a provider handed over; answers once it is committed. */
  append(
    channel: Pick<ChannelRow, "id" | "tenantId">,
    sms: InboundSms[],
    raw: (m: InboundSms) => string,
  ): Promise<number>;
  /**
   * Stores a short link's click within CLICK_COMMIT_MS, without waiting for it: nobody retries a
   * click, so waiting would make the redirect slower and keep no click a crash would lose.
   */
  appendClick(click: ClickRecord): void;
  /** Rows not yet pruned (moved or not), inbound SMS and clicks. */
  size(): number;
  close(): void;
};

/**
 * The HTTP thread's side. Appends handed over in one turn of the event loop share a commit,
 * which also prunes what the jobs thread has moved since the last one.
 */
export function openJournal(
  link: JournalLink,
  deps: { clock: Clock; ids: IdGenerator },
  opts: { shrinkOverBytes?: number } = {},
): Journal {
  const shrinkOver = opts.shrinkOverBytes ?? SHRINK_OVER_BYTES;
  const sqlite = new BetterSqlite3(link.path);
  sqlite.pragma("page_size = 4096");
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_AUTO_CHECKPOINT}`);
  // The WAL too goes back to this size once checkpointed, after a storm.
  sqlite.pragma(`journal_size_limit = ${SHRINK_OVER_BYTES}`);
  sqlite.exec(SCHEMA);
  sqlite.exec(CLICKS_SCHEMA);
  const pageSize = sqlite.pragma("page_size", { simple: true }) as number;
  const insert = [
    sqlite.prepare(`insert into inbound_journal (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    sqlite.prepare(`insert into click_journal (${CLICK_COLUMNS}) values (?, ?, ?, ?, ?, ?)`),
  ];
  const prune = [
    sqlite.prepare("delete from inbound_journal where seq <= ?"),
    sqlite.prepare("delete from click_journal where seq <= ?"),
  ];
  const count = sqlite
    .prepare("select (select count(*) from inbound_journal) + (select count(*) from click_journal)")
    .pluck();
  const pruned = [0n, 0n];
  const pruneMoved = () => {
    for (const slot of [INBOUND, CLICKS]) {
      const moved = Atomics.load(link.moved, slot);
      if (moved > (pruned[slot] as bigint)) {
        prune[slot]?.run(moved);
        pruned[slot] = moved;
      }
    }
  };
  // Clicks not yet committed: they go with the next commit, or by themselves after a moment.
  let clicks: unknown[][] = [];
  let clickTimer: ReturnType<typeof setTimeout> | null = null;
  const write = sqlite.transaction((items: { table: number; rows: unknown[][] }[]) => {
    for (const i of items) for (const r of i.rows) insert[i.table]?.run(r);
    for (const r of clicks) insert[CLICKS]?.run(r);
    clicks = [];
    pruneMoved();
  });
  const commitClicks = () => {
    clickTimer = null;
    if (clicks.length === 0) return;
    try {
      write([]);
    } catch (e) {
      // The disk is full, say: these clicks go uncounted (their redirects were answered).
      console.error(`${clicks.length} short link clicks could not be journaled:`, e);
      clicks = [];
    }
  };

  let group: { table: number; rows: unknown[][]; resolve(n: number): void; reject(e: unknown): void }[] = [];
  let scheduled = false;
  const commit = () => {
    scheduled = false;
    if (group.length === 0) return;
    const items = group;
    group = [];
    try {
      write(items);
      for (const i of items) i.resolve(i.rows.length);
    } catch (e) {
      // Disk full, say: each webhook answers 5xx and the provider sends it again.
      for (const i of items) i.reject(e);
    }
  };

  // Pruning when no webhook comes to do it; how busy this thread is, for the pipeline to yield to.
  const pruner = setInterval(() => {
    if (group.length > 0) return;
    try {
      sqlite.transaction(pruneMoved)();
      if ((sqlite.pragma("page_count", { simple: true }) as number) * pageSize > shrinkOver && count.get() === 0) {
        sqlite.exec("VACUUM");
      }
    } catch (e) {
      // Tried again in a second; moved rows left here a while longer are only moved again.
      console.error("pruning the inbound journal failed:", e);
    }
  }, PRUNE_EVERY_MS);
  let last = performance.eventLoopUtilization();
  const meter = setInterval(() => {
    const now = performance.eventLoopUtilization();
    Atomics.store(link.busy, 0, Math.round(performance.eventLoopUtilization(now, last).utilization * 1000));
    last = now;
  }, BUSY_EVERY_MS);
  pruner.unref();
  meter.unref();

  const enqueue = (table: number, rows: unknown[][]) =>
    new Promise<number>((resolve, reject) => {
      if (!scheduled) {
        scheduled = true;
        setImmediate(commit);
      }
      group.push({ table, rows, resolve, reject });
    });

  return {
    appendClick(c) {
      clicks.push([c.id, c.tenantId, c.code, c.at, c.agent, c.userAgent]);
      clickTimer ??= setTimeout(commitClicks, CLICK_COMMIT_MS);
    },
    append(channel, sms, raw) {
      if (sms.length === 0) return Promise.resolve(0);
      const now = deps.clock.now().getTime();
      const rows = sms.map((m) => [
        deps.ids.next("inb"),
        channel.tenantId,
        channel.id,
        m.providerMessageId,
        m.from,
        m.to,
        m.text,
        raw(m),
        now,
      ]);
      return enqueue(INBOUND, rows);
    },
    size: () => count.get() as number,
    close() {
      clearInterval(pruner);
      clearInterval(meter);
      if (group.length > 0) commit();
      if (clickTimer) clearTimeout(clickTimer);
      commitClicks();
      // What was moved goes now, not after a restart (a click moved again would be a repeat).
      try {
        if (sqlite.open) sqlite.transaction(pruneMoved)();
      } catch {
        // Pruned at the next start's first commit instead.
      }
      if (sqlite.open) sqlite.close();
    },
  };
}

const MOVE_ROWS = 1000;
/**
 * The pipeline waits while the HTTP thread is at least this busy (per mille)... Half, not nearly
 * all. On two cores a running pipeline also takes CPU from whoever sends the webhooks, so the
 * HTTP thread, short of requests, read only 0.73-0.85 busy and the pipeline went on running;
 * once it yields, the thread reads 0.85-1.0. At 850 the bench landed in either state, run to
 * run: 13.6-14.2k webhooks/s in the first, 16.5-17.5k in the second.
 */
const BUSY_PER_MILLE = 500;
/**
 * ...for this long at most before each batch, so a storm delays answers but never stops them.
 * The batch a storm lets through speeds up no reply that matters (they are answered in order of
 * arrival, so a storm's replies wait for its backlog whatever this is), but its CPU is taken
 * from the webhooks: two seconds rather than one was about 5 % more webhooks a second in bench/.
 */
const MAX_YIELD_MS = 2000;
const YIELD_STEP_MS = 20;

/** Waits while the HTTP thread is busy, two seconds at most. */
async function yieldToHttp(link: JournalLink) {
  // Counted in steps, not read from a clock: the wait is real time whatever clock the jobs use.
  for (let waited = 0; waited < MAX_YIELD_MS && Atomics.load(link.busy, 0) >= BUSY_PER_MILLE; ) {
    await new Promise((r) => setTimeout(r, YIELD_STEP_MS));
    waited += YIELD_STEP_MS;
  }
}

/**
 * Moves one journal table's rows into the database, a thousand at a time, from the start after
 * a restart (rows moved but not yet pruned are moved again, and ignored by the store's
 * `on conflict do nothing`); tells the HTTP thread how far it got, in the table's `moved` slot.
 */
function mover(
  link: JournalLink,
  db: Database,
  table: { name: string; columns: string; slot: number },
  store: (rows: unknown[][]) => Statement[],
) {
  let reader: BetterSqlite3.Database | null = null;
  let select: BetterSqlite3.Statement | null = null;
  let after = 0n;
  return {
    /** Rows moved (0: none waiting, or no journal file yet). */
    async move(): Promise<number> {
      if (!reader) {
        // The HTTP thread creates the file; until it has, there is nothing to move.
        try {
          reader = new BetterSqlite3(link.path, { readonly: true, fileMustExist: true });
        } catch {
          return 0;
        }
        reader.defaultSafeIntegers(false);
        select = reader
          .prepare(`select seq, ${table.columns} from ${table.name} where seq > ? order by seq limit ?`)
          .raw(true);
      }
      const rows = (select as BetterSqlite3.Statement).all(after, MOVE_ROWS) as unknown[][];
      if (rows.length === 0) return 0;
      await db.batch(store(rows));
      after = BigInt((rows[rows.length - 1] as unknown[])[0] as number);
      Atomics.store(link.moved, table.slot, after);
      return rows.length;
    },
    close() {
      reader?.close();
      reader = null;
    },
  };
}

/**
 * The jobs thread's side, run before each claim of the pipeline: while webhooks keep the HTTP
 * thread busy, waits (up to two seconds; the thread's nice value is not enough on two cores: a
 * CPU-bound thread at nice 19 beside the server still cost webhooks a quarter of their rate);
 * then moves up to a thousand journaled messages into inbound_messages.
 */
export function journalIntake(link: JournalLink, db: Database) {
  const m = mover(link, db, { name: "inbound_journal", columns: COLUMNS, slot: INBOUND }, (rows) =>
    inboundInsertStatements(rows.map(recordOf)),
  );
  return {
    async intake() {
      await yieldToHttp(link);
      // A bounded transaction per claim. The pipeline claims 200, so a backlog moves in ahead of
      // it (where GET /v1/inbound lists it as received) while the journal is pruned behind.
      await m.move();
    },
    close: () => m.close(),
  };
}

function recordOf(r: unknown[]): InboundRecord {
  return {
    id: r[1] as string,
    tenantId: r[2] as string,
    channelId: r[3] as string,
    providerMessageId: r[4] as string,
    from: r[5] as string,
    to: r[6] as string,
    text: r[7] as string,
    raw: r[8] as string,
    receivedAt: r[9] as number,
  };
}

/**
 * The jobs thread's side for clicks, run by the click job before each claim: yields to busy
 * redirects as the pipeline yields to webhooks (counting a click can wait; answering one cannot),
 * then moves what the redirect journaled into link_clicks (`on conflict do nothing`: a click
 * moved twice, after a restart, counts once).
 */
export function clickIntake(link: JournalLink, db: Database) {
  const m = mover(link, db, { name: "click_journal", columns: CLICK_COLUMNS, slot: CLICKS }, (rows) =>
    insertClicks(
      rows.map((r) => ({
        id: r[1] as string,
        tenantId: r[2] as string,
        code: r[3] as string,
        at: r[4] as number,
        agent: r[5] as ClickRecord["agent"],
        userAgent: r[6] as string,
      })),
    ),
  );
  return {
    async intake() {
      await yieldToHttp(link);
      while ((await m.move()) > 0);
    },
    close: () => m.close(),
  };
}
