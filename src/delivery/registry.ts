import type { ChannelRow } from "../db/schema";
import type { Clock } from "../lib/clock";
import { type Hmac, hmacBase64, open, type SecretKey } from "../lib/secretbox";
import { webhookKey } from "../lib/webhook-key";
import { type AliyunConfig, AliyunProvider } from "./aliyun";
import type { SessionSink, SmsProvider } from "./provider";
import { type SimulatorConfig, SimulatorProvider } from "./simulator";
import { type TencentConfig, TencentProvider } from "./tencent";
import { type TwilioConfig, TwilioProvider } from "./twilio";

export type ProviderFactory = (
  channel: ChannelRow,
  credentials: Record<string, string>,
  env: { clock: Clock; hmac: Hmac; sink?: SessionSink | undefined; webhookKey: string },
) => SmsProvider;

const REST_FIRST_MS = 5000;
const REST_MAX_MS = 120_000;

/** The registry was closed (the service is stopping): nothing more is sent. */
export class RegistryClosedError extends Error {
  constructor() {
    super("The service is stopping");
  }
}

/** The providers every runtime has; the Node edge adds SMPP. */
export const httpProviders: Record<string, ProviderFactory> = {
  simulator: (ch, cred, env) =>
    new SimulatorProvider(ch.config as SimulatorConfig, env.clock, cred.secret ?? "", env.hmac),
  twilio: (ch, cred, env) => new TwilioProvider(ch.config as TwilioConfig, cred.auth_token ?? "", env.hmac),
  aliyun: (ch, cred, env) =>
    new AliyunProvider(ch.config as AliyunConfig, cred.access_key_secret ?? "", env.webhookKey, () => env.clock.now()),
  tencent: (ch, cred, env) =>
    new TencentProvider(ch.config as TencentConfig, cred.secret_key ?? "", env.webhookKey, () => env.clock.now()),
};

/**
 * One provider instance per channel, rebuilt when the channel changes. Instances keep state
 * (the simulator's memory, an SMPP session), so they must outlive a single request.
 */
export class ProviderRegistry {
  private readonly cache = new Map<string, { version: number; channel: ChannelRow; provider: Promise<SmsProvider> }>();
  private closed = false;
  /** Where session providers store what their peer delivers (set by the thread that runs the jobs). */
  sink: SessionSink | undefined;
  /** Channels whose provider stopped answering: not tried again before `until` (rule 10). */
  private readonly resting = new Map<string, { until: number; failures: number }>();

  constructor(
    readonly key: SecretKey,
    private readonly clock: Clock,
    private readonly factories: Record<string, ProviderFactory> = httpProviders,
    /** How webhook signatures are checked (Node passes node:crypto's). */
    private readonly hmac: Hmac = hmacBase64,
  ) {}

  /** Until when a channel rests after its provider stopped answering, or null. */
  restingUntil(channelId: string, now: number): number | null {
    const r = this.resting.get(channelId);
    return r && r.until > now ? r.until : null;
  }

  /**
   * What a send's answer says of its channel: no answer at all rests it (longer each time in a
   * row), any answer wakes it. Returns the change, if there was one.
   */
  noteAnswer(channelId: string, answered: boolean, now: number): "up" | "down" | null {
    const r = this.resting.get(channelId);
    if (answered) {
      if (!r) return null;
      this.resting.delete(channelId);
      return "up";
    }
    const failures = (r?.failures ?? 0) + 1;
    this.resting.set(channelId, { until: now + Math.min(REST_MAX_MS, REST_FIRST_MS * 2 ** (failures - 1)), failures });
    return r ? null : "down";
  }

  supports(provider: string): boolean {
    return Object.hasOwn(this.factories, provider);
  }

  /** One instance per channel version; concurrent callers share it (the promise is cached). */
  forChannel(channel: ChannelRow): Promise<SmsProvider> {
    if (this.closed) return Promise.reject(new RegistryClosedError());
    const hit = this.cache.get(channel.id);
    if (hit && hit.version === channel.updatedAt) return hit.provider;
    const factory = this.factories[channel.provider];
    if (!factory) return Promise.reject(new Error(`the ${channel.provider} provider is not available in this runtime`));
    const previous = hit?.provider;
    const provider = (async () => {
      // A session (SMPP) is let go for the new one; an HTTP provider's sends in flight finish.
      await previous?.then((p) => p.keep && p.close?.()).catch(() => {});
      const credentials = JSON.parse(await open(this.key, channel.credentials)) as Record<string, string>;
      const key = await webhookKey(this.key, channel.id);
      return factory(channel, credentials, { clock: this.clock, hmac: this.hmac, sink: this.sink, webhookKey: key });
    })();
    this.cache.set(channel.id, { version: channel.updatedAt, channel, provider });
    // A failed build is not cached: the next call tries again.
    provider.catch(() => {
      if (this.cache.get(channel.id)?.provider === provider) this.cache.delete(channel.id);
    });
    return provider;
  }

  /** Providers built so far, with their channels (to collect receipts they hold). */
  async active(): Promise<{ channel: ChannelRow; provider: SmsProvider }[]> {
    const out = [];
    for (const c of this.cache.values()) {
      const provider = await c.provider.catch(() => null);
      if (provider) out.push({ channel: c.channel, provider });
    }
    return out;
  }

  /**
   * Session providers of these channels keep their links up; those of channels no longer listed
   * (archived, deleted) are closed. Called by the jobs, never by a request.
   */
  async keep(channels: ChannelRow[]): Promise<void> {
    const wanted = new Set(channels.map((c) => c.id));
    for (const [id, c] of [...this.cache]) {
      if (wanted.has(id)) continue;
      const p = await c.provider.catch(() => null);
      if (!p?.keep || this.cache.get(id) !== c) continue;
      this.cache.delete(id);
      await p.close?.().catch(() => {});
    }
    for (const channel of channels) {
      const p = await this.forChannel(channel).catch(() => null);
      p?.keep?.();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(all.map((c) => c.provider.then((p) => p.close?.()).catch(() => {})));
  }
}
