// Long inbound SMS arrive as parts (UDH concatenation), in any order, each acknowledged to the
// SMSC on its own. Each part is stored as it comes; the one that completes the set turns them
// into one inbound message, as a handset would show it. A set still missing a part after a while
// is stored with what came, the gap marked, rather than never answered.

import type { Database, Statement } from "../db/client";
import type { ChannelRow } from "../db/schema";
import type { InboundPart } from "../delivery/provider";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import { inboundInsertStatements } from "./store";

/** How long the parts of a long SMS wait for the rest. */
export const PART_WAIT_MS = 5 * 60_000;
/** Where a part that never came would have been. */
export const MISSING_PART = " […] ";

type Deps = { db: Database; clock: Clock; ids: IdGenerator };
type PartRow = {
  tenant_id: string;
  channel_id: string;
  from_phone: string;
  to_phone: string;
  reference: number;
  total: number;
  seq: number;
  body: string;
  provider_message_id: string;
  received_at: number;
};

const KEY = "tenant_id = ? and channel_id = ? and from_phone = ? and to_phone = ? and reference = ? and total = ?";
const COLUMNS =
  "tenant_id, channel_id, from_phone, to_phone, reference, total, seq, body, provider_message_id, received_at";

/**
 * Stores one part (a part delivered twice is kept once); when it completes its message, stores
 * the message for the pipeline and forgets the parts, in one step. True when a message was stored.
 */
export async function storeInboundPart(
  deps: Deps,
  channel: Pick<ChannelRow, "id" | "tenantId">,
  part: InboundPart,
  /** Written with the part (the record that it awaits its answer). */
  extra: Statement[] = [],
): Promise<boolean> {
  const now = deps.clock.now().getTime();
  const key = [channel.tenantId, channel.id, part.from, part.to, part.reference, part.total];
  await deps.db.batch([
    ...extra,
    {
      sql: `insert into inbound_parts (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`,
      params: [
        ...key.slice(0, 3),
        part.to,
        part.reference,
        part.total,
        part.seq,
        part.text,
        part.providerMessageId,
        now,
      ],
    },
  ]);
  const rows = await partsOf(deps.db, key);
  if (rows.length < part.total) return false;
  await deps.db.batch(joined(deps, rows, now));
  return true;
}

/** The parts of one set (by KEY's values), in order. */
function partsOf(db: Database, key: unknown[]): Promise<PartRow[]> {
  return db.rawAll<PartRow>(`select ${COLUMNS} from inbound_parts where ${KEY} order by seq`, key);
}

/** Sets that waited too long for a part: stored with what came. Returns how many. */
export async function flushStaleParts(deps: Deps): Promise<number> {
  const now = deps.clock.now().getTime();
  // Every workspace's (a job's sweep): the sets whose first part came before the cut-off, then
  // each set whole.
  const sets = await deps.db.rawAll<
    Pick<PartRow, "tenant_id" | "channel_id" | "from_phone" | "to_phone" | "reference" | "total">
  >(
    `select tenant_id, channel_id, from_phone, to_phone, reference, total from inbound_parts
      group by tenant_id, channel_id, from_phone, to_phone, reference, total
      having min(received_at) < ? limit 500`,
    [now - PART_WAIT_MS],
  );
  for (const s of sets) {
    const key = [s.tenant_id, s.channel_id, s.from_phone, s.to_phone, s.reference, s.total];
    const rows = await partsOf(deps.db, key);
    if (rows.length > 0) await deps.db.batch(joined(deps, rows, now));
  }
  return sets.length;
}

/**
 * The message a set of parts makes, and the parts' removal. Its provider id comes from its parts'
 * (the least of theirs), so two callers completing the same set at once store it once.
 */
function joined(deps: Deps, rows: PartRow[], now: number): Statement[] {
  const first = rows[0] as PartRow;
  const bySeq = new Map(rows.map((r) => [r.seq, r.body]));
  let text = "";
  for (let seq = 1; seq <= first.total; seq++) text += bySeq.get(seq) ?? MISSING_PART;
  const named = [...rows].sort((a, b) => a.provider_message_id.localeCompare(b.provider_message_id))[0] as PartRow;
  const missing = first.total - bySeq.size;
  return [
    ...inboundInsertStatements([
      {
        id: deps.ids.next("inb"),
        tenantId: first.tenant_id,
        channelId: first.channel_id,
        providerMessageId: `${named.provider_message_id}+${first.total}`,
        from: first.from_phone,
        to: first.to_phone,
        text: text.trim(),
        raw: JSON.stringify({
          reference: first.reference,
          total: first.total,
          parts: rows.map((r) => r.provider_message_id),
          ...(missing > 0 ? { missing } : {}),
        }),
        receivedAt: now,
      },
    ]),
    {
      sql: `delete from inbound_parts where ${KEY}`,
      params: [first.tenant_id, first.channel_id, first.from_phone, first.to_phone, first.reference, first.total],
    },
  ];
}
