import { and, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { assertApproved } from "../channels/bindings";
import { channelFor } from "../channels/service";
import type { Ctx } from "../context";
import type { Statement } from "../db/client";
import { prepared } from "../db/prepared";
import {
  type AfterDeliveryTrigger,
  type Audience,
  attributeDefinitions,
  type CampaignKind,
  type CampaignRow,
  type CampaignStatus,
  type CampaignTrigger,
  type CatchUp,
  campaigns,
} from "../db/schema";
import { inList } from "../db/sql";
import { compileFilter } from "../groups/segment";
import { customerFilterSql, segmentContext } from "../groups/service";
import { CronError, nextRun, parseCron } from "../lib/cron";
import { ConflictError, NotFoundError, ValidationError } from "../lib/errors";
import { iso } from "../lib/time";
import { cancelCampaignMessages, resumeCampaignMessages } from "../outbox/moves";
import type { TemplateLibrary } from "../templates/library";
import { checkTemplateKey, localeChain } from "../templates/service";
import { getTenantRow } from "../tenants/store";
import { campaignEvent } from "../webhooks-out/events";
import { checkedExperiment } from "./experiment";
import type { CampaignCreate, CampaignPatch } from "./schemas";
import { parseHolidayDate } from "./slots";
import { countAudience } from "./store";
import { campaignView, PRIORITY_NAME } from "./view";

export type CampaignEnv = Ctx & { library: TemplateLibrary };

/** Audiences above this need the count confirmed when scheduling (a fan-out guard). */
export const FANOUT_CONFIRM = 10_000;

export { campaignView, PRIORITY_NAME };

/** The audience as one SQL condition on `customers c` (groups OR customers OR filter, minus exclusions). */
export async function audienceSql(ctx: Ctx, audience: Audience): Promise<SQL> {
  const include: SQL[] = [];
  const refs = async (list: string[], path: string) =>
    Promise.all(
      list.map((ref, i) =>
        customerFilterSql(ctx, ref).catch((e) => {
          if (e instanceof NotFoundError) throw ValidationError.field(`${path}[${i}]`, `no group or segment '${ref}'`);
          throw e;
        }),
      ),
    );
  // customerFilterSql speaks of customers.id; inside the planner's query the table is `c`.
  const onC = (s: SQL) => sql`c.id in (select customers.id from customers where ${s})`;
  for (const s of await refs(audience.groups ?? [], "audience.groups")) include.push(onC(s));
  if (audience.customers?.length) include.push(sql`(${inList(sql.raw("c.id"), audience.customers)})`);
  if (audience.filter !== undefined)
    include.push(compileFilter(audience.filter, await segmentContext(ctx), "audience.filter"));
  let cond = audience.all ? sql`1` : sql`(${sql.join(include, sql` or `)})`;
  const exclude = await refs(audience.exclude_groups ?? [], "audience.exclude_groups");
  if (exclude.length > 0) cond = sql`${cond} and not (${sql.join(exclude.map(onC), sql` or `)})`;
  if (audience.exclude_marketing_within_days) {
    // "Received any marketing in the last N days": one probe of the customer's messages index.
    const since = ctx.clock.now().getTime() - audience.exclude_marketing_within_days * 86_400_000;
    cond = sql`${cond} and not exists (select 1 from messages rm where rm.tenant_id = c.tenant_id
      and rm.customer_id = c.id and rm.kind = 'marketing' and rm.is_reply = 0 and rm.sent_at >= ${since})`;
  }
  return cond;
}

export async function audienceCount(ctx: Ctx, audience: Audience): Promise<number> {
  const cond = await audienceSql(ctx, audience);
  const row = await countAudience(ctx.db, ctx.tenantId, cond);
  return row?.n ?? 0;
}

export async function campaignRow(ctx: Ctx, id: string): Promise<CampaignRow> {
  const r = await ctx.db.orm
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.tenantId, ctx.tenantId), eq(campaigns.id, id)))
    .get();
  if (!r) throw new NotFoundError("campaign", id);
  return r;
}

/** The workspace's campaigns of a kind that still react to events or shipments (not draft, not over). */
export async function liveCampaigns(ctx: Ctx, kind: CampaignKind): Promise<CampaignRow[]> {
  // Asked for every event and every inbound keyword: a query built once.
  return prepared(ctx.db, "liveCampaigns", (orm) =>
    orm
      .select()
      .from(campaigns)
      .where(
        and(
          eq(campaigns.tenantId, sql.placeholder("tenantId")),
          eq(campaigns.kind, sql.placeholder("kind")),
          inArray(campaigns.status, ["scheduled", "running", "paused"]),
        ),
      )
      .orderBy(campaigns.id)
      .prepare(),
  ).all({ tenantId: ctx.tenantId, kind });
}

export const PRIORITY = { low: 0, normal: 1, high: 2 } as const;

/** Kinds planned slot by slot, at a local time in each customer's zone (date-planner.ts). */
export const DATE_KINDS: ReadonlySet<string> = new Set(["date_relative", "holiday"]);

/** The kind-specific part of a new campaign, checked field by field. */
async function triggerOf(ctx: Ctx, input: CampaignCreate, tenantZone: string): Promise<CampaignTrigger | null> {
  const only = (fields: (keyof CampaignCreate)[], kinds: string) => {
    for (const f of fields)
      if (input[f] !== undefined) throw ValidationError.field(f, `is only for ${kinds} campaigns`);
  };
  if (input.kind !== "recurring") only(["cron", "time_zone"], "recurring");
  if (input.kind !== "broadcast") only(["send_at"], "broadcast");
  if (input.kind !== "date_relative") only(["anchor", "yearly", "offset"], "date_relative");
  if (input.kind !== "holiday") only(["holiday"], "holiday");
  if (input.kind !== "event") only(["event"], "event");
  if (input.kind !== "after_delivery") only(["after_delivery"], "after_delivery");
  if (!DATE_KINDS.has(input.kind)) only(["catch_up", "expires_end_of_local_day"], "date_relative and holiday");
  if (!DATE_KINDS.has(input.kind) && input.kind !== "after_delivery")
    only(["delivery_time"], "date_relative, holiday and after_delivery");
  if ((input.kind === "broadcast" || input.kind === "recurring") && !input.audience)
    throw ValidationError.field("audience", `is required for a ${input.kind} campaign`);

  const catchUp: CatchUp = input.catch_up ?? { policy: "send_late", within_hours: 12 };
  const deliveryTime = input.delivery_time ?? "09:00";
  switch (input.kind) {
    case "recurring": {
      if (!input.cron) throw ValidationError.field("cron", "is required for a recurring campaign");
      try {
        if (!nextRun(parseCron(input.cron), ctx.clock.now(), input.time_zone ?? tenantZone))
          throw new CronError("never matches a real date");
      } catch (e) {
        if (e instanceof CronError) throw ValidationError.field("cron", e.message);
        throw e;
      }
      return null;
    }
    case "date_relative": {
      if (!input.anchor) throw ValidationError.field("anchor", "is required for a date_relative campaign");
      if (input.anchor === "birthday") {
        if (input.yearly === false) throw ValidationError.field("yearly", "birthdays are always yearly");
      } else {
        const key = input.anchor.slice("attributes.".length);
        const def = await ctx.db.orm
          .select({ type: attributeDefinitions.type })
          .from(attributeDefinitions)
          .where(and(eq(attributeDefinitions.tenantId, ctx.tenantId), eq(attributeDefinitions.key, key)))
          .get();
        if (!def) throw ValidationError.field("anchor", `no attribute '${key}' in this workspace (see /v1/attributes)`);
        if (def.type !== "date")
          throw ValidationError.field("anchor", `attribute '${key}' is a ${def.type}, not a date`);
      }
      return {
        type: "date",
        anchor: input.anchor,
        yearly: input.anchor === "birthday" || input.yearly === true,
        offset: input.offset ?? { value: 0, unit: "days" },
        delivery_time: deliveryTime,
        catch_up: catchUp,
      };
    }
    case "holiday": {
      if (!input.holiday) throw ValidationError.field("holiday", "is required for a holiday campaign");
      if (typeof input.holiday === "object") {
        const d = parseHolidayDate(input.holiday.date);
        if (!d) throw ValidationError.field("holiday.date", "must be MM-DD (every year) or YYYY-MM-DD (once)");
      }
      return { type: "holiday", holiday: input.holiday, delivery_time: deliveryTime, catch_up: catchUp };
    }
    case "event": {
      if (!input.event) throw ValidationError.field("event", "is required for an event campaign");
      const cancel = input.event.cancel_on ?? [];
      if (cancel.includes(input.event.type))
        throw ValidationError.field("event.cancel_on", "cannot include the event that triggers the campaign");
      return {
        type: "event",
        event: input.event.type,
        delay: input.event.delay ?? { value: 0, unit: "minutes" },
        cancel_on: cancel,
      };
    }
    case "after_delivery":
      return afterDeliveryTrigger(ctx, input);
    default:
      return null;
  }
}

async function afterDeliveryTrigger(ctx: Ctx, input: CampaignCreate): Promise<AfterDeliveryTrigger> {
  const a = input.after_delivery;
  if (!a) throw ValidationError.field("after_delivery", "is required for an after_delivery campaign");
  if (a.quantile !== undefined && a.fixed_days !== undefined)
    throw ValidationError.field("after_delivery.fixed_days", "give quantile or fixed_days, not both");
  const quantile = a.fixed_days === undefined ? (a.quantile ?? 0.8) : null;
  const f = a.follow_up;
  if (f?.quantile !== undefined) {
    if (quantile === null)
      throw ValidationError.field("after_delivery.follow_up.quantile", "needs the model's timing, not fixed_days");
    if (f.quantile <= quantile)
      throw ValidationError.field("after_delivery.follow_up.quantile", `must be later than the quantile (${quantile})`);
  }
  if (f?.template) {
    const tenant = await getTenantRow(ctx.db, ctx.tenantId);
    const chain = localeChain(null, tenant.locale);
    await checkTemplateKey(ctx, (ctx as CampaignEnv).library, f.template, chain, "after_delivery.follow_up.template");
  }
  return {
    type: "after_delivery",
    item_kind: a.item_kind,
    timing: quantile === null ? { fixed_days: a.fixed_days as number } : { quantile },
    delivery_time: input.delivery_time ?? "18:00",
    follow_up: f
      ? {
          ...(f.quantile !== undefined && { quantile: f.quantile }),
          after_days: f.after_days,
          max_messages: f.max_messages,
          ...(f.template && { template: f.template }),
        }
      : null,
    default_days: a.default_days,
  };
}

/** `opts.id` fixes the id, so a caller that may run twice (an SMS command) creates it once. */
/** A campaign's definition from its create body, checked field by field (a new draft or a replaced one). */
async function definition(env: CampaignEnv, input: CampaignCreate) {
  // Its prompts are planned per shipment, not per customer row: values per language are not applied there yet.
  if (input.kind === "after_delivery" && input.variables_by_locale) {
    throw ValidationError.field("variables_by_locale", "is not used by after_delivery campaigns");
  }
  const tenant = await getTenantRow(env.db, env.tenantId);
  const chain = localeChain(null, tenant.locale);
  const t = await checkTemplateKey(env, env.library, input.template, chain, "template");
  const thanks = input.response?.thanks?.template;
  if (thanks) await checkTemplateKey(env, env.library, thanks, chain, "response.thanks.template");
  const trigger = await triggerOf(env, input, tenant.timeZone);
  const experiment = await checkedExperiment(env, input.kind, input.experiment, trigger, chain);
  const audience: Audience = (input.audience as Audience | undefined) ?? { all: true };
  await audienceSql(env, audience);
  if (input.channel_id) await channelFor(env, input.channel_id);
  return {
    name: input.name,
    kind: input.kind,
    cron: input.cron ?? null,
    timeZone: input.kind === "recurring" ? (input.time_zone ?? tenant.timeZone) : null,
    trigger,
    eventType: trigger?.type === "event" ? trigger.event : null,
    priority: PRIORITY[input.priority ?? "normal"],
    expiresEndOfDay: DATE_KINDS.has(input.kind) && input.expires_end_of_local_day !== false,
    templateKey: input.template,
    variables: input.variables,
    variablesByLocale: input.variables_by_locale ?? null,
    messageKind: input.message_kind ?? t.kind,
    audience,
    channelId: input.channel_id ?? null,
    nextOccurrenceAt: input.send_at ? Date.parse(input.send_at) : null,
    validForMs: input.valid_for_hours ? Math.round(input.valid_for_hours * 3_600_000) : null,
    trackLinks: input.track_links ?? null,
    experiment,
    response: input.response ?? null,
  };
}

export async function createCampaign(env: CampaignEnv, input: CampaignCreate, opts: { id?: string } = {}) {
  const values = await definition(env, input);
  const now = env.clock.now().getTime();
  const id = opts.id ?? env.ids.next("cmp");
  await env.db.batch([
    env.db.orm
      .insert(campaigns)
      .values({ ...values, id, tenantId: env.tenantId, status: "draft", createdAt: now, updatedAt: now }),
  ]);
  return campaignView(await campaignRow(env, id));
}

function notDraft(status: string) {
  return { status, reason: "not_draft" };
}

/** A draft's whole definition replaced (its kind too); nothing was planned from a draft. */
export async function replaceDraft(env: CampaignEnv, id: string, input: CampaignCreate) {
  const c = await campaignRow(env, id);
  if (c.status !== "draft")
    throw new ConflictError(`Only a draft can be replaced; this campaign is ${c.status}`, notDraft(c.status));
  const values = await definition(env, input);
  await env.db.batch([
    env.db.orm
      .update(campaigns)
      .set({ ...values, updatedAt: env.clock.now().getTime() })
      .where(and(eq(campaigns.tenantId, env.tenantId), eq(campaigns.id, c.id), eq(campaigns.status, "draft"))),
  ]);
  return campaignView(await campaignRow(env, id));
}

/** A new draft with the same definition as any campaign (to run a finished one again). */
export async function duplicateCampaign(env: CampaignEnv, id: string, name?: string) {
  const c = await campaignRow(env, id);
  const now = env.clock.now().getTime();
  const copy = env.ids.next("cmp");
  await env.db.batch([
    env.db.orm.insert(campaigns).values({
      tenantId: c.tenantId,
      kind: c.kind,
      trigger: c.trigger,
      eventType: c.eventType,
      priority: c.priority,
      expiresEndOfDay: c.expiresEndOfDay,
      cron: c.cron,
      timeZone: c.timeZone,
      templateKey: c.templateKey,
      variables: c.variables,
      variablesByLocale: c.variablesByLocale,
      response: c.response,
      messageKind: c.messageKind,
      audience: c.audience,
      channelId: c.channelId,
      validForMs: c.validForMs,
      trackLinks: c.trackLinks,
      experiment: c.experiment,
      id: copy,
      name: name ?? `${c.name} (copy)`.slice(0, 200),
      status: "draft",
      // A one-off's time is the original's; the copy sends when scheduled unless given one.
      nextOccurrenceAt: c.kind === "broadcast" && (c.nextOccurrenceAt ?? 0) > now ? c.nextOccurrenceAt : null,
      createdAt: now,
      updatedAt: now,
    }),
  ]);
  return campaignView(await campaignRow(env, copy));
}

/** Deletes a draft; a campaign that was ever scheduled keeps its record (cancel it instead). */
export async function deleteDraft(ctx: Ctx, id: string) {
  const c = await campaignRow(ctx, id);
  if (c.status !== "draft")
    throw new ConflictError(`Only a draft can be deleted; this campaign is ${c.status}: cancel it`, notDraft(c.status));
  await ctx.db.batch([
    ctx.db.orm
      .delete(campaigns)
      .where(and(eq(campaigns.tenantId, ctx.tenantId), eq(campaigns.id, c.id), eq(campaigns.status, "draft"))),
  ]);
}

export async function getCampaign(ctx: Ctx, id: string) {
  return campaignView(await campaignRow(ctx, id));
}

export async function listCampaigns(ctx: Ctx) {
  const rows = await ctx.db.orm
    .select()
    .from(campaigns)
    .where(eq(campaigns.tenantId, ctx.tenantId))
    .orderBy(desc(campaigns.id))
    .all();
  return { data: rows.map(campaignView) };
}

export async function updateCampaign(ctx: CampaignEnv, id: string, patch: CampaignPatch) {
  const c = await campaignRow(ctx, id);
  if (c.status !== "draft")
    throw new ConflictError(`Only a draft can be edited; this campaign is ${c.status}`, notDraft(c.status));
  if (patch.send_at !== undefined && c.kind !== "broadcast")
    throw ValidationError.field("send_at", "is only for broadcast campaigns");
  if (patch.audience) await audienceSql(ctx, patch.audience);
  const chain = localeChain(null, (await getTenantRow(ctx.db, ctx.tenantId)).locale);
  const experiment =
    patch.experiment === undefined
      ? undefined
      : await checkedExperiment(ctx, c.kind, patch.experiment, c.trigger, chain);
  await ctx.db.batch([
    ctx.db.orm
      .update(campaigns)
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.variables !== undefined && { variables: patch.variables }),
        ...(patch.variables_by_locale !== undefined && { variablesByLocale: patch.variables_by_locale }),
        ...(patch.audience !== undefined && { audience: patch.audience as Audience }),
        ...(patch.send_at !== undefined && { nextOccurrenceAt: Date.parse(patch.send_at) }),
        ...(patch.track_links !== undefined && { trackLinks: patch.track_links }),
        ...(experiment !== undefined && { experiment }),
        updatedAt: ctx.clock.now().getTime(),
      })
      .where(and(eq(campaigns.tenantId, ctx.tenantId), eq(campaigns.id, c.id), eq(campaigns.status, "draft"))),
  ]);
  return campaignView(await campaignRow(ctx, id));
}

/** When a campaign next sends: its cron's next time, or its send_at (now if none). */
export function firstOccurrence(c: CampaignRow, now: Date): number | null {
  if (c.kind === "event") return null;
  // Date and holiday campaigns: the planner's first pass works out the slots; after-delivery
  // ones plan the open shipments.
  if (DATE_KINDS.has(c.kind) || c.kind === "after_delivery") return now.getTime();
  if (c.kind === "recurring" && c.cron && c.timeZone)
    return nextRun(parseCron(c.cron), now, c.timeZone)?.getTime() ?? null;
  return c.nextOccurrenceAt ?? now.getTime();
}

const MOVES: Record<string, { from: CampaignStatus[]; to: CampaignStatus }> = {
  schedule: { from: ["draft"], to: "scheduled" },
  pause: { from: ["scheduled", "running"], to: "paused" },
  resume: { from: ["paused"], to: "scheduled" },
  cancel: { from: ["draft", "scheduled", "running", "paused"], to: "cancelled" },
};

/** Lifecycle: draft → scheduled → running → paused → completed | cancelled; anything else is a 409. */
export async function moveCampaign(
  ctx: Ctx,
  id: string,
  action: keyof typeof MOVES,
  opts: { confirm_audience?: number } = {},
) {
  const c = await campaignRow(ctx, id);
  const move = MOVES[action] as (typeof MOVES)[string];
  if (!move.from.includes(c.status)) {
    throw new ConflictError(`Cannot ${action} a ${c.status} campaign`, {
      status: c.status,
      allowed_from: move.from,
      reason: "campaign_status",
      action,
    });
  }
  const now = ctx.clock.now().getTime();
  let to = move.to;
  const set: Partial<CampaignRow> = {
    status: to,
    updatedAt: now,
    ...(action === "cancel" ? { reason: "cancelled" } : {}),
  };
  if (action === "schedule") {
    // Every template the campaign sends: an after-delivery follow-up may have its own.
    const followUp = (c.trigger as { follow_up?: { template?: string } } | null)?.follow_up?.template;
    for (const key of new Set([c.templateKey, ...(followUp ? [followUp] : [])]))
      await assertApproved(ctx, c.channelId, key);
    const count = await audienceCount(ctx, c.audience);
    // Date and event campaigns reach a few customers at a time; the others reach all at once.
    const guarded = c.kind !== "date_relative" && c.kind !== "event" && c.kind !== "after_delivery";
    if (guarded && count > FANOUT_CONFIRM && opts.confirm_audience !== count) {
      throw new ConflictError(
        `This campaign would reach ${count} customers; schedule again with confirm_audience: ${count} to go ahead`,
        { audience: count, threshold: FANOUT_CONFIRM },
      );
    }
    set.confirmedAudience = count;
    set.nextOccurrenceAt = firstOccurrence(c, ctx.clock.now());
    if (DATE_KINDS.has(c.kind)) set.activeSince = set.plannedUntil = now;
  }
  if (action === "resume" && (DATE_KINDS.has(c.kind) || c.kind === "event" || c.kind === "after_delivery")) {
    // Like recurring ones, slots missed while paused are not sent late.
    set.nextOccurrenceAt = firstOccurrence(c, ctx.clock.now());
    if (DATE_KINDS.has(c.kind)) set.activeSince = set.plannedUntil = now;
    if (c.planned > 0) set.status = to = "running";
  } else if (action === "resume" && c.kind === "recurring") {
    // Occurrences missed while paused are not sent late: the next one is from now.
    set.nextOccurrenceAt = firstOccurrence(c, ctx.clock.now());
    if (c.planned > 0) set.status = to = "running";
  } else if (action === "resume" && c.planned > 0 && c.nextOccurrenceAt === null) {
    // Already planned: it goes back to running, and its held messages go out.
    to = "running";
    set.status = to;
  }
  const statements: Statement[] = [
    ctx.db.orm
      .update(campaigns)
      .set(set)
      .where(and(eq(campaigns.tenantId, ctx.tenantId), eq(campaigns.id, c.id), eq(campaigns.status, c.status))),
  ];
  // What was planned and not yet sent is skipped; held messages are due again at once.
  if (action === "cancel") statements.push(cancelCampaignMessages(ctx.tenantId, c.id, now));
  if (action === "resume") statements.push(resumeCampaignMessages(ctx.tenantId, c.id, now));
  // Before the update it tells of, while the campaign still has its old status.
  const started = { audience: set.confirmedAudience, first_send_at: iso(set.nextOccurrenceAt ?? null) };
  if (action === "schedule") statements.unshift(campaignEvent(ctx, "campaign.started", c, c.status, now, started));
  await ctx.db.batch(statements);
  return campaignView(await campaignRow(ctx, id));
}
