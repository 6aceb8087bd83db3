// Claims: the dispatcher takes due messages with a lease, in one atomic statement, so two
// dispatchers (threads, isolates, a restart) never hold the same row. These run across
// workspaces: each claimed row carries its tenant_id, and everything read for it afterwards is
// read under that.

import type { Database } from "../db/client";
import { columnsReader } from "../db/rows";
import { type MessageRow, messages, OUTBOX_LIVE } from "../db/schema";

// What processing needs from a claimed row (RETURNING * would copy every column out).
const CLAIMED = columnsReader(messages, [
  "id",
  "tenantId",
  "customerId",
  "channelId",
  "campaignId",
  "kind",
  "templateKey",
  "body",
  "variables",
  "isReply",
  "quietHours",
  "priority",
  "status",
  "reason",
  "sendAt",
  "validUntil",
  "dueAt",
  "attempts",
  "arm",
] as const);
const CLAIM_COLUMNS = CLAIMED.columns;

// One index range per (priority, status) on messages_due (status, priority, due_at), highest
// priority first: no sort over everything that is due, and urgent notifications overtake a
// large low-priority broadcast that is already queued. Each range gives `what` of its rows.
// Nested in pairs: D1 allows only a few terms in one compound SELECT (six fail there).
export const claimRanges = (what: string) =>
  [2, 1, 0].map(
    (p) =>
      `select ${what} from (${["queued", "planned"]
        .map(
          (s) =>
            `select ${what} from (select ${what} from messages where ${OUTBOX_LIVE} and status = '${s}' and priority = ${p} and due_at <= ? order by due_at limit ?)`,
        )
        .join(" union all ")})`,
  );
const claimParams = (now: number, limit: number) => [2, 1, 0].flatMap(() => [now, limit, now, limit]);
// The claim finds its rows by rowid, within its one statement: messages have no key of their
// own beyond (tenant_id, id), and the ranges cross workspaces.
const BY_ROWID = claimRanges("rowid").join(" union all ");
const BY_KEY = claimRanges("tenant_id, id").join(" union all ");

/** Higher priority first, then the longest due, then by id: the order a batch is sent in. */
const claimOrder = (a: MessageRow, b: MessageRow) =>
  b.priority - a.priority || a.dueAt - b.dueAt || (a.id < b.id ? -1 : 1);

/** Up to `limit` due messages, now `sending` under a lease until `now + leaseMs`. */
export async function claimDue(db: Database, now: number, limit: number, leaseMs: number): Promise<MessageRow[]> {
  const rows = await db.rawRows(
    `update messages set status = 'sending', lease_until = ?, attempts = attempts + 1, updated_at = ?
     where rowid in (select rowid from (${BY_ROWID}) limit ?)
     returning ${CLAIM_COLUMNS}`,
    [now + leaseMs, now, ...claimParams(now, limit), limit],
  );
  return rows.map(fromClaimed).sort(claimOrder);
}

/** A message by its key: its workspace and id. */
export type MessageKey = [tenantId: string, id: string];

/**
 * These messages (a queue batch on Workers), each if it is still due and waiting: a message the
 * queue delivers twice is claimed once.
 */
export async function claimKeys(db: Database, keys: MessageKey[], now: number, leaseMs: number): Promise<MessageRow[]> {
  const rows = await db.rawRows(
    `update messages set status = 'sending', lease_until = ?, attempts = attempts + 1, updated_at = ?
     where rowid in (select m.rowid from json_each(?) k
                     join messages m on m.tenant_id = k.value ->> 0 and m.id = k.value ->> 1)
       and status in ('queued', 'planned') and due_at <= ?
     returning ${CLAIM_COLUMNS}`,
    [now + leaseMs, now, JSON.stringify(keys), now],
  );
  return rows.map(fromClaimed).sort(claimOrder);
}

/** Due messages' keys, highest priority first, for a runtime that hands them to a queue. */
export async function dueMessageKeys(db: Database, now: number, limit: number): Promise<MessageKey[]> {
  const rows = await db.rawRows(`select tenant_id, id from (${BY_KEY}) limit ?`, [...claimParams(now, limit), limit]);
  return rows.map((r) => [r[0] as string, r[1] as string]);
}

export const RECOVER_SQL = `select * from messages where ${OUTBOX_LIVE} and status = 'sending' and lease_until < ? limit 5000`;

/** Messages whose sender died mid-send: still `sending`, their lease passed. */
export async function staleLeases(db: Database, now: number): Promise<MessageRow[]> {
  return (await db.rawAll<Record<string, unknown>>(RECOVER_SQL, [now])).map(fromRaw);
}

const COLUMN_KEYS: Record<string, keyof MessageRow> = Object.fromEntries(
  Object.entries(messages)
    .filter(([, col]) => typeof col === "object" && col !== null && "name" in (col as object))
    .map(([key, col]) => [(col as { name: string }).name, key as keyof MessageRow]),
);

/** A claimed row (CLAIM_COLUMNS, as an array: rawRows) as drizzle would type it. */
function fromClaimed(row: unknown[]): MessageRow {
  return CLAIMED.read(row) as MessageRow;
}

/** A raw `messages` row (snake_case) as drizzle would type it. */
function fromRaw(raw: Record<string, unknown>): MessageRow {
  const out: Record<string, unknown> = {};
  // (for...in, not Object.entries: a pair array per column of every claimed row was garbage.)
  for (const column in raw) out[COLUMN_KEYS[column] ?? column] = raw[column];
  out.variables = typeof raw.variables === "string" ? JSON.parse(raw.variables) : raw.variables;
  out.isReply = Boolean(raw.is_reply);
  out.quietHours = Boolean(raw.quiet_hours);
  return out as MessageRow;
}
