// What a template becomes on an Aliyun or Tencent channel, for the preview: the binding, the
// provider's approved text with this message's values in it, its count as Chinese carriers count
// it, and what is wrong with it before the provider says so.
import type { Ctx } from "../context";
import type { ChannelRow } from "../db/schema";
import { iso } from "../lib/time";
import { TemplateError } from "../templates/engine";
import type { TemplateKind } from "../templates/library";
import { bindingFor } from "./bindings";
import { TEMPLATED } from "./kinds";
import {
  lintBinding,
  lintValues,
  type ProviderLint,
  providerComposed,
  renderParams,
  valueLimitOf,
} from "./provider-text";

const WORDS: Record<ProviderLint["code"], (l: ProviderLint) => string> = {
  provider_text_unknown: () => "The provider's text is not known yet: check approvals to read it",
  param_missing: (l) => `The provider's text has ${l.param} but the binding gives no value for it`,
  param_unused: (l) => `The binding gives ${l.param} but the provider's text has no place for it`,
  unsubscribe_hint_missing: () =>
    "A promotion must tell how to refuse more (拒收请回复R, 回T退订): the provider will refuse it",
  value_empty: (l) => `${l.param} is empty: the provider refuses an empty value`,
  value_too_long: (l) => `${l.param} is ${l.characters} characters; the provider takes ${l.limit} a value`,
  value_link: (l) => `${l.param} holds a link: a link must be fixed in the approved text, not a value`,
  text_too_long: (l) => `${l.characters} characters with the signature; the provider takes at most ${l.limit}`,
};

function worded(list: ProviderLint[]) {
  return list.map((l) => ({ ...l, message: WORDS[l.code](l) }));
}

/** The provider's side of a preview on a templated channel; undefined on any other channel. */
export async function providerPreview(
  ctx: Ctx,
  channel: ChannelRow | undefined,
  t: { key: string; locale: string; kind: TemplateKind },
  vars: Record<string, unknown>,
  data: Record<string, unknown>,
) {
  if (!channel || !TEMPLATED.has(channel.provider)) return undefined;
  const b = t.key ? await bindingFor(ctx, channel.id, t.key, t.locale) : undefined;
  const base = { channel_id: channel.id, channel: channel.name, provider: channel.provider };
  if (!b) return { ...base, bound: false as const };
  const approval = {
    status: b.approval,
    detail: b.approvalDetail,
    checked_at: b.approvalCheckedAt === null ? null : iso(b.approvalCheckedAt),
  };
  const lint = lintBinding(channel.provider, b, t.kind);
  let params: { name: string; value: string }[];
  try {
    params = renderParams(b, vars, data);
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    return { ...base, bound: true as const, provider_template: b.providerTemplate, approval, error: e.message };
  }
  const limit = valueLimitOf(channel);
  const composed =
    b.providerText === null
      ? null
      : providerComposed(String(channel.config.sign_name ?? ""), channel.provider, b.providerText, params);
  if (composed) lint.push(...lintValues(limit, params, composed.text));
  return {
    ...base,
    bound: true as const,
    provider_template: b.providerTemplate,
    provider_kind: b.providerKind,
    approval,
    provider_text: b.providerText,
    text: composed?.text ?? null,
    characters: composed?.characters ?? null,
    segments: composed?.segments ?? null,
    per_segment: composed?.per_segment ?? null,
    counting: "cn_carrier" as const,
    params: params.map((p) => ({ ...p, characters: [...p.value].length, limit })),
    lint: worded(lint),
  };
}
