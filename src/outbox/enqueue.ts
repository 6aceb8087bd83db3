// Putting messages in the outbox: one row at a time (an API call, a reply) or many from one
// SELECT (a campaign's audience). Every writer names its values by column through NewMessage,
// and the statement lists them in one order: a required column missing from a writer is a type
// error here, not a surprise in SQL.

import { type SQL, sql } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { RawStatement } from "../db/client";
import { type CampaignRow, type Experiment, LIVE_STATUSES, type MessageStatus } from "../db/schema";
import { armSql, REST } from "../experiments/assign";
import type { Expectation } from "../keywords/types";
import { bound, firstEntrySql, type V } from "./history";
import { isLive } from "./status";

const dialect = new SQLiteSyncDialect();

/** The columns a new message is written with; the rest start empty and the dispatcher fills them. */
export type NewMessage = {
  id: V<string>;
  tenantId: V<string>;
  customerId: V<string>;
  channelId: V<string | null>;
  campaignId?: V<string | null>;
  kind: V<"notification" | "marketing">;
  templateKey: V<string | null>;
  body?: V<string | null>;
  /** JSON text, or an SQL expression that gives JSON text. */
  variables: V<string>;
  isReply: V<boolean>;
  quietHours: V<boolean>;
  priority: V<number>;
  status: V<MessageStatus>;
  reason?: V<string | null>;
  reasonText?: V<string | null>;
  sendAt: V<number>;
  validUntil?: V<number | null>;
  dueAt: V<number>;
  idempotencyKey?: V<string | null>;
  requestHash?: V<string | null>;
  expects?: V<Expectation | null>;
  arm?: V<string | null>;
  createdAt: V<number>;
  updatedAt: V<number>;
  /** The history's first entry: its status and reason are the row's, at `at`. */
  first?: { at: V<number>; detail: V<string | null> };
};

/** Column names in the order every insert lists them. */
const COLUMNS: [keyof NewMessage, string][] = [
  ["id", "id"],
  ["tenantId", "tenant_id"],
  ["customerId", "customer_id"],
  ["channelId", "channel_id"],
  ["campaignId", "campaign_id"],
  ["kind", "kind"],
  ["templateKey", "template_key"],
  ["body", "body"],
  ["variables", "variables"],
  ["isReply", "is_reply"],
  ["quietHours", "quiet_hours"],
  ["priority", "priority"],
  ["status", "status"],
  ["reason", "reason"],
  ["reasonText", "reason_text"],
  ["sendAt", "send_at"],
  ["validUntil", "valid_until"],
  ["dueAt", "due_at"],
  ["idempotencyKey", "idempotency_key"],
  ["requestHash", "request_hash"],
  ["expects", "expects"],
  ["arm", "arm"],
  ["createdAt", "created_at"],
  ["updatedAt", "updated_at"],
];

/** An idempotency key already used in the workspace: the row is not written, and no error. */
const ONCE = sql.raw("on conflict (tenant_id, idempotency_key) where idempotency_key is not null do nothing");

const LIVE = sql.raw(`(${LIVE_STATUSES.map((x) => `'${x}'`).join(", ")})`);

/** `from` null: one row of the values given. */
function insert(m: NewMessage, from: SQL | null, once: boolean): RawStatement {
  const given = COLUMNS.filter(([k]) => m[k] !== undefined);
  const names = given.map(([, c]) => c);
  const values = given.map(([k]) => bound(m[k]));
  // A row written already out of the outbox (skipped on planning) is settled when written.
  if (typeof m.status !== "string") {
    names.push("settled_at");
    values.push(sql`case when ${m.status} in ${LIVE} then null else ${bound(m.createdAt)} end`);
  } else if (!isLive(m.status)) {
    names.push("settled_at");
    values.push(bound(m.createdAt));
  }
  if (m.first) {
    names.push("history");
    values.push(firstEntrySql(m.first.at, m.status, m.reason ?? null, m.first.detail));
  }
  const list = sql.join(values, sql`, `);
  const rows = from ? sql`select ${list} ${from}` : sql`values (${list})`;
  return dialect.sqlToQuery(sql`insert into messages (${sql.raw(names.join(", "))}) ${rows} ${once ? ONCE : sql``}`);
}

/**
 * Messages for every row `from` selects (`from customers c where ...`), their values SQL over
 * those rows. With `once`, a row whose idempotency key is taken is left out.
 */
export function enqueueSelect(m: NewMessage, from: SQL, opts: { once?: boolean } = {}): RawStatement {
  return insert(m, from, opts.once ?? false);
}

/**
 * One message, with its first history entry (with `once`, a repeated idempotency key writes
 * nothing).
 */
export function enqueueOne(
  m: NewMessage & { id: string; tenantId: string },
  first: { detail: string | null },
  opts: { once?: boolean } = {},
): RawStatement[] {
  return [insert({ ...m, first: { at: m.createdAt, detail: first.detail } }, null, opts.once ?? false)];
}

/**
 * What a campaign's message to each selected customer (`customers c`) takes from the campaign:
 * its channel, kind, template and priority; quiet hours for marketing.
 */
export function fromCampaign(
  c: Pick<
    CampaignRow,
    "id" | "channelId" | "messageKind" | "templateKey" | "priority" | "variablesByLocale" | "experiment"
  >,
  variables: Record<string, unknown>,
  /** A rollout's winner, once chosen: what the rest of the audience gets. */
  winner?: Experiment["arms"][number],
) {
  const base = JSON.stringify(variables);
  // The customer's language's own values over the common ones, chosen in the same statement.
  const byLocale = c.variablesByLocale && Object.keys(c.variablesByLocale).length > 0 ? c.variablesByLocale : null;
  const common = byLocale
    ? sql`json_patch(${base}, coalesce(json_extract(${JSON.stringify(byLocale)}, '$."' || c.locale || '"'), '{}'))`
    : sql`${base}`;
  const x = c.experiment;
  // In an experiment each customer's arm is chosen in the statement (the same hash as armOf),
  // with the template and values that arm changes.
  const arm = x ? sql.raw(armSql(x, c.id, "c.id")) : null;
  const byArm = (pick: (a: Experiment["arms"][number]) => string | undefined, otherwise: SQL) => {
    const arms = [...(x?.arms ?? []), ...(winner ? [{ ...winner, name: REST }] : [])];
    const whens = arms.flatMap((a) => {
      const v = pick(a);
      return v === undefined ? [] : [sql`when ${a.name} then ${v}`];
    });
    return whens.length === 0 ? otherwise : sql`case ${arm} ${sql.join(whens, sql` `)} else ${otherwise} end`;
  };
  return {
    tenantId: sql`c.tenant_id`,
    customerId: sql`c.id`,
    channelId: c.channelId,
    campaignId: c.id,
    kind: c.messageKind,
    templateKey: byArm((a) => a.template, sql`${c.templateKey}`),
    variables:
      x?.arms.some((a) => a.variables) || winner?.variables
        ? sql`json_patch(${common}, ${byArm((a) => (a.variables ? JSON.stringify(a.variables) : undefined), sql`'{}'`)})`
        : common,
    isReply: false,
    quietHours: c.messageKind === "marketing",
    priority: c.priority,
    arm,
  } satisfies Partial<NewMessage>;
}
