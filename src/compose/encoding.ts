// SMS length, encoding and segments (GSM 03.38 and UCS-2, as carriers count them). One pass
// over the UTF-16 code units with a lookup table: fast enough to count every message of a
// million-customer campaign.
// Checked against Twilio's segment calculator (sms-segments-calculator) in test/encoding.test.ts.

/** GSM 03.38 basic character set (ESC excluded: it only introduces the extension table). */
const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/** The extension table: each costs two septets (ESC + the character). */
const GSM_EXTENSION = "\f^{}\\[~]|€";

/** Septets per UTF-16 code unit: 1 basic, 2 extension, 0 not in GSM-7. */
const SEPTETS = new Uint8Array(65536);
for (const ch of GSM_BASIC) SEPTETS[ch.charCodeAt(0)] = 1;
for (const ch of GSM_EXTENSION) SEPTETS[ch.charCodeAt(0)] = 2;

export type Encoding = "GSM-7" | "UCS-2";

/**
 * - `standard`: the GSM network rule. GSM-7 160 per single message, 153 per part; UCS-2 70 / 67.
 * - `cn_carrier`: Chinese carriers (Aliyun, Tencent): every character counts 1, the signature
 *   included; 70 in one message, 67 per part.
 */
export type Counting = "standard" | "cn_carrier";
export const COUNTINGS: readonly Counting[] = ["standard", "cn_carrier"];

export type SegmentCount = {
  encoding: Encoding;
  /** Characters as people count them (code points). */
  characters: number;
  /** What the limit is measured in: septets (GSM-7), UTF-16 code units (UCS-2) or characters (cn_carrier). */
  units: number;
  segments: number;
  /** Units per part once the message is split (the single-message limit when it is not). */
  perSegment: number;
};

export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (SEPTETS[text.charCodeAt(i)] === 0) return false;
  return true;
}

/** Exact segment count. A part never ends inside an escape pair or a surrogate pair. */
export function countSegments(text: string, counting: Counting = "standard"): SegmentCount {
  const n = text.length;
  let septets = 0;
  let gsm = true;
  let surrogates = 0;
  for (let i = 0; i < n; i++) {
    const code = text.charCodeAt(i);
    const cost = SEPTETS[code] as number;
    if (cost === 0) gsm = false;
    septets += cost;
    if (code >= 0xd800 && code <= 0xdbff) surrogates++;
  }
  const characters = n - surrogates;
  if (counting === "cn_carrier") {
    const segments = characters <= 70 ? 1 : Math.ceil(characters / 67);
    return {
      encoding: gsm ? "GSM-7" : "UCS-2",
      characters,
      units: characters,
      segments,
      perSegment: segments === 1 ? 70 : 67,
    };
  }
  if (gsm) {
    if (septets <= 160) return { encoding: "GSM-7", characters, units: septets, segments: 1, perSegment: 160 };
    // Extension characters (2 septets) must not straddle two parts.
    const segments = septets === n ? Math.ceil(n / 153) : pack(text, 153, true);
    return { encoding: "GSM-7", characters, units: septets, segments, perSegment: 153 };
  }
  if (n <= 70) return { encoding: "UCS-2", characters, units: n, segments: 1, perSegment: 70 };
  const segments = surrogates === 0 ? Math.ceil(n / 67) : pack(text, 67, false);
  return { encoding: "UCS-2", characters, units: n, segments, perSegment: 67 };
}

/** Fills parts of `size` units in order, moving a two-unit character whole to the next part. */
function pack(text: string, size: number, gsm: boolean): number {
  let parts = 1;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let width = 1;
    if (gsm) width = SEPTETS[code] as number;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      width = 2;
      i++;
    }
    if (used + width > size) {
      parts++;
      used = 0;
    }
    used += width;
  }
  return parts;
}

export type Culprit = { char: string; code_point: string; count: number; first_index: number; replacement?: string };

/**
 * The characters that force UCS-2, in order of first appearance, with a GSM look-alike if one
 * exists: only in a text that replacing or removing them would make GSM-7.
 */
export function ucs2Culprits(text: string): Culprit[] {
  const found = new Map<string, Culprit>();
  let index = 0;
  for (const ch of text) {
    if (!isGsm7(ch)) {
      // A letter of a script GSM-7 lacks (Chinese, Cyrillic...) needs UCS-2 whatever else is
      // changed: no character is to blame, and a full-width comma beside it is no culprit. A
      // Latin letter GSM-7 lacks (á, ł) is one: written without its accent, the text fits.
      if (LETTER.test(ch) && !LATIN.test(ch) && !LOOKALIKES.has(ch)) return [];
      const seen = found.get(ch);
      if (seen) seen.count++;
      else {
        const replacement = LOOKALIKES.get(ch);
        found.set(ch, {
          char: ch,
          code_point: `U+${(ch.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, "0")}`,
          count: 1,
          first_index: index,
          ...(replacement === undefined ? {} : { replacement }),
        });
      }
    }
    index++;
  }
  return [...found.values()];
}

const LETTER = /\p{L}/u;
const LATIN = /\p{Script=Latin}/u;

/** Look-alikes that push an English text into UCS-2, and their GSM-7 equivalents. */
const LOOKALIKES = new Map<string, string>([
  ["\u2018", "'"],
  ["\u2019", "'"],
  ["\u201a", "'"],
  ["\u201b", "'"],
  ["\u2032", "'"],
  ["\u00b4", "'"],
  ["\u201c", '"'],
  ["\u201d", '"'],
  ["\u201e", '"'],
  ["\u201f", '"'],
  ["\u2033", '"'],
  ["\u2010", "-"],
  ["\u2011", "-"],
  ["\u2012", "-"],
  ["\u2013", "-"],
  ["\u2014", "-"],
  ["\u2015", "-"],
  ["\u2212", "-"],
  ["\u2026", "..."],
  ["\u00a0", " "],
  ["\u2002", " "],
  ["\u2003", " "],
  ["\u2009", " "],
  ["\u200a", " "],
  ["\u202f", " "],
  ["\u3000", " "],
  ["\u200b", ""],
  ["\u00ad", ""],
  ["\ufeff", ""],
]);
// Full-width ASCII (！ to ～) is ASCII shifted by 0xFEE0.
for (let code = 0xff01; code <= 0xff5e; code++)
  LOOKALIKES.set(String.fromCharCode(code), String.fromCharCode(code - 0xfee0));

export type SmartEncoding = { text: string; replaced: { from: string; to: string; count: number }[] };

/**
 * Replaces look-alikes with GSM-7 equivalents, but only when that makes the whole text GSM-7.
 * A text that stays UCS-2 anyway (Chinese, emoji) is left exactly as written: its full-width
 * punctuation is correct there, and replacing it would save nothing.
 */
export function smartEncode(text: string): SmartEncoding {
  if (isGsm7(text)) return { text, replaced: [] };
  const counts = new Map<string, number>();
  let out = "";
  for (const ch of text) {
    if (isGsm7(ch)) {
      out += ch;
      continue;
    }
    const to = LOOKALIKES.get(ch);
    if (to === undefined || !isGsm7(to)) return { text, replaced: [] };
    out += to;
    counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  return {
    text: out,
    replaced: [...counts].map(([from, count]) => ({ from, to: LOOKALIKES.get(from) as string, count })),
  };
}

/**
 * The parts a long message is cut into for concatenation (UDH), by the same rule the count
 * uses: 153 septets or 67 UTF-16 units per part, never splitting an escape or a surrogate pair.
 */
export function splitParts(text: string, encoding: Encoding): string[] {
  const single = encoding === "GSM-7" ? 160 : 70;
  const size = encoding === "GSM-7" ? 153 : 67;
  const width = (i: number) => {
    const code = text.charCodeAt(i);
    if (encoding === "GSM-7") return (SEPTETS[code] as number) || 1;
    return code >= 0xd800 && code <= 0xdbff && i + 1 < text.length ? 2 : 1;
  };
  let total = 0;
  for (let i = 0; i < text.length; i++) total += encoding === "GSM-7" ? width(i) : 1;
  if (total <= single) return [text];
  const parts: string[] = [];
  let start = 0;
  let used = 0;
  for (let i = 0; i < text.length; ) {
    const w = width(i);
    const chars = encoding === "UCS-2" && w === 2 ? 2 : 1;
    if (used + w > size) {
      parts.push(text.slice(start, i));
      start = i;
      used = 0;
    }
    used += w;
    i += chars;
  }
  parts.push(text.slice(start));
  return parts;
}
