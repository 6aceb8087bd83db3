// Finishing a rendered text into the SMS that is sent: brand signature and opt-out hint on
// marketing (carriers require it), optional smart encoding, then the exact segment count.
// Prepared once per template and locale, applied per customer: the per-message part is a few
// string operations and one counting pass.

import { type Shortener, shortenLinks } from "../links/shorten";
import { type Counting, countSegments, type Encoding, isGsm7, smartEncode } from "./encoding";
import { type ComposeSettings, DEFAULT_OPT_OUT_HINTS } from "./settings";

export type Kind = "notification" | "marketing";

export type Composed = {
  text: string;
  encoding: Encoding;
  characters: number;
  units: number;
  segments: number;
  per_segment: number;
  counting: Counting;
  signature_added: boolean;
  /** The signature added, as it was for this text's locale. */
  signature: string | null;
  opt_out_hint_added: boolean;
  smart_replaced: { from: string; to: string; count: number }[];
};

/** Words that already tell the reader how to opt out, in the languages Tidings ships. */
const HAS_OPT_OUT = /\b(STOP|UNSUBSCRIBE|OPT[ -]?OUT)\b|退订|拒收|回\s*[TRtr](?![A-Za-z])/;

export function hintFor(settings: ComposeSettings, locale: string): string {
  const lang = locale.split("-")[0] ?? "";
  return (
    settings.opt_out_hints[locale] ??
    settings.opt_out_hints[lang] ??
    DEFAULT_OPT_OUT_HINTS[locale] ??
    DEFAULT_OPT_OUT_HINTS[lang] ??
    (DEFAULT_OPT_OUT_HINTS.en as string)
  );
}

// Full-width punctuation after which Chinese (or Japanese) text goes on without a space.
const CJK_PUNCTUATION = new Set("。！？，、；：…」』）》〉】～".split("").map((c) => c.codePointAt(0) as number));

/**
 * Whether a space goes between a text ending in `last` and what is added to it, starting with
 * `first` (a hint, a signature): not after full-width punctuation, at a 【signature】's bracket
 * or between two Chinese characters, where Chinese puts none; else one, so "…at the desk 💪"
 * and "Reply STOP" (or "快来健身吧💪" and "拒收请回复R") stay apart. Code points, not strings: it
 * runs for every message.
 */
function apart(last: number, first: number): boolean {
  if (last <= 0x20 || first <= 0x20 || last === 0x3011 || first === 0x3010 || CJK_PUNCTUATION.has(last)) return false;
  // Chinese runs on between its characters: "快来健身吧拒收请回复R", as carriers' samples read.
  return !(isCjkLetter(last) && isCjkLetter(first));
}

function isCjkLetter(c: number): boolean {
  return (
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0x3400 && c <= 0x9fff) ||
    (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0x20000 && c <= 0x2fa1f)
  );
}

/** The last character, not the last UTF-16 unit: an emoji is two (a surrogate pair). */
function lastCodePoint(s: string): number {
  const i = s.length - 1;
  const unit = s.charCodeAt(i);
  return unit >= 0xdc00 && unit <= 0xdfff && i > 0 ? (s.codePointAt(i - 1) ?? unit) : unit;
}

/** Languages written without GSM-7 letters: their texts are UCS-2 anyway. */
function isCjkLocale(locale: string): boolean {
  return /^(zh|ja|ko)\b/i.test(locale);
}

/**
 * The signature a text in `locale` gets: the one set for the locale, else the brand signature,
 * else for a Latin-script text counted by the GSM rule its GSM-7 form ([Brand] for 【Brand】).
 */
export function signatureFor(settings: ComposeSettings, brand: string, locale: string, counting: Counting): string {
  const lang = locale.split("-")[0] ?? "";
  const own = settings.signatures[locale] ?? settings.signatures[lang];
  if (own !== undefined) return own.trim();
  const signature = brand.trim();
  if (counting !== "standard" || isCjkLocale(locale) || isGsm7(signature)) return signature;
  const latin = signature.replace(/^【/, "[").replace(/】$/, "]");
  return isGsm7(latin) ? latin : signature;
}

/**
 * Finishes a rendered text. With `shorten`, its links are first replaced by short links (tracked
 * at send time, a stand-in of the same length in previews), so what is counted is what is sent.
 */
export type Composer = (body: string, shorten?: Shortener) => Composed;

const NONE: Composed["smart_replaced"] = Object.freeze([]) as unknown as Composed["smart_replaced"];

/**
 * Prepares composition for one template: whether the signature and hint apply is decided from
 * the template's own text ("unless the template already contains one"), not per customer.
 */
export function prepareComposer(opts: {
  settings: ComposeSettings;
  signature: string;
  kind: Kind;
  locale: string;
  templateSource: string;
  counting?: Counting;
}): Composer {
  const { settings, kind } = opts;
  const counting = opts.counting ?? settings.counting;
  const signature = signatureFor(settings, opts.signature, opts.locale, counting);
  const wantsSignature =
    signature !== "" &&
    (settings.signature_on === "all" || (settings.signature_on === "marketing" && kind === "marketing")) &&
    !opts.templateSource.includes(signature);
  const hint =
    kind === "marketing" && settings.opt_out_hint && !HAS_OPT_OUT.test(opts.templateSource.normalize("NFKC"))
      ? hintFor(settings, opts.locale)
      : "";
  const atStart = settings.signature_position === "start";
  // What is added never changes: its ends are read, and its spaced forms made, once.
  const hintFirst = hint.codePointAt(0) ?? 0;
  const signatureFirst = signature.codePointAt(0) ?? 0;
  const signatureLast = signature ? lastCodePoint(signature) : 0;
  const spaced = { hint: ` ${hint}`, before: `${signature} `, after: ` ${signature}` };
  return (body, shorten) => {
    let text = (shorten ? shortenLinks(body, shorten) : body).trim();
    if (hint) text = text ? text + (apart(lastCodePoint(text), hintFirst) ? spaced.hint : hint) : hint;
    if (wantsSignature && !text) text = signature;
    else if (wantsSignature && atStart)
      text = (apart(signatureLast, text.codePointAt(0) ?? 0) ? spaced.before : signature) + text;
    else if (wantsSignature) text += apart(lastCodePoint(text), signatureFirst) ? spaced.after : signature;
    let replaced: Composed["smart_replaced"] = NONE;
    let c = countSegments(text, counting);
    // Only a text that is not GSM-7 already can gain from look-alike replacement.
    if (settings.smart_encoding && c.encoding === "UCS-2") {
      const smart = smartEncode(text);
      if (smart.replaced.length > 0) {
        text = smart.text;
        replaced = smart.replaced;
        c = countSegments(text, counting);
      }
    }
    return {
      text,
      encoding: c.encoding,
      characters: c.characters,
      units: c.units,
      segments: c.segments,
      per_segment: c.perSegment,
      counting,
      signature_added: wantsSignature,
      signature: wantsSignature ? signature : null,
      opt_out_hint_added: hint !== "",
      smart_replaced: replaced,
    };
  };
}
