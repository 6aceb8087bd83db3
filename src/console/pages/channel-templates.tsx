// A cloud channel's templates (Aliyun, Tencent send only what they approved): which provider
// template each Tidings template stands for, per language, with its parameters; the review state
// the provider last gave, a button to ask again, and a form to bind one more.
import { PROVIDER_NUMBER_CAPS } from "../../channels/number-caps";
import type { ConsoleApi } from "../api";
import { Field, Hidden, RowButton } from "../fields";
import { fill, type Lang, term, type Words } from "../i18n";
import { Layout, Notice } from "../layout";
import { templateNames } from "../names";
import { Table } from "../table";
import { whenIn } from "../time";

type Binding = {
  template_key: string;
  locale: string;
  provider_template: string;
  params: { name: string; value: string }[];
  approval: { status: string; detail: string | null; checked_at: string | null };
};
type Caps = { per_minute?: number; per_hour?: number; per_day?: number };
type Channel = {
  name: string;
  provider: string;
  config: { sign_name?: string; sign_id?: string };
  number_caps: Caps | null;
  effective_number_caps: Caps | null;
  signature?: { status: string; detail: string | null; checked_at: string | null };
};
type Lint = { code: string; message: string; param?: string; characters?: number; limit?: number };
type Arrival = {
  bound: boolean;
  text?: string | null;
  characters?: number | null;
  segments?: number | null;
  lint?: Lint[];
  error?: string;
};

const CAP_FIELDS = [
  ["per_minute", "perMinute", "capMinute"],
  ["per_hour", "perHour", "capHour"],
  ["per_day", "perDay", "capDay"],
] as const;

type Props = {
  lang: Lang;
  w: Words;
  who: { scope: string; csrf: string };
  api: ConsoleApi;
  id: string;
  notice?: string | undefined;
  /** The bind form as typed, after a refusal. */
  typed?: Record<string, string>;
};

const TONE: Record<string, string> = { approved: "good", rejected: "bad", missing: "bad" };
const LOCALES = ["zh-CN", "en"] as const;

/** The form's lines ("name = {{expression}}", one a line) as the API's parameters, in order. */
export function paramsOf(text: string): { name: string; value: string }[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const at = line.search(/[=＝]/);
      return at === -1
        ? { name: line, value: "" }
        : { name: line.slice(0, at).trim(), value: line.slice(at + 1).trim() };
    });
}

/** Binds (or re-binds) a template in one language; the notice to show. */
export async function bindTemplate(p: { w: Words; api: ConsoleApi }, id: string, f: Record<string, string>) {
  const key = encodeURIComponent(f.template ?? "");
  const locale = encodeURIComponent(f.locale ?? "");
  await p.api.put(`/v1/channels/${encodeURIComponent(id)}/templates/${key}/${locale}`, {
    provider_template: (f.provider_template ?? "").trim(),
    params: paramsOf(f.params ?? ""),
  });
  return p.w.saved;
}

/** The channel's per-number caps from the form: all empty gives the provider's figures back. */
export async function saveCaps(p: { w: Words; api: ConsoleApi }, id: string, f: Record<string, string>) {
  const caps: Caps = {};
  for (const [key] of CAP_FIELDS) {
    const v = (f[key] ?? "").trim();
    if (v !== "") caps[key] = Number(v);
  }
  // "No limits" (the account's were raised) keeps none; all empty gives the provider's back.
  const none = f.none === "on";
  await p.api.patch(`/v1/channels/${encodeURIComponent(id)}`, {
    number_caps: none ? {} : Object.keys(caps).length === 0 ? null : caps,
  });
  return p.w.saved;
}

function capsWords(w: Words, caps: Caps | null | undefined): string {
  const parts = CAP_FIELDS.flatMap(([key, , window]) =>
    caps?.[key] ? [fill(w.capPhrase, { n: caps[key] as number, window: w[window] })] : [],
  );
  return parts.length ? parts.join(", ") : w.noCaps;
}

/** A problem the preview found, in the page's language. */
function lintText(w: Words, l: Lint): string {
  const phrase = (w as Record<string, string>)[`pl_${l.code}`];
  return phrase
    ? fill(phrase, { param: l.param ?? "", characters: l.characters ?? "", limit: l.limit ?? "" })
    : l.message;
}

/** What the provider sends for a bound template, with a made-up member's values, and what is wrong with it. */
function Arrives({ w, a }: { w: Words; a: Arrival | undefined }) {
  if (!a) return <span class="muted">–</span>;
  if (!a.bound) return <span class="muted">{w.notBound}</span>;
  return (
    <>
      {a.text ? (
        <>
          <pre class="sms">{a.text}</pre>
          <span class="muted">
            {fill(w.countCn, { characters: a.characters ?? 0, segments: a.segments ?? 0 })} · {w.arrivesHint}
          </span>
        </>
      ) : (
        <span class="muted">{a.error ? w.arrivesError : w.arrivesUnknown}</span>
      )}
      {(a.lint ?? [])
        .filter((l) => !(l.code === "provider_text_unknown" && !a.text))
        .map((l) => (
          <p class="warning">{lintText(w, l)}</p>
        ))}
    </>
  );
}

export async function ChannelTemplatesPage(props: Props) {
  const { w, lang, api, id } = props;
  const channel = await api.find<Channel>(`/v1/channels/${encodeURIComponent(id)}`);
  if (!channel) return null;
  const tenant = await api.get<{ time_zone: string }>("/v1/tenant");
  const bindings = (await api.get<{ data: Binding[] }>(`/v1/channels/${encodeURIComponent(id)}/templates`)).data;
  const names = await templateNames(api, lang);
  // Each binding as the provider will send it, through the same preview the API offers.
  const arrivals = new Map<string, Arrival | undefined>();
  for (const b of bindings) {
    const preview = await api
      .post<{ provider?: Arrival }>("/v1/templates/preview", { key: b.template_key, locale: b.locale, channel_id: id })
      .catch(() => undefined);
    arrivals.set(`${b.template_key}|${b.locale}`, preview?.provider);
  }
  const sign = channel.signature;
  // {} keeps no caps at all; null keeps the provider's.
  const noCaps = channel.number_caps !== null && Object.keys(channel.number_caps).length === 0;
  const csrf = props.who.csrf;
  const base = `/console/settings/channels/${encodeURIComponent(id)}/templates`;
  const v = props.typed ?? {};
  const title = fill(w.channelTemplatesTitle, { name: channel.name });
  return (
    <Layout lang={lang} w={w} title={title} page="settings" who={props.who}>
      <p>
        <a href="/console/settings">{w.settings}</a>
      </p>
      <Notice text={props.notice} />
      <h2 id="sign-h">{w.providerSignature}</h2>
      <p>
        <strong>【{channel.config.sign_name ?? ""}】</strong>{" "}
        {sign && (
          <>
            <span class={`badge ${TONE[sign.status] ?? ""}`}>{term(w, "ap_", sign.status)}</span>
            {sign.detail && <span class="muted"> {sign.detail}</span>}
            {sign.checked_at && (
              <span class="muted">
                {" "}
                · {fill(w.checkedAt, { time: whenIn(sign.checked_at, tenant.time_zone, lang) })}
              </span>
            )}
          </>
        )}
      </p>
      <p class="muted">
        {w.signatureHint}
        {channel.provider === "tencent" && !channel.config.sign_id && <> {w.signatureNoId}</>}
      </p>
      <h2 id="caps-h">{w.numberCaps}</h2>
      <form method="post" action={`${base}/caps`} class="card filters" aria-labelledby="caps-h">
        <Hidden csrf={csrf} />
        {CAP_FIELDS.map(([key, word]) => (
          <Field id={`cap-${key}`} label={w[word]}>
            <input
              id={`cap-${key}`}
              name={key}
              type="number"
              min={1}
              max={10000}
              size={6}
              placeholder={String(PROVIDER_NUMBER_CAPS[channel.provider]?.[key] ?? "")}
              value={channel.number_caps?.[key] ?? ""}
            />
          </Field>
        ))}
        <label>
          <input type="checkbox" name="none" checked={noCaps} /> {w.noCapsBox}
        </label>
        <button type="submit">{w.save}</button>
      </form>
      <p class="muted">
        {noCaps
          ? w.noCapsKept
          : fill(w.numberCapsHint, { defaults: capsWords(w, PROVIDER_NUMBER_CAPS[channel.provider]) })}
      </p>
      <h2 id="bound-h">{w.channelTemplates}</h2>
      <p class="muted">{fill(w.channelTemplatesHint, { provider: term(w, "prov_", channel.provider) })}</p>
      <Table head={[w.template, w.locale, w.providerTemplate, w.params, w.approval, w.arrives, ""]} label="bound-h">
        {bindings.map((b) => (
          <tr>
            <td data-label={w.template}>{names.title(b.template_key)}</td>
            <td data-label={w.locale}>{term(w, "lang_", b.locale)}</td>
            <td data-label={w.providerTemplate}>{b.provider_template}</td>
            <td data-label={w.params}>{b.params.map((x) => `${x.name} = ${x.value}`).join("; ") || "–"}</td>
            <td data-label={w.approval}>
              <span class={`badge ${TONE[b.approval.status] ?? ""}`}>{term(w, "ap_", b.approval.status)}</span>
              {b.approval.detail && <span class="muted"> {b.approval.detail}</span>}
              {b.approval.checked_at && (
                <span class="muted">
                  {" "}
                  · {fill(w.checkedAt, { time: whenIn(b.approval.checked_at, tenant.time_zone, lang) })}
                </span>
              )}
            </td>
            <td data-label={w.arrives}>
              <Arrives w={w} a={arrivals.get(`${b.template_key}|${b.locale}`)} />
            </td>
            <td>
              <RowButton
                action={`${base}/delete`}
                csrf={csrf}
                id={`${b.template_key}|${b.locale}`}
                label={w.remove}
                row={names.title(b.template_key)}
              />
            </td>
          </tr>
        ))}
      </Table>
      {bindings.length > 0 && (
        <form method="post" action={`${base}/check`}>
          <Hidden csrf={csrf} />
          <button type="submit">{w.checkApproval}</button>
        </form>
      )}
      <h2 id="bind-h">{w.bindTemplate}</h2>
      <form method="post" action={base} class="card" aria-labelledby="bind-h">
        <Hidden csrf={csrf} />
        <div class="filters">
          <Field id="b-template" label={w.template}>
            <select id="b-template" name="template">
              {names.options.map((o) => (
                <option value={o.value} selected={o.value === v.template}>
                  {o.label}
                </option>
              ))}
            </select>
          </Field>
          <Field id="b-locale" label={w.locale}>
            <select id="b-locale" name="locale">
              {LOCALES.map((l) => (
                <option value={l} selected={l === (v.locale ?? "zh-CN")}>
                  {term(w, "lang_", l)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="b-code" label={w.providerTemplate}>
            <input
              id="b-code"
              name="provider_template"
              required
              placeholder="SMS_465001"
              value={v.provider_template ?? ""}
            />
          </Field>
        </div>
        <div>
          <label for="b-params">{w.paramsHint}</label>
          <textarea id="b-params" name="params" rows={3} placeholder={"name = {{name}}\noffer = {{offer}}"}>
            {v.params ?? ""}
          </textarea>
        </div>
        <button type="submit">{w.bindTemplate}</button>
      </form>
    </Layout>
  );
}
