// The campaigns' SQL, by name: each function here is one statement, taking what it binds and
// returning its rows (or the statement, for a batch). The services around it (service.ts,
// stats.ts, forecast.ts, retime.ts) decide; this module only asks. It imports only db modules,
// so any campaign module can use it without an import circle. Not here: the planners' bulk
// writes (planner.ts, date-planner.ts, after-delivery.ts), built around the audience query,
// and the nudges other modules' writes carry (nudge.ts).

import { type SQL, sql } from "drizzle-orm";
import type { Database, RawStatement } from "../db/client";
import type { PromptCandidate } from "../shipments/store";

// --- The audience -----------------------------------------------------------------------------

/** The live customers of a workspace that `cond` (audienceSql: a condition on `customers c`) takes in. */
const audienceWhere = (tenantId: string, cond: SQL) =>
  sql`where c.tenant_id = ${tenantId} and c.deleted_at is null and ${cond}`;

/** How many live customers of the workspace `cond` takes in (one row): the fan-out guard's count. */
export async function countAudience(db: Database, tenantId: string, cond: SQL): Promise<{ n: number } | undefined> {
  return db.orm.get<{ n: number }>(
    sql`select count(*) as n from customers c where c.tenant_id = ${tenantId} and c.deleted_at is null and ${cond}`,
  );
}

// --- The forecast -----------------------------------------------------------------------------

export type ExclusionCount = { reason: string; zone: string | null; locale: string | null; n: number };

/**
 * The audience (`cond`) counted by exclusion reason and time zone: `reasonSql` is the
 * dispatcher's recipient checks as one SQL case (delivery/checks.ts recipientExclusionSql, ''
 * when none applies), `extra` narrows the audience (a slot's zones), and `from` is what `c`
 * is read from (a date slot's matching customers).
 */
export async function forecastExclusions(
  db: Database,
  tenantId: string,
  cond: SQL,
  reasonSql: string,
  extra: SQL,
  from: SQL = sql`customers c`,
): Promise<ExclusionCount[]> {
  const where = audienceWhere(tenantId, cond);
  return db.orm.all<ExclusionCount>(sql`
      select ${sql.raw(reasonSql)} as reason, c.time_zone as zone, c.locale as locale, count(*) as n
      from ${from} ${where} and ${extra} group by 1, 2, 3`);
}

/** The audience (`cond`) by experiment arm (`arm`: SQL over `customers c`). */
export async function audienceByArm(db: Database, tenantId: string, cond: SQL, arm: string) {
  return db.orm.all<{ arm: string; n: number }>(
    sql`select ${sql.raw(arm)} as arm, count(*) as n from customers c ${audienceWhere(tenantId, cond)} group by 1 order by 1`,
  );
}

/** The first `limit` of the audience (`cond`) with a phone, by id: whole customer rows. */
export async function audienceSample(
  db: Database,
  tenantId: string,
  cond: SQL,
  limit: number,
): Promise<Record<string, unknown>[]> {
  const base = sql`from customers c ${audienceWhere(tenantId, cond)}`;
  return db.orm.all<Record<string, unknown>>(
    sql`select c.* ${base} and c.phone is not null order by c.id limit ${limit}`,
  );
}

// --- A campaign's stats -----------------------------------------------------------------------

export type MessageTotals = {
  status: string;
  reason: string | null;
  n: number;
  segments: number;
  price: number;
  currency: string | null;
  /** The earliest due time among the group's unsent messages. */
  next_due: number | null;
};

/** A campaign's messages by status and reason, with their segments and price. */
export async function campaignMessageTotals(db: Database, tenantId: string, campaignId: string) {
  return db.rawAll<MessageTotals>(
    `select status, reason, count(*) as n, sum(coalesce(segments, 0)) as segments, sum(coalesce(price_micros, 0)) as price, max(currency) as currency,
       min(case when status in ('planned', 'queued') then due_at end) as next_due
     from messages where tenant_id = ? and campaign_id = ? group by status, reason`,
    [tenantId, campaignId],
  );
}

/** The replies a campaign had (one row). */
export async function campaignReplyCount(db: Database, tenantId: string, campaignId: string) {
  return db.rawAll<{ n: number }>(
    "select count(*) as n from inbound_messages where tenant_id = ? and campaign_id = ?",
    [tenantId, campaignId],
  );
}

/** The bucket of campaignSentByHour: its `h` is `sent_at / HOUR`. */
export const HOUR = 3_600_000;
const MAX_HOURS = 500;

/** A campaign's sent messages by hour, the latest MAX_HOURS hours that have any, latest first. */
export async function campaignSentByHour(db: Database, tenantId: string, campaignId: string) {
  return db.rawAll<{ h: number; n: number }>(
    `select sent_at / ${HOUR} as h, count(*) as n from messages
     where tenant_id = ? and campaign_id = ? and sent_at is not null group by h order by h desc limit ${MAX_HOURS}`,
    [tenantId, campaignId],
  );
}

/** An after-delivery campaign's shipments activated after its first sent prompt (one row). */
export async function shipmentsConvertedAfterPrompt(db: Database, tenantId: string, campaignId: string) {
  return db.rawAll<{ n: number }>(
    `select count(*) as n from (
         select d.shipment_id, min(m.sent_at) as first from timing_decisions d
         join messages m on m.tenant_id = d.tenant_id and m.id = d.message_id
         where d.tenant_id = ? and d.campaign_id = ? and m.sent_at is not null group by d.shipment_id) f
       join shipments s on s.tenant_id = ? and s.id = f.shipment_id where s.converted_at >= f.first`,
    [tenantId, campaignId, tenantId],
  );
}

/** A campaign's customers who had one of `eventTypes` after their first send (one row). */
export async function customersConvertedAfterSend(
  db: Database,
  tenantId: string,
  campaignId: string,
  eventTypes: string[],
) {
  return db.rawAll<{ n: number }>(
    `select count(*) as n from (
         select m.customer_id, min(m.sent_at) as first from messages m
         where m.tenant_id = ? and m.campaign_id = ? and m.sent_at is not null group by m.customer_id) f
       where exists (select 1 from events e, json_each(?) g where e.tenant_id = ? and e.customer_id = f.customer_id
                     and e.type = g.value and e.occurred_at >= f.first)`,
    [tenantId, campaignId, JSON.stringify(eventTypes), tenantId],
  );
}

/** The answers to a campaign's question: each respondent counts once, with their latest answer. */
export async function latestResponseCounts(db: Database, tenantId: string, campaignId: string, question: string) {
  return db.rawAll<{ value_text: string; value_number: number | null; n: number }>(
    `select value_text, value_number, count(*) as n from responses r
      where r.tenant_id = ? and r.campaign_id = ? and r.question = ?
        and r.rowid = (select x.rowid from responses x where x.tenant_id = r.tenant_id and x.campaign_id = r.campaign_id
                         and x.question = r.question and x.customer_id = r.customer_id order by x.at desc, x.rowid desc limit 1)
      group by value_text, value_number`,
    [tenantId, campaignId, question],
  );
}

// --- Re-timing after-delivery prompts ---------------------------------------------------------

/** A prompt still planned, with the shipment and customer it times by. */
export type PlannedPrompt = PromptCandidate & { message_id: string; step: number; send_at: number; arm: string | null };

/** An after-delivery campaign's prompts still planned and not marked late. */
export async function plannedPrompts(db: Database, tenantId: string, campaignId: string) {
  return db.rawAll<PlannedPrompt>(
    `select t.message_id, t.step, m.send_at, m.arm, s.id, s.customer_id, s.courier, s.region, s.reference, s.shipped_at,
         s.promised_days, c.time_zone as zone
       from timing_decisions t
       join messages m on m.tenant_id = t.tenant_id and m.id = t.message_id
       join shipments s on s.tenant_id = t.tenant_id and s.id = t.shipment_id
       join customers c on c.tenant_id = s.tenant_id and c.id = s.customer_id
       where t.tenant_id = ? and t.campaign_id = ? and m.status = 'planned' and t.late = 0`,
    [tenantId, campaignId],
  );
}

/**
 * The timing decisions of re-timed prompts (`changes`: the JSON array given to outbox
 * retimePlanned, each with its decision's columns) say how they were timed now.
 */
export function retimeDecisions(tenantId: string, changes: string): RawStatement {
  const j = (f: string) => `json_extract(j.value, '$.${f}')`;
  // The unary + keeps SQLite on the primary key rather than the tenant's index (see shipments).
  return {
    sql: `update timing_decisions set level = ${j("level")}, courier = ${j("courier")}, region = ${j("region")},
                quantile = ${j("quantile")}, lead_days = ${j("lead_days")}, samples = ${j("samples")}, send_date = ${j("send_date")}
              from json_each(?) j where +timing_decisions.tenant_id = ? and timing_decisions.message_id = ${j("id")}`,
    params: [changes, tenantId],
  };
}

/**
 * Running campaigns with nothing more to plan and nothing left to send (event and
 * after-delivery campaigns wait for events and shipments for as long as they run): every
 * workspace's, the planner's.
 */
export async function finishedCampaigns(db: Database) {
  return db.rawAll<{ id: string; tenant_id: string; name: string; kind: string; planned: number }>(
    `select id, tenant_id, name, kind, planned from campaigns
      where status = 'running' and kind not in ('event', 'after_delivery') and ${FINISHED}`,
    [],
  );
}

/** A running campaign that is finished: nothing more to plan, nothing left to send. */
// settled_at is null exactly while a message is in the outbox (OUTBOX_LIVE), and it leads
// messages_campaign after the campaign: one index probe.
export const FINISHED = `next_occurrence_at is null and not exists (select 1 from messages m
  where m.tenant_id = campaigns.tenant_id and m.campaign_id = campaigns.id and m.settled_at is null)`;

/** Completes a finished campaign, if it still is one. */
export function completeCampaign(tenantId: string, id: string, now: number): RawStatement {
  return {
    sql: `update campaigns set status = 'completed', updated_at = ?
          where tenant_id = ? and id = ? and status = 'running' and ${FINISHED}`,
    params: [now, tenantId, id],
  };
}

export type ArmCounts = {
  arm: string;
  audience: number;
  sent: number;
  delivered: number;
  clicked: number;
  replied: number;
  converted: number;
  /** Price of the arm's messages, in micros. */
  price: number;
};

/**
 * The goal event, within the window of one of the customer's messages (`m`) of the campaign.
 * The window opens at the message's planned time, in every arm alike: a held-out message is
 * skipped on time, while a sent one may wait for quiet hours, a cap or a pause, and opening it
 * at the send would give the messaged less time to convert than the held out.
 */
const WINDOW = "e.occurred_at >= m.send_at and e.occurred_at < m.send_at + ?";
const IN_WINDOW = `exists (select 1 from events e where e.tenant_id = m.tenant_id and e.customer_id = m.customer_id
  and e.type = ? and ${WINDOW})`;

/**
 * A campaign's experiment arms: customers planned, sent, delivered, who clicked a tracked link,
 * replied (an answer, not an opt-out or HELP), and who did the goal event within the window of
 * their message, whatever became of it: sent, held out, or skipped for a reason of its own (an
 * opt-out). Every customer assigned counts in their arm, as assigned, or the arms would
 * differ by more than the message: the holdout keeps its opted-out members, so must the others.
 */
export async function armCounts(
  db: Database,
  tenantId: string,
  campaignId: string,
  goal: { event: string; within_days: number } | null,
): Promise<ArmCounts[]> {
  return db.rawAll<ArmCounts>(
    `select m.arm as arm, count(distinct m.customer_id) as audience,
            count(distinct case when m.status in ('sent', 'delivered', 'undelivered', 'unknown') then m.customer_id end) as sent,
            count(distinct case when m.status = 'delivered' then m.customer_id end) as delivered,
            count(distinct case when exists (select 1 from links l where l.tenant_id = m.tenant_id and l.message_id = m.id
              and l.clicks > 0) then m.customer_id end) as clicked,
            count(distinct case when exists (select 1 from inbound_messages i where i.tenant_id = m.tenant_id
              and i.customer_id = m.customer_id and i.campaign_id = m.campaign_id
              and i.step in ('conversation', 'keyword', 'inbox')) then m.customer_id end) as replied,
            ${goal ? `count(distinct case when ${IN_WINDOW} then m.customer_id end)` : "0"} as converted,
            coalesce(sum(m.price_micros), 0) as price
       from messages m where m.tenant_id = ? and m.campaign_id = ? and m.arm is not null
      group by m.arm order by m.arm`,
    [...(goal ? [goal.event, goal.within_days * 86_400_000] : []), tenantId, campaignId],
  );
}

/**
 * How each arm's converters converted: customers per arm and the goal event's channel
 * (properties.channel: agent, app, sms…) in their window; "" when the event names none.
 */
export async function armGoalChannels(
  db: Database,
  tenantId: string,
  campaignId: string,
  goal: { event: string; within_days: number },
) {
  return db.rawAll<{ arm: string; channel: string; n: number }>(
    `select m.arm as arm, coalesce(json_extract(e.properties, '$.channel'), '') as channel,
            count(distinct m.customer_id) as n
       from messages m join events e on e.tenant_id = m.tenant_id and e.customer_id = m.customer_id and e.type = ?
        and ${WINDOW}
      where m.tenant_id = ? and m.campaign_id = ? and m.arm is not null
      group by 1, 2 order by 1, 2`,
    [goal.event, goal.within_days * 86_400_000, tenantId, campaignId],
  );
}

/**
 * A rollout's test: its messages not yet settled (waiting for quiet hours, a pause, the
 * provider), and when the last one settled (sent, or skipped).
 */
export async function rolloutTestProgress(db: Database, tenantId: string, campaignId: string) {
  return db.rawAll<{ unsettled: number | null; last: number | null }>(
    `select sum(settled_at is null) as unsettled, max(settled_at) as last
       from messages where tenant_id = ? and campaign_id = ? and arm is not null and arm <> 'rest'`,
    [tenantId, campaignId],
  );
}
