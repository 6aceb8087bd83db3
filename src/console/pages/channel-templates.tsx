// A cloud channel's templates (Aliyun, Tencent send only what they approved): which provider
// template each Tidings template stands for, per language, with its parameters; the review state
// the provider last gave, a button to ask again, and a form to bind one more.
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

export async function ChannelTemplatesPage(props: Props) {
  const { w, lang, api, id } = props;
  const channel = await api.find<{ name: string; provider: string; config: { sign_name?: string } }>(
    `/v1/channels/${encodeURIComponent(id)}`,
  );
  if (!channel) return null;
  const tenant = await api.get<{ time_zone: string }>("/v1/tenant");
  const bindings = (await api.get<{ data: Binding[] }>(`/v1/channels/${encodeURIComponent(id)}/templates`)).data;
  const names = await templateNames(api, lang);
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
      <p class="muted">{fill(w.channelTemplatesHint, { provider: term(w, "prov_", channel.provider) })}</p>
      <Table head={[w.template, w.locale, w.providerTemplate, w.params, w.approval, ""]} label="bound-h">
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
