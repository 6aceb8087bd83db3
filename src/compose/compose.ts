// Finishing a rendered text into the SMS that is sent: brand signature and opt-out hint on
// marketing (domain notes §7), optional smart encoding, then the exact segment count.
// Prepared once per template and locale, applied per customer: the per-message part is a few
// string operations and one counting pass.

import { type Counting, countSegments, type Encoding, smartEncode } from "./encoding";
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

/** No space between a CJK text and what follows; one space after a Latin one. */
function joiner(before: string, after: string): string {
  if (!before || !after) return "";
  const last = before.charCodeAt(before.length - 1);
  return last >= 0x2e80 || after.charCodeAt(0) >= 0x2e80 || last <= 0x20 ? "" : " ";
}

export type Composer = (body: string) => Composed;

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
  const signature = opts.signature.trim();
  const counting = opts.counting ?? settings.counting;
  const wantsSignature =
    signature !== "" &&
    (settings.signature_on === "all" || (settings.signature_on === "marketing" && kind === "marketing")) &&
    !opts.templateSource.includes(signature);
  const hint =
    kind === "marketing" && settings.opt_out_hint && !HAS_OPT_OUT.test(opts.templateSource.normalize("NFKC"))
      ? hintFor(settings, opts.locale)
      : "";
  const atStart = settings.signature_position === "start";
  return (body) => {
    let text = body.trim();
    if (hint) text = text + joiner(text, hint) + hint;
    if (wantsSignature) text = atStart ? signature + text : text + signature;
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
      opt_out_hint_added: hint !== "",
      smart_replaced: replaced,
    };
  };
}
