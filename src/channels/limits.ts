// How long a message each channel type takes, as its provider documents it. A text over the
// limit is refused before any provider is called: by POST /v1/messages for a literal text, by
// the dispatcher for a template rendered at send time, and the preview warns of it.

type Limit = { characters?: number; segments?: number; name: string; rule: string };

const LIMITS: Record<string, Limit> = {
  // Twilio refuses a longer Body with error 21617.
  twilio: { characters: 1600, name: "Twilio", rule: "1,600 characters" },
  // The simulator stands in for Twilio, so it takes what Twilio takes.
  simulator: { characters: 1600, name: "The simulator", rule: "1,600 characters, as Twilio" },
  // The whole text as the phone shows it, signature and values included.
  aliyun: { characters: 500, name: "Aliyun", rule: "500 characters, the signature included" },
  tencent: { characters: 500, name: "Tencent", rule: "500 characters, the signature included" },
  // The concatenation header counts parts in one byte.
  smpp: { segments: 255, name: "SMPP", rule: "255 parts" },
};

/** Why a composed text does not fit a channel's provider, or null when it does. */
export function tooLongFor(provider: string, sms: { characters: number; segments: number }): string | null {
  const limit = LIMITS[provider];
  if (!limit) return null;
  if (limit.characters !== undefined && sms.characters > limit.characters) {
    return `${sms.characters} characters: ${limit.name} takes at most ${limit.rule}`;
  }
  if (limit.segments !== undefined && sms.segments > limit.segments) {
    return `${sms.segments} parts: ${limit.name} takes at most ${limit.rule}`;
  }
  return null;
}
