import { fromBase64, hex } from "./crypto";
import { deriveSecret, type SecretKey } from "./secretbox";

/**
 * The key a channel's webhook URL carries for providers that do not sign their callbacks
 * (Aliyun, Tencent): derived from the service's secret and the channel, so it is never stored
 * and is the same in every process; hex, to sit in a URL as it is.
 */
export async function webhookKey(key: SecretKey, channelId: string): Promise<string> {
  return hex(fromBase64(await deriveSecret(key, `webhook:${channelId}`)).slice(0, 20));
}
