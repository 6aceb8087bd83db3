import { and, asc, eq, isNull } from "drizzle-orm";
import type { z } from "zod";
import type { Ctx } from "../context";
import type { Database } from "../db/client";
import { type ChannelRow, channels } from "../db/schema";
import type { Clock } from "../lib/clock";
import { randomToken } from "../lib/crypto";
import { ConflictError, NotFoundError, ValidationError } from "../lib/errors";
import { type SecretKey, seal } from "../lib/secretbox";
import { iso } from "../lib/time";
import { webhookKey } from "../lib/webhook-key";
import { validationErrorFrom } from "../lib/zod-errors";
import { type ChannelHealthView, healthOf } from "./health-store";
import { TEMPLATED } from "./kinds";
import { numberCapsOf } from "./number-caps";
import { type ChannelCreate, type ChannelPatch, CONFIGS, CREDENTIALS } from "./schemas";
import { liveChannelById } from "./store";

export type ChannelEnv = Ctx & {
  secretKey: SecretKey;
  publicUrl?: string;
  showKeys?: boolean;
  supports(provider: string): boolean;
};

/** Providers that do not sign their callbacks: their webhook URLs carry the channel's key. */
const KEYED = new Set(["aliyun", "tencent"]);

/**
 * The addresses to give the provider. A key lets its holder post receipts and replies (a 退订
 * from anyone): only an admin, who sets the provider up, sees it; others see `key=…`.
 */
export async function webhookUrls(
  env: { secretKey: SecretKey; publicUrl?: string | undefined; showKeys?: boolean },
  ch: { id: string; provider: string },
) {
  const base = `${env.publicUrl?.replace(/\/$/, "") ?? ""}/webhooks/${ch.provider}/${ch.id}`;
  const key = !KEYED.has(ch.provider) ? "" : `?key=${env.showKeys ? await webhookKey(env.secretKey, ch.id) : "…"}`;
  return { status: `${base}/status${key}`, inbound: `${base}/inbound${key}` };
}

type ViewEnv = Ctx & { secretKey: SecretKey; publicUrl?: string | undefined; showKeys?: boolean };

async function view(env: ViewEnv, row: ChannelRow, health: ChannelHealthView | undefined) {
  return {
    id: row.id,
    name: row.name,
    provider: row.provider,
    config: row.config,
    has_credentials: row.credentials !== "",
    rate_per_second: row.ratePerSecond,
    number_caps: row.numberCaps,
    effective_number_caps: numberCapsOf(row),
    counting: row.counting,
    default: row.isDefault,
    ...(TEMPLATED.has(row.provider)
      ? {
          signature: {
            status: row.signatureApproval,
            detail: row.signatureDetail,
            checked_at: row.signatureCheckedAt === null ? null : iso(row.signatureCheckedAt),
          },
        }
      : {}),
    webhooks: await webhookUrls(env, row),
    health: health ?? { link: null, since: null, last_error: null, last_error_at: null, waiting: 0 },
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

function parse<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw validationErrorFrom(r.error, path);
  return r.data;
}

async function sealed(env: ChannelEnv, provider: string, credentials: Record<string, string>) {
  const creds = parse(CREDENTIALS[provider] as z.ZodType<Record<string, string>>, credentials, "credentials");
  // The simulator signs its callbacks; give it a secret if none was chosen.
  if (provider === "simulator" && !creds.secret) creds.secret = randomToken(32);
  return seal(env.secretKey, JSON.stringify(creds));
}

async function row(ctx: Ctx, id: string): Promise<ChannelRow> {
  const r = await ctx.db.orm
    .select()
    .from(channels)
    .where(and(eq(channels.tenantId, ctx.tenantId), eq(channels.id, id), isNull(channels.archivedAt)))
    .get();
  if (!r) throw new NotFoundError("channel", id);
  return r;
}

function clearDefault(ctx: Ctx) {
  return ctx.db.orm
    .update(channels)
    .set({ isDefault: false })
    .where(and(eq(channels.tenantId, ctx.tenantId), eq(channels.isDefault, true)));
}

export async function createChannel(env: ChannelEnv, input: ChannelCreate) {
  if (!env.supports(input.provider)) {
    throw ValidationError.field(
      "provider",
      `${input.provider} is not available in this runtime (SMPP needs the Node server)`,
    );
  }
  const config = parse(CONFIGS[input.provider] as z.ZodType<Record<string, unknown>>, input.config, "config");
  const existing = await env.db.orm
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.tenantId, env.tenantId), isNull(channels.archivedAt)))
    .all();
  const makeDefault = input.default || existing.length === 0;
  const now = env.clock.now().getTime();
  const id = env.ids.next("chn");
  await env.db.batch([
    ...(makeDefault ? [clearDefault(env)] : []),
    env.db.orm.insert(channels).values({
      id,
      tenantId: env.tenantId,
      name: input.name,
      provider: input.provider,
      config,
      credentials: await sealed(env, input.provider, input.credentials),
      ratePerSecond: input.rate_per_second,
      numberCaps: input.number_caps,
      // The Chinese clouds count every character as one, the signature included.
      counting: input.counting ?? (TEMPLATED.has(input.provider) ? "cn_carrier" : "standard"),
      isDefault: makeDefault,
      createdAt: now,
      updatedAt: now,
    }),
  ]);
  return viewOne(env, await row(env, id));
}

async function viewOne(env: ViewEnv, r: ChannelRow) {
  return view(env, r, (await healthOf(env.db, env.tenantId, [r])).get(r.id));
}

export async function listChannels(ctx: ViewEnv) {
  const rows = await ctx.db.orm
    .select()
    .from(channels)
    .where(and(eq(channels.tenantId, ctx.tenantId), isNull(channels.archivedAt)))
    .orderBy(asc(channels.id))
    .all();
  const health = await healthOf(ctx.db, ctx.tenantId, rows);
  return { data: await Promise.all(rows.map((r) => view(ctx, r, health.get(r.id)))) };
}

export async function getChannel(ctx: ViewEnv, id: string) {
  return viewOne(ctx, await row(ctx, id));
}

export async function updateChannel(env: ChannelEnv, id: string, patch: ChannelPatch) {
  const r = await row(env, id);
  const config =
    patch.config === undefined
      ? undefined
      : parse(CONFIGS[r.provider] as z.ZodType<Record<string, unknown>>, patch.config, "config");
  const credentials = patch.credentials === undefined ? undefined : await sealed(env, r.provider, patch.credentials);
  await env.db.batch([
    ...(patch.default ? [clearDefault(env)] : []),
    env.db.orm
      .update(channels)
      .set({
        ...(patch.name !== undefined && { name: patch.name }),
        ...(config !== undefined && { config }),
        ...(credentials !== undefined && { credentials }),
        ...(patch.rate_per_second !== undefined && { ratePerSecond: patch.rate_per_second }),
        ...(patch.number_caps !== undefined && { numberCaps: patch.number_caps }),
        ...(patch.counting !== undefined && { counting: patch.counting }),
        ...(patch.default && { isDefault: true }),
        // Bumped on every change so cached provider instances are rebuilt.
        updatedAt: Math.max(env.clock.now().getTime(), r.updatedAt + 1),
      })
      .where(and(eq(channels.tenantId, env.tenantId), eq(channels.id, r.id))),
  ]);
  forgetWebhookChannel(env.db, r.id);
  return viewOne(env, await row(env, id));
}

export async function archiveChannel(ctx: Ctx, id: string) {
  const r = await row(ctx, id);
  if (r.isDefault) {
    const others = await ctx.db.orm
      .select({ id: channels.id })
      .from(channels)
      .where(and(eq(channels.tenantId, ctx.tenantId), isNull(channels.archivedAt)))
      .all();
    if (others.length > 1) throw new ConflictError("Make another channel the default before archiving this one");
  }
  await ctx.db.batch([
    ctx.db.orm
      .update(channels)
      .set({ archivedAt: ctx.clock.now().getTime(), isDefault: false })
      .where(and(eq(channels.tenantId, ctx.tenantId), eq(channels.id, r.id))),
  ]);
  forgetWebhookChannel(ctx.db, r.id);
}

/**
 * The channel a message goes through: the one it names (a 422 on channel_id when the workspace
 * has no such channel), else the workspace's default, if any.
 */
export async function channelFor(ctx: Ctx, id: string | null): Promise<ChannelRow | undefined> {
  const row = await ctx.db.orm
    .select()
    .from(channels)
    .where(
      and(
        eq(channels.tenantId, ctx.tenantId),
        isNull(channels.archivedAt),
        id ? eq(channels.id, id) : eq(channels.isDefault, true),
      ),
    )
    .get();
  if (id && !row) throw ValidationError.field("channel_id", `no channel ${id} in this workspace`);
  return row;
}

// Webhooks carry no API key: the channel id in the URL finds the tenant, the signature proves it.
// A provider can post thousands a second, each looking up the same channel, so the answer is kept
// per database for a few seconds. This process's own changes to a channel drop it at once;
// another process's (a second Worker isolate) are seen within WEBHOOK_CHANNEL_MS.
const WEBHOOK_CHANNEL_MS = 5000;
const WEBHOOK_CHANNELS_MAX = 1000;
const webhookChannels = new WeakMap<Database, Map<string, { row: ChannelRow | undefined; until: number }>>();

function forgetWebhookChannel(db: Database, id: string) {
  webhookChannels.get(db)?.delete(id);
}

/** The live channel a webhook names (of that provider), or undefined. */
export async function channelForWebhook(
  db: Database,
  clock: Clock,
  provider: string,
  id: string,
): Promise<ChannelRow | undefined> {
  const now = clock.now().getTime();
  let cache = webhookChannels.get(db);
  if (!cache) {
    cache = new Map();
    webhookChannels.set(db, cache);
  }
  let hit = cache.get(id);
  if (!hit || hit.until <= now) {
    if (cache.size >= WEBHOOK_CHANNELS_MAX) cache.clear();
    hit = { row: await liveChannelById(db, id), until: now + WEBHOOK_CHANNEL_MS };
    cache.set(id, hit);
  }
  return hit.row?.provider === provider ? hit.row : undefined;
}

/**
 * A new workspace starts with the simulator as its default channel, so messages flow (and can
 * be watched reaching `delivered`) before a real provider is set up.
 */
export async function createStarterChannel(
  deps: Omit<ChannelEnv, "tenantId" | "supports" | "publicUrl">,
  tenantId: string,
) {
  return createChannel(
    { ...deps, tenantId, supports: () => true },
    {
      name: "Simulator (test sends, nothing leaves)",
      provider: "simulator",
      config: { receipt_delay_ms: 2000 },
      credentials: {},
      rate_per_second: null,
      number_caps: null,
      counting: "standard",
      default: true,
    },
  );
}
