import type { ChannelRow } from "../db/schema";
import type { Clock } from "../lib/clock";
import { type Hmac, hmacBase64, open, type SecretKey } from "../lib/secretbox";
import type { SmsProvider } from "./provider";
import { type SimulatorConfig, SimulatorProvider } from "./simulator";
import { type TwilioConfig, TwilioProvider } from "./twilio";

export type ProviderFactory = (
  channel: ChannelRow,
  credentials: Record<string, string>,
  env: { clock: Clock; hmac: Hmac },
) => SmsProvider;

/** The providers every runtime has; the Node edge adds SMPP. */
export const httpProviders: Record<string, ProviderFactory> = {
  simulator: (ch, cred, env) =>
    new SimulatorProvider(ch.config as SimulatorConfig, env.clock, cred.secret ?? "", env.hmac),
  twilio: (ch, cred, env) => new TwilioProvider(ch.config as TwilioConfig, cred.auth_token ?? "", env.hmac),
};

/**
 * One provider instance per channel, rebuilt when the channel changes. Instances keep state
 * (the simulator's memory, an SMPP session), so they must outlive a single request.
 */
export class ProviderRegistry {
  private readonly cache = new Map<string, { version: number; channel: ChannelRow; provider: Promise<SmsProvider> }>();

  constructor(
    readonly key: SecretKey,
    private readonly clock: Clock,
    private readonly factories: Record<string, ProviderFactory> = httpProviders,
    /** How webhook signatures are checked (Node passes node:crypto's). */
    private readonly hmac: Hmac = hmacBase64,
  ) {}

  supports(provider: string): boolean {
    return Object.hasOwn(this.factories, provider);
  }

  /** One instance per channel version; concurrent callers share it (the promise is cached). */
  forChannel(channel: ChannelRow): Promise<SmsProvider> {
    const hit = this.cache.get(channel.id);
    if (hit && hit.version === channel.updatedAt) return hit.provider;
    const factory = this.factories[channel.provider];
    if (!factory) return Promise.reject(new Error(`the ${channel.provider} provider is not available in this runtime`));
    const previous = hit?.provider;
    const provider = (async () => {
      await previous?.then((p) => p.close?.()).catch(() => {});
      const credentials = JSON.parse(await open(this.key, channel.credentials)) as Record<string, string>;
      return factory(channel, credentials, { clock: this.clock, hmac: this.hmac });
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

  async close(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(all.map((c) => c.provider.then((p) => p.close?.()).catch(() => {})));
  }
}
