// Planning after-delivery campaigns: one prompt per shipment (and its follow-ups), on the day
// the shipment's lead-time cell says the item has most likely arrived (shipped date + the
// quantile's lead days), at the campaign's local time in the customer's zone. A fixed rule
// (shipped date + N days) is the same with N given, so the two can be run side by side.
// Each message gets a timing decision (cell, level, quantile, lead days) that explains it.
// Whether the customer converted or the item came back is checked again at send time.

import { sql } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { Ctx } from "../context";
import type { Statement } from "../db/client";
import type { AfterDeliveryTrigger, CampaignRow } from "../db/schema";
import { armOf } from "../experiments/assign";
import { addDays, type CivilDate, formatCivil, localDate, zonedInstant } from "../lib/time";
import { enqueueSelect } from "../outbox/enqueue";
import { quantileOf } from "../shipments/lead";
import { freshModel, type Model, resolveCell } from "../shipments/model";
import type { PromptCandidate } from "../shipments/store";
import { endOfPass, type PlanDeps } from "./pass";
import { audienceSql } from "./service";

/** Shipments older than this get no first prompt when a campaign starts: that card is history. */
export const SHIPMENT_LOOKBACK_MS = 30 * 86_400_000;
/** A send time this far in the past is still sent as planned; later ones move to the next local send time. */
const GRACE_MS = 10 * 60_000;
const CHUNK = 5_000;

const dialect = new SQLiteSyncDialect();

export type Decision = {
  step: number;
  level: "cell" | "courier" | "tenant" | "promised" | "default" | "fixed";
  courier: string;
  region: string;
  quantile: number | null;
  leadDays: number;
  samples: number;
  date: CivilDate;
  at: number;
  late: boolean;
};

function timeOf(t: AfterDeliveryTrigger) {
  const [hour, minute] = t.delivery_time.split(":").map(Number) as [number, number];
  return { hour, minute };
}

/** The next local send time at or after an instant. */
function nextSendTime(t: AfterDeliveryTrigger, after: number, zone: string): { date: CivilDate; at: number } {
  const { hour, minute } = timeOf(t);
  let date = localDate(new Date(after), zone);
  for (let i = 0; i < 3; i++, date = addDays(date, 1)) {
    const at = zonedInstant(date, hour, minute, zone).getTime();
    if (at >= after) return { date, at };
  }
  throw new Error("no send time within three days");
}

/** When each prompt for one shipment goes, and why. `model` is null for a fixed rule. */
export function decide(t: AfterDeliveryTrigger, model: Model | null, s: PromptCandidate, now: number): Decision[] {
  const { hour, minute } = timeOf(t);
  const shipped = localDate(new Date(s.shipped_at), s.zone);
  const resolved = model ? resolveCell(model, s.courier, s.region) : null;
  const base = {
    courier: resolved?.cell.courier ?? s.courier,
    region: resolved?.cell.region ?? s.region,
    samples: resolved?.cell.samples ?? 0,
  };
  const lead = (q: number): { level: Decision["level"]; days: number } => {
    if ("fixed_days" in t.timing) return { level: "fixed", days: t.timing.fixed_days };
    if (resolved) return { level: resolved.level, days: quantileOf(resolved.cell.days, q) ?? t.default_days };
    if (s.promised_days !== null) return { level: "promised", days: s.promised_days };
    return { level: "default", days: t.default_days };
  };
  const at = (date: CivilDate) => zonedInstant(date, hour, minute, s.zone).getTime();
  const out: Decision[] = [];
  const q = "quantile" in t.timing ? t.timing.quantile : null;
  const first = lead(q ?? 0.8);
  let date = addDays(shipped, first.days);
  let when = at(date);
  let late = false;
  if (when < now - GRACE_MS) {
    // Known too late for its day (a shipment reported late, a campaign started on a backlog).
    ({ date, at: when } = nextSendTime(t, now, s.zone));
    late = true;
  }
  out.push({ step: 1, ...base, level: first.level, quantile: q, leadDays: first.days, date, at: when, late });
  const f = t.follow_up;
  if (!f) return out;
  for (let step = 2; step <= f.max_messages; step++) {
    const prev = out[out.length - 1] as Decision;
    let next = addDays(prev.date, f.after_days);
    let quantile: number | null = null;
    let leadDays = prev.leadDays + f.after_days;
    let level = prev.level;
    if (step === 2 && f.quantile !== undefined) {
      const l = lead(f.quantile);
      // A later quantile, but never the same day as the first prompt.
      const byQuantile = addDays(shipped, l.days);
      next = formatCivil(byQuantile) > formatCivil(prev.date) ? byQuantile : addDays(prev.date, 1);
      quantile = f.quantile;
      leadDays = l.days;
      level = l.level;
    }
    out.push({ step, ...base, level, quantile, leadDays, date: next, at: at(next), late: false });
  }
  return out;
}

/** A decision as its timing_decisions columns (planning writes them; re-timing rewrites them). */
export function decisionColumns(d: Decision) {
  return {
    level: d.level,
    courier: d.courier,
    region: d.region,
    quantile: d.quantile,
    lead_days: d.leadDays,
    samples: d.samples,
    send_date: formatCivil(d.date),
  };
}

export function explain(c: CampaignRow, t: AfterDeliveryTrigger, s: PromptCandidate, d: Decision): string {
  const when = `${formatCivil(d.date)} ${new Date(d.at).toISOString().slice(11, 16)} UTC (${s.zone})`;
  const shipped = `shipped ${formatCivil(localDate(new Date(s.shipped_at), s.zone))} by ${s.courier} to ${s.region}`;
  const cell = d.region
    ? `${d.courier} / ${d.region}`
    : d.courier
      ? `${d.courier}, all regions`
      : "the whole workspace";
  const why =
    d.level === "fixed"
      ? `the fixed rule: day ${d.leadDays}`
      : d.level === "promised"
        ? `too little data of our own: the courier's promised ${d.leadDays} days`
        : d.level === "default"
          ? `no data yet: the campaign's default of ${d.leadDays} days`
          : d.quantile !== null
            ? `${cell} (${d.level === "cell" ? "its own cell" : `fallback to ${d.level} level`}, ${d.samples} samples): p${Math.round(d.quantile * 100)} = day ${d.leadDays}`
            : `${t.follow_up?.after_days ?? 0} days after the previous prompt, if still not converted`;
  const step = d.step === 1 ? "Prompt" : `Follow-up ${d.step - 1}`;
  return `${step} by ${c.name}: ${shipped}; ${why} → ${when}${d.late ? "; that day had passed when the shipment was known, so the next send time" : ""}`;
}

/** One planning pass: every open shipment in the audience without prompts from this campaign gets them. */
export async function planAfterDelivery(deps: PlanDeps, c: CampaignRow): Promise<number> {
  const t = c.trigger as AfterDeliveryTrigger;
  const ctx: Ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: c.tenantId };
  const now = deps.clock.now().getTime();
  const model = "quantile" in t.timing ? await freshModel(ctx, t.item_kind) : null;
  const cond = await audienceSql(ctx, c.audience);
  const candidates = await ctx.db.orm.all<PromptCandidate>(sql`
    select s.id, s.customer_id, s.courier, s.region, s.reference, s.shipped_at, s.promised_days, c.time_zone as zone
    from shipments s cross join customers c on c.tenant_id = s.tenant_id and c.id = s.customer_id
    where s.tenant_id = ${c.tenantId} and s.item_kind = ${t.item_kind} and s.shipped_at >= ${now - SHIPMENT_LOOKBACK_MS}
      and s.converted_at is null and s.returned_at is null and c.deleted_at is null and ${cond}
      and not exists (select 1 from timing_decisions td where td.tenant_id = s.tenant_id and td.campaign_id = ${c.id}
        and td.shipment_id = s.id)
    order by s.id`);
  let written = 0;
  for (let i = 0; i < candidates.length; i += CHUNK) {
    written += await writeChunk(deps, c, t, model, candidates.slice(i, i + CHUNK), now);
  }
  // Waits for the next nudge (new shipments).
  await deps.db.batch(endOfPass(deps, c, written, now, { nextOccurrenceAt: null }));
  return written;
}

async function writeChunk(
  deps: PlanDeps,
  c: CampaignRow,
  t: AfterDeliveryTrigger,
  model: Model | null,
  chunk: PromptCandidate[],
  now: number,
): Promise<number> {
  const msgs: Record<string, unknown>[] = [];
  const decisions: Record<string, unknown>[] = [];
  const x = c.experiment;
  for (const s of chunk) {
    // In an experiment the customer's arm (the same hash as a broadcast's) picks the first
    // prompt's template and values; the holdout's prompts are planned and skipped when due.
    const armName = x ? armOf(x, c.id, s.customer_id) : null;
    const arm = x?.arms.find((a) => a.name === armName);
    // A send-time arm moves every prompt of the shipment by its hours; one that falls in the
    // past goes now.
    const shift = (arm?.shift_hours ?? 0) * 3_600_000;
    for (const planned of decide(t, model, s, now)) {
      const d = shift === 0 ? planned : { ...planned, at: Math.max(planned.at + shift, now) };
      const id = deps.ids.next("msg");
      const shipment = {
        id: s.id,
        reference: s.reference,
        courier: s.courier,
        region: s.region,
        shipped_on: formatCivil(localDate(new Date(s.shipped_at), s.zone)),
      };
      msgs.push({
        id,
        customer_id: s.customer_id,
        template: d.step > 1 && t.follow_up?.template ? t.follow_up.template : (arm?.template ?? c.templateKey),
        arm: armName,
        variables: JSON.stringify({
          ...c.variables,
          ...arm?.variables,
          shipment,
          step: d.step,
          ...(t.item_kind === "card" && s.reference ? { card: { last4: s.reference } } : {}),
        }),
        status: d.at > now ? "planned" : "queued",
        at: d.at,
        due: Math.max(d.at, now),
        valid_until: c.validForMs === null ? null : d.at + c.validForMs,
        key: `cmp:${c.id}:S${s.id}:${d.step}`,
        detail: `${explain(c, t, s, planned)}${shift === 0 ? "" : `; arm ${armName} moves it ${arm?.shift_hours} h to ${new Date(d.at).toISOString().slice(0, 16)}Z`}`,
      });
      decisions.push({
        message_id: id,
        shipment_id: s.id,
        step: d.step,
        ...decisionColumns(d),
        late: d.late ? 1 : 0,
      });
    }
  }
  const j = (f: string) => sql.raw(`json_extract(value, '$.${f}')`);
  const messagesJson = JSON.stringify(msgs);
  const statements: Statement[] = [
    // Quiet hours apply whatever the message kind: a prompt can wait for the morning.
    enqueueSelect(
      {
        id: j("id"),
        tenantId: c.tenantId,
        customerId: j("customer_id"),
        channelId: c.channelId,
        campaignId: c.id,
        kind: c.messageKind,
        templateKey: j("template"),
        variables: j("variables"),
        isReply: false,
        arm: j("arm"),
        quietHours: true,
        priority: c.priority,
        status: j("status"),
        sendAt: j("at"),
        validUntil: j("valid_until"),
        dueAt: j("due"),
        idempotencyKey: j("key"),
        createdAt: now,
        updatedAt: now,
        first: { at: now, detail: j("detail") },
      },
      sql`from json_each(${messagesJson}) where true`,
      { once: true },
    ),
    // Decisions only for the messages this statement wrote.
    dialect.sqlToQuery(sql`
      insert into timing_decisions (message_id, tenant_id, campaign_id, shipment_id, step, level, courier, region,
        quantile, lead_days, samples, send_date, late, created_at)
      select ${j("message_id")}, ${c.tenantId}, ${c.id}, ${j("shipment_id")}, ${j("step")}, ${j("level")}, ${j("courier")},
        ${j("region")}, ${j("quantile")}, ${j("lead_days")}, ${j("samples")}, ${j("send_date")}, ${j("late")}, ${now}
      from json_each(${JSON.stringify(decisions)})
      where exists (select 1 from messages m where m.tenant_id = ${c.tenantId} and m.id = ${j("message_id")})
      on conflict do nothing`),
  ];
  await deps.db.batch(statements);
  const n = await deps.db.rawAll<{ n: number }>(
    "select count(*) as n from messages where tenant_id = ? and id in (select value from json_each(?))",
    [c.tenantId, JSON.stringify(msgs.map((m) => m.id))],
  );
  return n[0]?.n ?? 0;
}
