// Seeing ahead: for each occurrence in the next N days, who would get it, when in their own
// time zone (quiet hours included), who is excluded and why, and what it costs. The
// dispatcher's own recipient checks (delivery/checks.ts), counted in SQL; segments and the
// length check are measured by rendering a sample of the audience with the real template, the
// composition and the channel it goes through.

import { type SQL, sql } from "drizzle-orm";
import { bindingFor } from "../channels/bindings";
import { TEMPLATED } from "../channels/kinds";
import { tooLongFor } from "../channels/limits";
import { providerComposed, renderParams } from "../channels/provider-text";
import { channelFor } from "../channels/service";
import { type Composed, prepareComposer } from "../compose/compose";
import { resolveCompose } from "../compose/settings";
import type { Ctx } from "../context";
import { customerFromRaw } from "../customers/store";
import type { CampaignRow, TemplateBindingRow } from "../db/schema";
import { quietHoursEnd, quietWindow, recipientExclusionSql } from "../delivery/checks";
import { armSql } from "../experiments/assign";
import { controlGroupSql } from "../experiments/control";
import { quote } from "../groups/segment";
import { nextRun, parseCron } from "../lib/cron";
import { ValidationError } from "../lib/errors";
import { type CivilDate, formatCivil, localDate, localParts, monthOf, pad2 } from "../lib/time";
import { linkBase, standIn, tracksLinks } from "../links/shorten";
import { brandName, customerVariables, mergeVariables } from "../templates/context";
import { DEFAULT_LIMITS, RenderMeter, TemplateError } from "../templates/engine";
import { nest, type TemplateLibrary } from "../templates/library";
import { costOf, renderData } from "../templates/preview";
import { compiled } from "../templates/render";
import { localeChain, resolveTemplate } from "../templates/service";
import { getTenantRow, planFor } from "../tenants/store";
import { holidayName, slotFrom, slotMatch, tenantZones } from "./date-planner";
import { audienceSql, campaignRow, DATE_KINDS } from "./service";
import { type DateTrigger, type Slot, slotsBetween } from "./slots";
import { audienceByArm, audienceSample, forecastExclusions } from "./store";

const SAMPLE = 500;
const MAX_OCCURRENCES = 100;
/** A birthday campaign has an occurrence most days of the year. */
const MAX_DATE_OCCURRENCES = 400;

function occurrences(c: CampaignRow, from: Date, until: number): number[] {
  if (c.kind === "recurring" && c.cron && c.timeZone) {
    const cron = parseCron(c.cron);
    const out: number[] = [];
    let t: Date | null = c.nextOccurrenceAt ? new Date(c.nextOccurrenceAt - 1) : from;
    while (out.length < MAX_OCCURRENCES) {
      t = nextRun(cron, t, c.timeZone);
      if (!t || t.getTime() > until) break;
      out.push(t.getTime());
    }
    return out;
  }
  const at = c.nextOccurrenceAt ?? from.getTime();
  return c.planned > 0 || at > until ? [] : [at];
}

function wall(at: number, zone: string): string {
  const p = localParts(new Date(at), zone);
  return `${p.year}-${pad2(p.month)}-${pad2(p.day)}T${pad2(p.hour)}:${pad2(p.minute)}`;
}

type Counted = {
  audience: number;
  eligible: number;
  excluded: Record<string, number>;
  byZone: Map<string, number>;
  byLocale: Map<string, number>;
};

/** JSON merge patch (RFC 7396), as SQLite's json_patch lays a language's values over the common ones when planning. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const base = typeof target === "object" && target !== null && !Array.isArray(target) ? target : {};
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export type LanguageWarning =
  | { code: "template_language_missing"; locale: string; customers: number; falls_back_to: string }
  | { code: "values_language_missing"; locale: string; customers: number };

/**
 * What customers of each language would get wrong: a template with no text in their language
 * (they get another language's), or per-language values that leave their language out (they
 * get the common values, if any, else the message cannot be written).
 */
async function languageWarnings(
  ctx: Ctx & { library: TemplateLibrary },
  c: CampaignRow,
  workspaceLocale: string,
  byLocale: Map<string, number>,
): Promise<LanguageWarning[]> {
  const out: LanguageWarning[] = [];
  const valued = Object.keys(c.variablesByLocale ?? {});
  for (const [locale, customers] of [...byLocale].sort((a, b) => b[1] - a[1])) {
    const t = await resolveTemplate(ctx, ctx.library, c.templateKey, localeChain(locale, workspaceLocale)).catch(
      () => null,
    );
    if (t && t.locale !== locale && !locale.startsWith(`${t.locale}-`)) {
      out.push({ code: "template_language_missing", locale, customers, falls_back_to: t.locale });
    }
    if (valued.length > 0 && !valued.includes(locale)) out.push({ code: "values_language_missing", locale, customers });
  }
  return out;
}

export async function forecast(ctx: Ctx & { library: TemplateLibrary }, id: string, days: number) {
  if (!Number.isInteger(days) || days < 1 || days > 366) throw ValidationError.field("days", "must be 1-366");
  const c = await campaignRow(ctx, id);
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const now = ctx.clock.now();
  const { plan } = await planFor(ctx.db, ctx.tenantId, monthOf(localDate(now, tenant.timeZone)));
  const cond = await audienceSql(ctx, c.audience);
  const marketing = c.messageKind === "marketing";

  // Exclusions, in the order the dispatcher checks them.
  const count = async (extra: SQL, from?: SQL): Promise<Counted> => {
    const cg = tenant.controlGroup?.share ? tenant.controlGroup : null;
    const control = cg
      ? controlGroupSql(cg.share, ctx.tenantId, localDate(now, tenant.timeZone).year, "c.id")
      : undefined;
    const reasonSql = recipientExclusionSql(c.messageKind, control);
    const rows = await forecastExclusions(ctx.db, ctx.tenantId, cond, reasonSql, extra, from);
    const out: Counted = { audience: 0, eligible: 0, excluded: {}, byZone: new Map(), byLocale: new Map() };
    for (const r of rows) {
      out.audience += r.n;
      if (r.reason) out.excluded[r.reason] = (out.excluded[r.reason] ?? 0) + r.n;
      else {
        out.eligible += r.n;
        const zone = r.zone ?? tenant.timeZone;
        out.byZone.set(zone, (out.byZone.get(zone) ?? 0) + r.n);
        const locale = r.locale ?? tenant.locale;
        out.byLocale.set(locale, (out.byLocale.get(locale) ?? 0) + r.n);
      }
    }
    return out;
  };

  // Segments from a sample rendered exactly as the dispatcher will render it.
  const sample = await audienceSample(ctx.db, ctx.tenantId, cond, SAMPLE);
  const settings = resolveCompose(tenant.compose);
  // Measured through the channel it goes by: its counting and its provider's length limit.
  const channel = await channelFor(ctx, c.channelId).catch(() => undefined);
  // Its tracked links count as the short links they become, as the dispatcher sends them.
  const linksFrom = linkBase(settings.link_domain, ctx.linkUrl);
  // (Not on Aliyun or Tencent: what they send is their approved text.)
  const shorten =
    linksFrom &&
    !(channel && TEMPLATED.has(channel.provider)) &&
    tracksLinks(c.trackLinks, settings.track_links, c.messageKind)
      ? standIn(linksFrom)
      : undefined;
  let segments = 0;
  let rendered = 0;
  // Refused by the dispatcher's checks on the text, per reason, in the sample.
  const refused = new Map<string, number>();
  const refuse = (reason: string) => refused.set(reason, (refused.get(reason) ?? 0) + 1);
  const bindings = new Map<string, TemplateBindingRow | null>();
  const renderErrors = new Map<string, number>();
  // Customers of one language share a template: looked up once per language, not per customer.
  const templates = new Map<string, ReturnType<typeof resolveTemplate>>();
  const templateFor = (locale: string) => {
    let t = templates.get(locale);
    if (!t) {
      t = resolveTemplate(ctx, ctx.library, c.templateKey, localeChain(locale, tenant.locale));
      templates.set(locale, t);
    }
    return t;
  };
  const meter = new RenderMeter();
  for (const raw of sample) {
    while (meter.due()) await meter.pause();
    const customer = customerFromRaw(raw);
    const locale = customer.locale ?? tenant.locale;
    try {
      const t = await templateFor(locale);
      const vars = mergeVariables(
        customerVariables(customer, brandName(tenant)),
        // As planning writes them: the customer's language's values over the common ones.
        nest(mergePatch(c.variables, c.variablesByLocale?.[customer.locale ?? ""] ?? {}) as Record<string, unknown>),
      );
      const data = renderData(ctx, locale, customer.timeZone ?? tenant.timeZone, plan.currency);
      // The workspace's own text, as the dispatcher composes it.
      const own = () =>
        prepareComposer({
          settings,
          signature: tenant.brandSignature,
          kind: c.messageKind,
          locale: t.locale,
          templateSource: t.source,
          ...(channel ? { counting: channel.counting } : {}),
        })(compiled(t.source).render(vars, data, DEFAULT_LIMITS, meter), shorten);
      let composed: Composed;
      // On Aliyun or Tencent: sent only as a bound, approved template, as the provider's text.
      if (channel && TEMPLATED.has(channel.provider)) {
        const id = `${t.key}|${t.locale}`;
        if (!bindings.has(id)) bindings.set(id, (await bindingFor(ctx, channel.id, t.key, t.locale)) ?? null);
        const b = bindings.get(id);
        if (!b) {
          refuse("no_template_binding");
          continue;
        }
        if (b.approval === "rejected" || b.approval === "missing") {
          refuse("template_not_approved");
          continue;
        }
        const sign = String(channel.config.sign_name ?? "");
        composed =
          b.providerText !== null
            ? providerComposed(sign, channel.provider, b.providerText, renderParams(b, vars, data, meter))
            : own();
      } else composed = own();
      if (channel && tooLongFor(channel.provider, composed)) {
        refuse("too_long");
        continue;
      }
      segments += composed.segments;
      rendered++;
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      const reason = e.message.replace(/ \(line \d+, column \d+\)$/, "");
      renderErrors.set(reason, (renderErrors.get(reason) ?? 0) + 1);
    }
  }
  const perMessage = rendered === 0 ? 0 : segments / rendered;
  const refusedCount = [...refused.values()].reduce((a, b) => a + b, 0);
  const failShare = sample.length === 0 ? 0 : (sample.length - rendered - refusedCount) / sample.length;
  // Campaign messages observe quiet hours when they are marketing (as the planners write them).
  // On a Chinese cloud channel with no quiet hours of the workspace's, the provider's night.
  const quiet = marketing ? quietWindow(tenant, channel, "marketing") : null;

  /** One occurrence: its counts, cost, and when each zone's customers get it. */
  const occurrence = (atByZone: (zone: string) => number, counted: Counted, extra: Record<string, unknown> = {}) => {
    const excluded = { ...counted.excluded };
    const willRenderFail = Math.round(counted.eligible * failShare);
    if (willRenderFail > 0) excluded.render_error = willRenderFail;
    let willBeRefused = 0;
    for (const [reason, n] of refused) {
      const share = Math.round((counted.eligible * n) / sample.length);
      if (share > 0) excluded[reason] = share;
      willBeRefused += share;
    }
    const sending = counted.eligible - willRenderFail - willBeRefused;
    const totalSegments = Math.round(sending * perMessage);
    const cost = costOf(plan, totalSegments);
    const times = [...counted.byZone].map(([zone, customersInZone]) => {
      const at = atByZone(zone);
      // When each zone's customers actually get it: at its time, or when quiet hours end.
      const held = quiet ? quietHoursEnd(quiet, zone, new Date(at)) : null;
      const sendAt = held ? held.getTime() : at;
      return {
        time_zone: zone,
        customers: customersInZone,
        utc: new Date(sendAt).toISOString(),
        local: wall(sendAt, zone),
        ...(held ? { held_for_quiet_hours: true } : {}),
      };
    });
    const first = Math.min(...[...counted.byZone.keys()].map(atByZone), Number.POSITIVE_INFINITY);
    return {
      at: new Date(Number.isFinite(first) ? first : atByZone(tenant.timeZone)).toISOString(),
      ...extra,
      audience: counted.audience,
      sending,
      excluded,
      segments: totalSegments,
      cost: cost.per_message,
      currency: cost.currency,
      estimated: sample.length < counted.eligible,
      render_errors: [...renderErrors].map(([reason, n]) => ({ reason, in_sample: n })),
      send_times: times,
    };
  };

  const until = now.getTime() + days * 86_400_000;
  // The whole audience, counted once: the language warnings and a broadcast's occurrences both
  // read it (counting 50,000 members by reason, zone and language takes about 45 ms).
  const everyone = await count(sql`1`);
  const warnings = await languageWarnings(ctx, c, tenant.locale, everyone.byLocale);
  // An experiment's audience as its arms will split it (the planner's own hash, in SQL).
  const arms = c.experiment
    ? {
        arms: (await audienceByArm(ctx.db, ctx.tenantId, cond, armSql(c.experiment, c.id, "c.id"))).map((a) => ({
          arm: a.arm,
          customers: a.n,
        })),
      }
    : {};
  if (c.kind === "event") {
    return {
      campaign_id: c.id,
      days,
      warnings,
      ...arms,
      occurrences: [],
      note: "An event campaign sends when its events arrive; see its stats for what is pending.",
    };
  }
  if (c.kind === "after_delivery") {
    return {
      campaign_id: c.id,
      days,
      warnings,
      ...arms,
      occurrences: [],
      note: "An after-delivery campaign plans a prompt per shipment as shipments arrive; GET /v1/shipments/{id} shows each one's prompts and /v1/messages/{id} why it was timed so.",
    };
  }
  if (DATE_KINDS.has(c.kind)) {
    const t = c.trigger as DateTrigger;
    const zones = await tenantZones(ctx);
    // Slots already planned are in the outbox; the forecast starts where planning stands.
    const from = Math.max(now.getTime(), c.status === "draft" ? 0 : (c.plannedUntil ?? 0));
    const byAnchor = new Map<string, Slot[]>();
    for (const slot of slotsBetween(t, zones, from, until)) {
      const key = formatCivil(slot.anchor);
      byAnchor.set(key, [...(byAnchor.get(key) ?? []), slot]);
    }
    const out = [];
    for (const [anchor, slots] of byAnchor) {
      const { ids } = slotMatch(t, slots[0]?.anchor as CivilDate, ctx.tenantId);
      const zonesHere = slots.map((s) => s.zone);
      const counted = await count(sql`c.time_zone in ${sql.raw(`(${zonesHere.map(quote).join(",")})`)}`, slotFrom(ids));
      if (counted.audience === 0) continue;
      const atOf = new Map(slots.map((s) => [s.zone, s.at]));
      out.push(
        occurrence((z) => atOf.get(z) ?? Number.POSITIVE_INFINITY, counted, {
          anchor_date: anchor,
          ...(holidayName(t) ? { holiday: holidayName(t) } : {}),
        }),
      );
      if (out.length >= MAX_DATE_OCCURRENCES) break;
    }
    return { campaign_id: c.id, days, warnings, ...arms, occurrences: out };
  }
  return {
    campaign_id: c.id,
    days,
    warnings,
    ...arms,
    occurrences: occurrences(c, now, until).map((at) => occurrence(() => at, everyone)),
  };
}
