// What a customer will actually receive: render, compose, count, price, and say why.

import { and, asc, eq, gt, isNull } from "drizzle-orm";
import { TEMPLATED } from "../channels/kinds";
import { tooLongFor } from "../channels/limits";
import { providerPreview } from "../channels/provider-preview";
import { channelFor } from "../channels/service";
import { type Composed, type Composer, prepareComposer } from "../compose/compose";
import { type Counting, countSegments, ucs2Culprits } from "../compose/encoding";
import { resolveCompose } from "../compose/settings";
import type { Ctx } from "../context";
import { getCustomerRow } from "../customers/service";
import { type CustomerRow, customers, type Plan, type TenantRow } from "../db/schema";
import { customerFilterSql } from "../groups/service";
import { ValidationError } from "../lib/errors";
import { formatCivil, localDate, monthOf } from "../lib/time";
import { findLinks, linkBase, standIn, tracksLinks } from "../links/shorten";
import { getTenantRow, planFor } from "../tenants/store";
import { brandName, customerVariables, mergeVariables, PROFILE_VARIABLES, sampleCustomerVariables } from "./context";
import { type CompiledTemplate, DEFAULT_LIMITS, RenderMeter, TemplateError } from "./engine";
import { nest, type TemplateKind, type TemplateLibrary } from "./library";
import { compiled } from "./render";
import type { PreviewInput } from "./schemas";
import {
  checkTemplateKey,
  localeChain,
  type ResolvedTemplate,
  resolveTemplate,
  templateVersionForPreview,
} from "./service";

const AUDIENCE_LIMIT = 100_000;
// Rendering for a whole audience: after a first million steps, 200 a customer on average (a
// shipped template takes at most about 270 for its first customer, its formats then paid for),
// so a template that works hard is stopped early rather than after the whole audience; the work
// is given out in turns of the event loop (RenderMeter), so other requests are answered meanwhile.
const AUDIENCE_BASE_STEPS = 1_000_000;
const AUDIENCE_STEPS_EACH = 200;
const PAGE = 1000;

type Warning = { code: string; message: string };

/** The @-variables helpers read: the recipient's locale and zone, the currency, their today. */
export function renderData(ctx: { clock: Ctx["clock"] }, locale: string, timeZone: string, currency: string) {
  return { locale, timeZone, currency, today: formatCivil(localDate(ctx.clock.now(), timeZone)) };
}

export function costOf(plan: Plan, segments: number) {
  const price = plan.type === "pay_per_segment" ? plan.price_per_segment : plan.overage_price_per_segment;
  return {
    currency: plan.currency,
    basis: plan.type === "pay_per_segment" ? ("pay_per_segment" as const) : ("package_overage" as const),
    price_per_segment: price,
    per_message: round(segments * price),
  };
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

type Source = Omit<ResolvedTemplate, "origin"> & { origin: ResolvedTemplate["origin"] | "inline" };

async function pickTemplate(
  ctx: Ctx,
  library: TemplateLibrary,
  input: PreviewInput,
  tenant: TenantRow,
  locale: string,
): Promise<Source> {
  const given = (["source", "template_id", "key"] as const).filter((k) => input[k] !== undefined);
  if (given.length !== 1) {
    throw new ValidationError("Give exactly one of source, template_id or key", [
      { path: given[1] ?? "source", message: "give exactly one of source, template_id or key" },
    ]);
  }
  if (input.version !== undefined && input.template_id === undefined)
    throw ValidationError.field("version", "is only used with template_id");
  if (input.source !== undefined) {
    if (!input.kind)
      throw ValidationError.field("kind", "is required with an inline source (notification or marketing)");
    return {
      key: "",
      locale,
      kind: input.kind,
      source: input.source,
      version: "",
      template_id: null,
      origin: "inline",
      samples: {},
    };
  }
  if (input.template_id !== undefined) return templateVersionForPreview(ctx, input.template_id, input.version);
  return checkTemplateKey(ctx, library, input.key as string, localeChain(locale, tenant.locale), "key");
}

export async function previewTemplate(ctx: Ctx, library: TemplateLibrary, input: PreviewInput) {
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const settings = resolveCompose(tenant.compose);
  const now = ctx.clock.now();
  const { plan } = await planFor(ctx.db, ctx.tenantId, monthOf(localDate(now, tenant.timeZone)));
  const customer = input.customer_id ? await getCustomerRow(ctx, input.customer_id) : null;
  const locale = customer?.locale ?? input.locale ?? tenant.locale;
  const picked = await pickTemplate(ctx, library, input, tenant, locale);
  const kind: TemplateKind = input.kind ?? picked.kind;
  const template = compiled(picked.source);
  // The channel it would go through (the one named, else the default) counts as the dispatcher will.
  const channel = await channelFor(ctx, input.channel_id ?? null);
  const counting = input.counting ?? channel?.counting ?? settings.counting;
  const brand = brandName(tenant);
  const extra = nest(input.variables ?? {});
  // Tracked links are counted as the short links they become (a stand-in code of the same length).
  const linksFrom = linkBase(settings.link_domain, ctx.linkUrl);
  // Not on Aliyun or Tencent: what they send is their approved text, as the dispatcher sends it.
  const tracked = tracksLinks(null, settings.track_links, kind) && !(channel && TEMPLATED.has(channel.provider));
  const shorten = linksFrom && tracked ? standIn(linksFrom) : undefined;
  const composerFor = (textLocale: string): Composer => {
    const compose = prepareComposer({
      settings,
      signature: tenant.brandSignature,
      kind,
      locale: textLocale,
      templateSource: picked.source,
      counting,
    });
    return shorten ? (body) => compose(body, shorten) : compose;
  };

  const zone = customer?.timeZone ?? tenant.timeZone;
  // Without a customer: a made-up member and the sample values the template declares, under the
  // workspace's own brand.
  const base = customer
    ? customerVariables(customer, brand)
    : mergeVariables(mergeVariables(sampleCustomerVariables(locale, zone, brand), nest(picked.samples)), { brand });
  const vars = mergeVariables(base, extra);
  const data = renderData(ctx, locale, zone, plan.currency);
  const body = template.render(vars, data);
  const composed = composerFor(picked.locale)(body);
  const culprits = ucs2Culprits(composed.text);
  const found = findLinks(body).length;
  const tooLong = channel ? tooLongFor(channel.provider, composed) : null;

  const audience = input.audience
    ? await audiencePreview(ctx, library, input, tenant, plan, picked, composerFor, extra, brand)
    : undefined;

  // On Aliyun or Tencent what arrives is the provider's approved text: shown beside this one.
  const provider = await providerPreview(ctx, channel, { ...picked, locale: picked.locale }, vars, data);

  return {
    text: composed.text,
    sample: customer === null,
    kind,
    locale: picked.locale,
    template: {
      origin: picked.origin,
      key: picked.key || null,
      template_id: picked.template_id,
      version: picked.version || null,
    },
    encoding: composed.encoding,
    characters: composed.characters,
    units: composed.units,
    segments: composed.segments,
    per_segment: composed.per_segment,
    counting,
    ucs2_culprits: culprits,
    signature_added: composed.signature_added,
    signature: composed.signature,
    opt_out_hint_added: composed.opt_out_hint_added,
    smart_replaced: composed.smart_replaced,
    cost: costOf(plan, composed.segments),
    links: { found, tracked: found > 0 && shorten !== undefined },
    ...(audience ? { audience } : {}),
    ...(provider
      ? {
          provider: {
            ...provider,
            ...("segments" in provider && provider.segments ? { cost: costOf(plan, provider.segments) } : {}),
          },
        }
      : {}),
    warnings: warningsFor(
      composed,
      culprits,
      kind,
      settings.smart_encoding,
      counting,
      template,
      input.variables,
      picked.source,
      tooLong,
    ).concat(
      found > 0 && tracked && !linksFrom
        ? [
            {
              code: "links_not_tracked",
              message:
                "Its links go as written, not tracked: set compose.link_domain or TIDINGS_PUBLIC_URL for short links",
            },
          ]
        : [],
    ),
  };
}

function warningsFor(
  composed: Composed,
  culprits: ReturnType<typeof ucs2Culprits>,
  kind: TemplateKind,
  smart: boolean,
  counting: Counting,
  template: CompiledTemplate,
  given: Record<string, unknown> | undefined,
  source: string,
  tooLong: string | null,
): Warning[] {
  const warnings: Warning[] = [];
  if (tooLong) {
    warnings.push({
      code: "too_long_for_channel",
      message: `${tooLong}: it would not be sent (shorten the text, or the values it prints)`,
    });
  }
  if (composed.segments > 3) {
    warnings.push({
      code: "long_message",
      message: `${composed.segments} segments: long messages cost more and used to arrive garbled between carriers`,
    });
  }
  if (kind === "marketing" && !composed.opt_out_hint_added && !/STOP|退订|拒收|回\s*[TR]/i.test(composed.text)) {
    warnings.push({
      code: "no_opt_out_hint",
      message: "A marketing message without an opt-out hint (compose.opt_out_hint is off)",
    });
  }
  if (composed.encoding === "UCS-2" && culprits.length > 0 && culprits.every((c) => c.replacement !== undefined)) {
    const gsm = countSegments(
      [...composed.text].map((ch) => culprits.find((c) => c.char === ch)?.replacement ?? ch).join(""),
      counting,
    );
    warnings.push({
      code: "lookalikes_force_ucs2",
      message: `Only look-alike punctuation (${culprits.map((c) => c.char).join(" ")}) makes this UCS-2; ${smart ? "" : "smart encoding (compose.smart_encoding) or "}plain ASCII would make it GSM-7 in ${gsm.segments} segment(s)`,
    });
  }
  if (composed.encoding === "UCS-2" && composed.signature) {
    const without = countSegments(composed.text.replace(composed.signature, ""), counting);
    if (without.encoding === "GSM-7") {
      warnings.push({
        code: "signature_forces_ucs2",
        message: `The signature ${composed.signature} makes this text UCS-2: ${composed.segments} segment(s) instead of ${without.segments}. Set a signature for this language in compose.signatures`,
      });
    }
  }
  const link = /(https?:\/\/\S+|\b[\w-]+(\.[\w-]+)+\/\S*)/g;
  if (link.test(composed.text)) {
    const without = countSegments(composed.text.replace(link, ""), counting).segments;
    if (without < composed.segments) {
      warnings.push({
        code: "link_adds_segment",
        message: `The link makes it ${composed.segments} segments instead of ${without}: a shorter link saves ${composed.segments - without} per message`,
      });
    }
  }
  if (given) {
    const read = new Set(template.variables.map((v) => v.split(".")[0]));
    const unused = Object.keys(given).filter((k) => !read.has(k.split(".")[0]) && !source.includes(k));
    if (unused.length > 0)
      warnings.push({ code: "unused_variable", message: `Not used by the template: ${unused.join(", ")}` });
  }
  return warnings;
}

async function audiencePreview(
  ctx: Ctx,
  library: TemplateLibrary,
  input: PreviewInput,
  tenant: TenantRow,
  plan: Plan,
  picked: Source,
  composerFor: (locale: string) => Composer,
  extra: Record<string, unknown>,
  brand: string,
) {
  const inGroup = await customerFilterSql(ctx, (input.audience as { group: string }).group);
  // A key resolves per customer locale; an inline text or a template id is the same for all.
  const perLocale = new Map<string, { template: CompiledTemplate; compose: Composer } | TemplateError>();
  const forLocale = async (locale: string) => {
    let entry = perLocale.get(locale);
    if (!entry) {
      try {
        const t =
          picked.origin === "inline" || input.template_id !== undefined
            ? picked
            : await resolveTemplate(ctx, library, picked.key, localeChain(locale, tenant.locale));
        entry = { template: compiled(t.source), compose: composerFor(t.locale) };
      } catch (e) {
        if (!(e instanceof TemplateError) && !(e instanceof Error && "code" in e)) throw e;
        entry = new TemplateError("template_render_failed", (e as Error).message, { kind: "no_template" });
      }
      perLocale.set(locale, entry);
    }
    return entry;
  };
  let total = 0;
  let rendered = 0;
  let segments = 0;
  const bySegments: Record<string, number> = {};
  const failures = new Map<string, { count: number; example: string }>();
  let after = "";
  const meter = new RenderMeter();
  for (;;) {
    const page: CustomerRow[] = await ctx.db.orm
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, ctx.tenantId), isNull(customers.deletedAt), gt(customers.id, after), inGroup))
      .orderBy(asc(customers.id))
      .limit(PAGE)
      .all();
    if (page.length === 0) break;
    for (const c of page) {
      if (++total > AUDIENCE_LIMIT) {
        throw ValidationError.field(
          "audience",
          `has more than ${AUDIENCE_LIMIT} customers; preview a smaller group (campaign forecasts cover any size)`,
        );
      }
      while (meter.due()) await meter.pause();
      if (meter.steps > AUDIENCE_BASE_STEPS + total * AUDIENCE_STEPS_EACH) {
        throw ValidationError.field(
          "audience",
          `takes too much work to render for every customer (over ${AUDIENCE_STEPS_EACH} template steps each); preview a smaller group or a simpler template`,
        );
      }
      const entry = await forLocale(c.locale ?? tenant.locale);
      try {
        if (entry instanceof TemplateError) throw entry;
        const vars = mergeVariables(customerVariables(c, brand), extra);
        const zone = c.timeZone ?? tenant.timeZone;
        const out = entry.compose(
          entry.template.render(
            vars,
            renderData(ctx, c.locale ?? tenant.locale, zone, plan.currency),
            DEFAULT_LIMITS,
            meter,
          ),
        );
        rendered++;
        segments += out.segments;
        bySegments[out.segments] = (bySegments[out.segments] ?? 0) + 1;
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        const reason = e.message.replace(/ \(line \d+, column \d+\)$/, "");
        const f = failures.get(reason) ?? { count: 0, example: c.id };
        f.count++;
        failures.set(reason, f);
      }
    }
    after = (page[page.length - 1] as CustomerRow).id;
    if (page.length < PAGE) break;
  }
  return {
    customers: total,
    rendered,
    failed: total - rendered,
    failures: [...failures].map(([reason, f]) => ({ reason, count: f.count, example_customer_id: f.example })),
    segments,
    cost: costOf(plan, segments).per_message,
    by_segments: bySegments,
  };
}

/** Which variables a template reads that a customer profile does not have: each send must bring them. */
export function variablesFromSends(variables: string[]): string[] {
  return variables.filter((v) => {
    const head = v.split(".")[0] as string;
    return !PROFILE_VARIABLES.includes(head) && head !== "attributes";
  });
}

export async function lintTemplate(
  ctx: Ctx,
  input: { source: string; kind: TemplateKind; locale?: string; variables?: Record<string, unknown> },
) {
  let template: CompiledTemplate;
  try {
    template = compiled(input.source);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return { valid: false, errors: [{ message: e.message, ...e.problem }], variables: [], helpers: [], warnings: [] };
  }
  const warnings: Warning[] = [];
  const fromSends = variablesFromSends(template.variables).filter(
    (v) => !input.variables || !Object.keys(input.variables).some((k) => k === v || v.startsWith(`${k}.`)),
  );
  if (fromSends.length > 0) {
    warnings.push({
      code: "unknown_variable",
      message: `Not on a customer profile, so every send must provide: ${fromSends.join(", ")}`,
    });
  }
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const settings = resolveCompose(tenant.compose);
  if (input.kind === "marketing" && !settings.opt_out_hint && !/STOP|退订|拒收|回\s*[TR]/i.test(input.source)) {
    warnings.push({
      code: "no_opt_out_hint",
      message: "A marketing template without an opt-out hint (compose.opt_out_hint is off)",
    });
  }
  let sample: { text: string; encoding: "GSM-7" | "UCS-2"; segments: number; characters: number } | undefined;
  if (input.variables) {
    const locale = input.locale ?? tenant.locale;
    const { plan } = await planFor(ctx.db, ctx.tenantId, monthOf(localDate(ctx.clock.now(), tenant.timeZone)));
    try {
      const body = template.render(
        mergeVariables({ brand: brandName(tenant) }, nest(input.variables)),
        renderData(ctx, locale, tenant.timeZone, plan.currency),
      );
      const c = prepareComposer({
        settings,
        signature: tenant.brandSignature,
        kind: input.kind,
        locale,
        templateSource: input.source,
      })(body);
      sample = { text: c.text, encoding: c.encoding, segments: c.segments, characters: c.characters };
      if (c.segments > 3) warnings.push({ code: "long_message", message: `The sample is ${c.segments} segments` });
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      return {
        valid: false,
        errors: [{ message: e.message, ...e.problem }],
        variables: template.variables,
        helpers: template.helpers,
        warnings,
      };
    }
  }
  return {
    valid: true,
    errors: [],
    variables: template.variables,
    helpers: template.helpers,
    warnings,
    ...(sample ? { sample } : {}),
  };
}
