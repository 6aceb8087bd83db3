// Sending one claimed message: the send-time checks, then rendering and composing with the
// customer as they are now, the checks on the text, the channel's rate, and the provider.

import { bindingFor, TEMPLATED } from "../channels/bindings";
import { recordHealth } from "../channels/health-store";
import { numberCapsOf } from "../channels/number-caps";
import { providerComposed, renderParams } from "../channels/provider-text";
import { type Composer, prepareComposer } from "../compose/compose";
import { resolveCompose } from "../compose/settings";
import type { Ctx } from "../context";
import type { Database } from "../db/client";
import type { ChannelRow, CustomerRow, MessageRow, Plan } from "../db/schema";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import { findLinks, linkBase, randomCode, type Shortener, shortLink, tracksLinks } from "../links/shorten";
import { insertLinks, type LinkInsert, linksOfMessage } from "../links/store";
import { customerVariables, mergeVariables } from "../templates/context";
import { type CompiledTemplate, DEFAULT_LIMITS, type RenderMeter, TemplateError } from "../templates/engine";
import { nest, type TemplateLibrary } from "../templates/library";
import { compiled } from "../templates/render";
import { localeChain, resolveTemplate } from "../templates/service";
import { type BatchFacts, dataFor, numberKey, type TenantEnv } from "./batch";
import { AFTER_COMPOSE, BEFORE_RENDER, type CheckInput, firstFailing, frequencyCapOf, inWindow } from "./checks";
import { defer, failure, type Outcome, skip } from "./outcome";
import type { SendRequest, SmsProvider } from "./provider";
import { TokenBucket } from "./rate";
import { type ProviderRegistry, RegistryClosedError } from "./registry";

export type SendDeps = {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  providers: ProviderRegistry;
  library: TemplateLibrary;
  publicUrl?: string;
  linkUrl?: string;
};

/** Rate buckets per channel live as long as the process (or isolate) does. */
const buckets = new Map<string, { rate: number; bucket: TokenBucket }>();

function bucketFor(channel: ChannelRow, now: number): TokenBucket | null {
  if (!channel.ratePerSecond) return null;
  const hit = buckets.get(channel.id);
  if (hit && hit.rate === channel.ratePerSecond) return hit.bucket;
  const bucket = new TokenBucket(channel.ratePerSecond, now);
  buckets.set(channel.id, { rate: channel.ratePerSecond, bucket });
  return bucket;
}

export async function sendOne(
  deps: SendDeps,
  m: MessageRow,
  facts: BatchFacts,
  opts: { maxAttempts: number; deadline: number },
  meter: RenderMeter,
): Promise<Outcome> {
  const now = deps.clock.now();
  const nowMs = now.getTime();
  const env = facts.envs.get(m.tenantId) ?? null;
  const input: CheckInput = {
    m,
    env,
    customer: facts.people.get(m.customerId),
    campaignStatus: m.campaignId ? facts.campaignStatus.get(m.campaignId) : undefined,
    shipment: facts.shipments.get(m.id),
    channel: m.channelId ? facts.channels.get(m.channelId) : env?.defaultChannel,
    now,
  };
  const held = firstFailing(BEFORE_RENDER, input);
  if (held) return held;
  // Past BEFORE_RENDER these are known (the customer, phone number and channel checks).
  const e = env as TenantEnv;
  const c = input.customer as CustomerRow;
  const channel = input.channel as ChannelRow;
  const phone = c.phone as string;

  // Render and compose now, with the customer as they are now.
  let composed: ReturnType<Composer>;
  let version: string | null = null;
  let template: SendRequest["template"];
  let links: TrackedLinks | null = null;
  try {
    const locale = c.locale ?? e.tenant.locale;
    const t = await templateFor(deps, e, m, locale, channel);
    const vars = mergeVariables(customerVariables(c, e.brand), nest(m.variables));
    const data = dataFor(e, locale, c.timeZone ?? e.tenant.timeZone);
    while (meter.due()) await meter.pause();
    version = t.version;
    // A provider that sends only its approved templates gets the bound one and its values.
    if (!TEMPLATED.has(channel.provider)) {
      const body = t.template.render(vars, data, DEFAULT_LIMITS, meter);
      const tracked = await trackedLinks(deps, e, m, facts, body);
      // The database, not the template, failed: tried again, never a render error.
      if (tracked instanceof Error)
        return defer(m, "retry", deps.clock.now().getTime() + LINK_RETRY_MS, `short links: ${tracked.message}`);
      links = tracked;
      composed = t.composer(body, links?.shorten);
    } else {
      const binding = m.templateKey ? await bindingOf(deps, e, channel.id, m.templateKey, t.locale) : null;
      if (!binding) return skip("skipped", "no_template_binding", `${m.templateKey ?? "a literal text"} (${t.locale})`);
      // The provider refused it in review, or no longer has it: asking would only be refused.
      if (binding.approval === "rejected" || binding.approval === "missing")
        return skip("skipped", "template_not_approved", `${binding.providerTemplate}: ${binding.approval}`);
      const params = renderParams(binding, vars, data, meter);
      template = { code: binding.providerTemplate, params };
      // What the phone shows is the provider's approved text: recorded, counted and priced as
      // such (the workspace's own text, which the provider never sees, is not rendered); until
      // the provider's text is known, the workspace's stands in for it.
      composed =
        binding.providerText !== null
          ? providerComposed(String(channel.config.sign_name ?? ""), channel.provider, binding.providerText, params)
          : t.composer(t.template.render(vars, data, DEFAULT_LIMITS, meter));
    }
  } catch (err) {
    if (err instanceof TemplateError || (err instanceof Error && "code" in err)) {
      return skip("skipped", "render_error", (err as Error).message);
    }
    throw err;
  }
  const recent = facts.recent.get(c.id) ?? [];
  const sendsKey = numberKey(channel.id, c.id);
  const numberSends = facts.numberSends.get(sendsKey) ?? [];
  // Spelled out, not spread from `input`: a spread object is a slow (dictionary) one, and each
  // check reads it.
  const refused = firstFailing(AFTER_COMPOSE, {
    m,
    env: e,
    customer: c,
    campaignStatus: input.campaignStatus,
    shipment: input.shipment,
    channel,
    now,
    composed,
    recent,
    numberSends,
  });
  if (refused) return refused;
  const segments = composed.segments;
  // The frequency cap's slot and the quota are reserved in the same step as their checks (no
  // await between), so parallel sends in a batch cannot pass a cap together; given back if the
  // message does not go out.
  const freq = frequencyCapOf(m, e);
  // Each list a slot was taken in: a message that does not go out takes its slot back.
  const slots: number[][] = [];
  if (freq) {
    const capSlot = inWindow(recent, freq, nowMs);
    capSlot.push(nowMs);
    facts.recent.set(c.id, capSlot);
    slots.push(capSlot);
  }
  const reserved = m.isReply ? 0 : segments;
  e.used += reserved;
  // The number's slot on a capped channel, taken the same way.
  if (numberCapsOf(channel)) {
    numberSends.push(nowMs);
    facts.numberSends.set(sendsKey, numberSends);
    slots.push(numberSends);
  }

  const bucket = bucketFor(channel, nowMs);
  if (bucket) {
    let wait = bucket.take(segments, deps.clock.now().getTime());
    while (wait > 0) {
      if (deps.clock.now().getTime() + wait > opts.deadline) {
        giveBack(e, reserved, slots);
        return defer(m, "rate_limited", deps.clock.now().getTime() + wait);
      }
      await deps.clock.sleep(wait);
      wait = bucket.take(segments, deps.clock.now().getTime());
    }
  }

  // A provider that stopped answering is left alone for a while: its messages wait, the rest go.
  const resting = deps.providers.restingUntil(channel.id, deps.clock.now().getTime());
  if (resting !== null) {
    giveBack(e, reserved, slots);
    return defer(m, "channel_down", resting);
  }
  let provider: SmsProvider;
  try {
    provider = await deps.providers.forChannel(channel);
  } catch (err) {
    giveBack(e, reserved, slots);
    if (err instanceof RegistryClosedError) return defer(m, "channel_down", nowMs, err.message);
    return skip("failed", "provider_error", (err as Error).message);
  }
  // A short link works from the moment the text can arrive: its row is written before the send.
  if (links && links.planned.length > 0) {
    try {
      await deps.db.batch(insertLinks(links.planned));
    } catch (err) {
      giveBack(e, reserved, slots);
      return defer(
        m,
        "retry",
        deps.clock.now().getTime() + LINK_RETRY_MS,
        `short links not stored: ${(err as Error).message}`,
      );
    }
  }
  const statusCallback = deps.publicUrl
    ? `${deps.publicUrl.replace(/\/$/, "")}/webhooks/${channel.provider}/${channel.id}/status`
    : undefined;
  const result = await provider.send({
    ref: m.id,
    to: phone,
    from: String(channel.config.from ?? channel.config.source_addr ?? ""),
    text: composed.text,
    encoding: composed.encoding,
    segments,
    ...(statusCallback ? { statusCallback } : {}),
    ...(template ? { template } : {}),
  });
  const sentAt = deps.clock.now().getTime();
  const change = deps.providers.noteAnswer(channel.id, result.ok || !NO_ANSWER.has(result.error.code), sentAt);
  // Session providers report their link themselves.
  if (change && !provider.keep) {
    await recordHealth(deps, channel, change, result.ok ? null : `${result.error.code}: ${result.error.message}`);
  }
  if (result.ok) {
    const price = m.isReply ? 0 : priceMicros(e.plan, e.used - reserved, segments);
    return {
      // Spelled out, not spread from `fields`: a spread followed by more properties made each
      // of these objects a slow (dictionary) one, and every later read of it slow too (the
      // receipts merged in, the statement built from it): a fifth of a dispatch (bench/).
      set: {
        channelId: channel.id,
        toPhone: phone,
        text: composed.text,
        encoding: composed.encoding,
        segments,
        templateVersion: version,
        status: "sent",
        reason: null,
        reasonText: null,
        providerRef: result.providerRef,
        sentAt,
        price,
        currency: e.plan.currency,
      },
      events: [{ status: "sent", detail: `${segments} segment(s), ${composed.encoding}, via ${channel.name}` }],
      count: "sent",
    };
  }
  giveBack(e, reserved, slots);
  const fields: Partial<MessageRow> = {
    channelId: channel.id,
    toPhone: phone,
    text: composed.text,
    encoding: composed.encoding,
    segments,
    templateVersion: version,
  };
  return failure(deps, m, c, fields, result.error, opts.maxAttempts);
}

const LINK_RETRY_MS = 30_000;

type TrackedLinks = { shorten: Shortener; planned: LinkInsert[] };

/**
 * The short links of a message's text, when its links are tracked: the codes it had (a retry
 * sends the same links) or new random ones, to be stored before the send.
 */
async function trackedLinks(
  deps: SendDeps,
  e: TenantEnv,
  m: MessageRow,
  facts: BatchFacts,
  body: string,
): Promise<TrackedLinks | Error | null> {
  if (findLinks(body).length === 0) return null;
  const compose = resolveCompose(e.tenant.compose);
  const base = linkBase(compose.link_domain, deps.linkUrl, deps.publicUrl);
  const campaign = m.campaignId ? facts.campaignLinks.get(m.campaignId) : null;
  if (!base || !tracksLinks(campaign, compose.track_links, m.kind)) return null;
  // Only a message tried before can have stored links: one whose claim counted an earlier
  // attempt, or one that waited since (a deferral gives its attempt back, with a reason).
  let stored: Awaited<ReturnType<typeof linksOfMessage>> = [];
  try {
    if (m.attempts > 1 || m.reason !== null) stored = await linksOfMessage(deps.db, m.tenantId, m.id);
  } catch (err) {
    return new Error((err as Error).message);
  }
  const had = new Map(stored.map((l) => [l.position, l]));
  const planned: LinkInsert[] = [];
  const now = deps.clock.now().getTime();
  return {
    planned,
    shorten(url, position) {
      const old = had.get(position);
      if (old && old.url === url) return shortLink(base, old.code);
      const code = randomCode();
      planned.push({
        code,
        tenantId: m.tenantId,
        messageId: m.id,
        customerId: m.customerId,
        campaignId: m.campaignId,
        position,
        url,
        createdAt: now,
      });
      return shortLink(base, code);
    },
  };
}

/** Error codes that mean the provider did not answer at all (a deadline, a connection that failed). */
const NO_ANSWER = new Set(["timeout", "network"]);

/** A message that does not go out gives back what it reserved. */
function giveBack(env: TenantEnv, reserved: number, slots: number[][]) {
  env.used -= reserved;
  for (const list of slots) list.pop();
}

async function templateFor(deps: SendDeps, env: TenantEnv, m: MessageRow, locale: string, channel: ChannelRow) {
  const key = `${m.templateKey ?? `text:${m.id}`}|${locale}|${m.kind}|${channel.counting}`;
  let hit = env.templates.get(key);
  if (!hit) {
    try {
      const ctx: Ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: env.tenant.id };
      const t = m.templateKey
        ? await resolveTemplate(ctx, deps.library, m.templateKey, localeChain(locale, env.tenant.locale))
        : null;
      // A literal text is sent as written: it is not a template.
      const source = t ? t.source : (m.body ?? "");
      hit = {
        template: t ? compiled(source) : { source, variables: [], helpers: [], render: () => source },
        version: t?.version ?? null,
        locale: t?.locale ?? locale,
        composer: prepareComposer({
          settings: resolveCompose(env.tenant.compose),
          signature: env.tenant.brandSignature,
          kind: m.kind,
          locale: t?.locale ?? locale,
          templateSource: source,
          counting: channel.counting,
        }),
      } as { template: CompiledTemplate; version: string; locale: string; composer: Composer };
    } catch (err) {
      hit = err as Error;
    }
    // Literal texts differ per message; only templates are worth keeping.
    if (m.templateKey) env.templates.set(key, hit);
  }
  if (hit instanceof Error) throw hit;
  return hit;
}

/** The binding of a template on a channel, looked up once a batch. */
async function bindingOf(deps: SendDeps, env: TenantEnv, channelId: string, key: string, locale: string) {
  const id = `${channelId}|${key}|${locale}`;
  if (!env.bindings.has(id)) {
    const ctx: Ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: env.tenant.id };
    env.bindings.set(id, (await bindingFor(ctx, channelId, key, locale)) ?? null);
  }
  return env.bindings.get(id) ?? null;
}

/** Price in millionths: pay per segment, or a package's overage beyond its allowance. */
function priceMicros(plan: Plan, usedBefore: number, segments: number): number {
  if (plan.type === "pay_per_segment") return Math.round(segments * plan.price_per_segment * 1_000_000);
  const over =
    Math.max(0, usedBefore + segments - plan.allowance_segments) - Math.max(0, usedBefore - plan.allowance_segments);
  return Math.round(over * plan.overage_price_per_segment * 1_000_000);
}
