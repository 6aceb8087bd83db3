// The text a Chinese cloud provider (Aliyun, Tencent) actually sends: its approved template with
// the bound values put in, after the signature in 【】. Read from the provider's list when
// approvals are checked; the preview, the lint, the forecast and the sent message's record use it.

import type { Composed } from "../compose/compose";
import { type Counting, countSegments } from "../compose/encoding";
import type { TemplateBindingRow } from "../db/schema";
import { type CompiledTemplate, DEFAULT_LIMITS, type RenderMeter } from "../templates/engine";
import { compiled } from "../templates/render";

type Param = { name: string; value: string };

/** A template's placeholders in order: Aliyun `${name}` by name, Tencent `{1}` by position. */
export function placeholders(provider: string, text: string): string[] {
  const re = provider === "tencent" ? /\{(\d{1,2})\}/g : /\$\{([A-Za-z0-9_]+)\}/g;
  return [...new Set([...text.matchAll(re)].map((m) => m[1] as string))];
}

/** The provider's text with the values in place (a placeholder with no value stays as it is). */
export function fillProviderText(provider: string, text: string, params: readonly Param[]): string {
  if (provider === "tencent") return text.replace(/\{(\d{1,2})\}/g, (all, n) => params[Number(n) - 1]?.value ?? all);
  const byName = new Map(params.map((p) => [p.name, p.value]));
  return text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (all, name) => byName.get(name) ?? all);
}

/** As the phone shows it: the provider puts the signature first, in 【】. */
export function signed(signName: string, text: string): string {
  return `【${signName}】${text}`;
}

/** A whole message, signature and values included, is refused past this many characters. */
export const PROVIDER_TEXT_MAX = 500;

/** How long one value may be, as each provider publishes it for every account. */
const VALUE_LIMITS: Record<string, number> = {
  // Each value of a notification or promotion, unless the account had the limit lifted.
  aliyun: 35,
  // Tencent limits only accounts verified as a person (12): such a channel says so in its config.
};

/** The longest value a channel's provider takes: its config's `value_limit`, else the provider's. */
export function valueLimitOf(channel: { provider: string; config: Record<string, unknown> }): number | null {
  const own = Number(channel.config.value_limit);
  return Number.isInteger(own) && own > 0 ? own : (VALUE_LIMITS[channel.provider] ?? null);
}

/**
 * A way to refuse further messages, as the providers require of a promotion: 拒收请回复R, 回T退订,
 * 退订回TD, 如需退订请回复N… Full-width letters are read as the narrow ones first.
 */
const UNSUBSCRIBE_HINT = /拒收|退订|退訂|退定/;

// A link in a value: a scheme, www., or a domain's ending; an e-mail address is not one.
const LINK =
  /https?:\/\/|www\.|(?<![@\w.-])[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|cn|net|org|top|vip|xyz|cc|me|io|info|shop|site|club|link|ltd|wang|tv)(?![\w@-])/i;

export type ProviderLint = {
  code:
    | "provider_text_unknown"
    | "param_missing"
    | "param_unused"
    | "unsubscribe_hint_missing"
    | "value_empty"
    | "value_too_long"
    | "value_link"
    | "text_too_long";
  param?: string;
  /** Figures of the problem: characters and the limit. */
  characters?: number;
  limit?: number;
};

/** What is wrong with a binding as bound, before any values: its parameters against the provider's text. */
export function lintBinding(
  provider: string,
  b: Pick<TemplateBindingRow, "providerText" | "providerKind" | "params">,
  kind?: string,
): ProviderLint[] {
  if (b.providerText === null) return [{ code: "provider_text_unknown" }];
  const out: ProviderLint[] = [];
  const wanted = placeholders(provider, b.providerText);
  const bound = provider === "tencent" ? b.params.map((_, i) => String(i + 1)) : b.params.map((p) => p.name);
  for (const name of wanted) if (!bound.includes(name)) out.push({ code: "param_missing", param: name });
  for (const [i, name] of bound.entries())
    if (!wanted.includes(name)) out.push({ code: "param_unused", param: b.params[i]?.name ?? name });
  const marketing = b.providerKind === "marketing" || kind === "marketing";
  if (marketing && !UNSUBSCRIBE_HINT.test(b.providerText.normalize("NFKC")))
    out.push({ code: "unsubscribe_hint_missing" });
  return out;
}

/** What is wrong with these values in this text, as the provider would see them. */
export function lintValues(limit: number | null, params: readonly Param[], text: string): ProviderLint[] {
  const out: ProviderLint[] = [];
  for (const p of params) {
    const characters = [...p.value].length;
    if (characters === 0) out.push({ code: "value_empty", param: p.name });
    else if (limit !== null && characters > limit)
      out.push({ code: "value_too_long", param: p.name, characters, limit });
    // Both providers refuse a link passed as a value: a link must be fixed in the approved text.
    if (LINK.test(p.value.normalize("NFKC"))) out.push({ code: "value_link", param: p.name });
  }
  const characters = [...text].length;
  if (characters > PROVIDER_TEXT_MAX) out.push({ code: "text_too_long", characters, limit: PROVIDER_TEXT_MAX });
  return out;
}

/** The provider's text, signed and filled, measured as Chinese carriers count it. */
export function providerComposed(signName: string, provider: string, providerText: string, params: readonly Param[]) {
  const text = signed(signName, fillProviderText(provider, providerText, params));
  const counting: Counting = "cn_carrier";
  const c = countSegments(text, counting);
  const composed: Composed = {
    text,
    encoding: c.encoding,
    characters: c.characters,
    units: c.units,
    segments: c.segments,
    per_segment: c.perSegment,
    counting,
    signature_added: true,
    signature: signed(signName, ""),
    opt_out_hint_added: false,
    smart_replaced: [],
  };
  return composed;
}

/** The binding's values for one message: each parameter's expression rendered over its variables. */
export function renderParams(
  b: Pick<TemplateBindingRow, "params">,
  vars: Record<string, unknown>,
  data: Parameters<CompiledTemplate["render"]>[1],
  meter?: RenderMeter,
): Param[] {
  return b.params.map((p) => ({ name: p.name, value: compiled(p.value).render(vars, data, DEFAULT_LIMITS, meter) }));
}
