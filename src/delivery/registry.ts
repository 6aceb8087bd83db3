import type { ChannelRow } from "../db/schema";
import type { Clock } from "../lib/clock";
import { open, type SecretKey } from "../lib/secretbox";
import type { SmsProvider } from "./provider";
import { type SimulatorConfig, SimulatorProvider } from "./simulator";
import { type TwilioConfig, TwilioProvider } from "./twilio";

export type ProviderFactory = (
  channel: ChannelRow,
  credentials: Record<string, string>,
  env: { clock: Clock },
) => SmsProvider;

/** The providers every runtime has; the Node edge adds SMPP. */
export const httpProviders: Record<string, ProviderFactory> = {
  simulator: (ch, cred, env) => new SimulatorProvider(ch.config as SimulatorConfig, env.clock, cred.secret ?? ""),
  twilio: (ch, cred) => new TwilioProvider(ch.config as TwilioConfig, cred.auth_token ?? ""),
};

/**
 * One provider instance per channel, rebuilt when the channel changes. Instances keep state
 * (the simulator's memory, an SMPP session), so they must outlive a single request.
 */
export class ProviderRegistry {
  private readonly cache = new Map<string, { version: number; channel: ChannelRow; provider: SmsProvider }>();

  constructor(
    readonly key: SecretKey,
    private readonly clock: Clock,
    private readonly factories: Record<string, ProviderFactory> = httpProviders,
  ) {}

  supports(provider: string): boolean {
    return Object.hasOwn(this.factories, provider);
  }

  async forChannel(channel: ChannelRow): Promise<SmsProvider> {
    const hit = this.cache.get(channel.id);
    if (hit && hit.version === channel.updatedAt) return hit.provider;
    const factory = this.factories[channel.provider];
    if (!factory) throw new Error(`the ${channel.provider} provider is not available in this runtime`);
    const credentials = JSON.parse(await open(this.key, channel.credentials)) as Record<string, string>;
    await hit?.provider.close?.();
    const provider = factory(channel, credentials, { clock: this.clock });
    this.cache.set(channel.id, { version: channel.updatedAt, channel, provider });
    return provider;
  }

  /** Providers built so far, with their channels (to collect receipts they hold). */
  active(): { channel: ChannelRow; provider: SmsProvider }[] {
    return [...this.cache.values()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.cache.values()].map((c) => c.provider.close?.()));
    this.cache.clear();
  }
}
