import { TEMPLATED } from "../../channels/kinds";
import { PROFILE_VARIABLES } from "../../templates/context";
import { fnv1a } from "../../templates/library";
import { type ConsoleApi, refusal } from "../api";
import { Field } from "../fields";
import { fill, type Lang, term, type Words } from "../i18n";
import { Layout, Notice, Problem } from "../layout";
import { LiveFragment } from "../live";
import { humanize, templateNames } from "../names";
import { Table } from "../table";

type Template = {
  id?: string;
  key: string;
  title: string;
  locale: string;
  kind: "notification" | "marketing";
  source: string;
  variables: Record<string, unknown>;
};
type Preview = {
  text: string;
  encoding: "GSM-7" | "UCS-2";
  characters: number;
  segments: number;
  per_segment: number;
  ucs2_culprits: { char: string; code_point: string; count: number; replacement?: string }[];
  cost: { currency: string; per_message: number };
  warnings: { code: string; message: string }[];
};
/**
 * Sample values as the editor shows them, one `name = value` a line (dotted names for nested
 * ones: card.last4 = 1234), and back. Numbers stay numbers, so {{plural visits ...}} works.
 */
function samplesText(variables: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(variables).flatMap(([k, v]) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? samplesText(v as Record<string, unknown>, `${prefix}${k}.`)
      : [`${prefix}${k} = ${Array.isArray(v) ? JSON.stringify(v) : String(v)}`],
  );
}

function samplesOf(text: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of (text ?? "").split(/\r?\n/)) {
    const at = line.indexOf("=");
    const name = line.slice(0, at).trim();
    if (at < 1 || !name) continue;
    const value = line.slice(at + 1).trim();
    // As in a CSV import: 12 is a number, 0042 (a card's last digits) stays text.
    out[name] = /^-?(0|[1-9]\d*)(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}

type Props = { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi };

type Review = { channel: string; locale: string; status: string };
const TONE: Record<string, string> = { approved: "good", rejected: "bad", missing: "bad" };

/** Each template's bindings on the workspace's Aliyun and Tencent channels, with the provider's review. */
async function reviewsByKey(api: ConsoleApi): Promise<Map<string, Review[]>> {
  const out = new Map<string, Review[]>();
  const channels = (await api.get<{ data: { id: string; name: string; provider: string }[] }>("/v1/channels")).data;
  type Bound = { data: { template_key: string; locale: string; approval: { status: string } }[] };
  const cloud = channels.filter((c) => TEMPLATED.has(c.provider));
  // One channel that cannot say (removed meanwhile) leaves its badges out, not the page.
  const lists = await Promise.all(
    cloud.map((ch) =>
      api.get<Bound>(`/v1/channels/${encodeURIComponent(ch.id)}/templates`).catch((): Bound => ({ data: [] })),
    ),
  );
  for (const [i, ch] of cloud.entries())
    for (const b of (lists[i] as Bound).data)
      out.set(b.template_key, [
        ...(out.get(b.template_key) ?? []),
        { channel: ch.name, locale: b.locale, status: b.approval.status },
      ]);
  return out;
}

/** The workspace's templates and the shipped ones, one row a message, a link to each language's text. */
export async function TemplatesPage(props: Props) {
  const { w, lang, api } = props;
  const names = await templateNames(api, lang);
  const own = (await api.get<{ data: Template[] }>("/v1/templates")).data;
  const shipped = (await api.get<{ data: Template[] }>("/v1/templates/defaults")).data;
  const reviews = await reviewsByKey(api);
  // Each row reads as the message a customer gets, with the template's sample values.
  const sampleText = async (t: Template) => {
    try {
      const body = { source: t.source, kind: t.kind, locale: t.locale, variables: t.variables };
      return (await api.post<{ text: string }>("/v1/templates/preview", body)).text;
    } catch (e) {
      refusal(e);
      return t.source;
    }
  };
  const table = async (title: string, list: Template[]) => {
    const byKey = new Map<string, Template[]>();
    for (const t of list) byKey.set(t.key, [...(byKey.get(t.key) ?? []), t]);
    const keys = [...byKey.keys()].sort((a, b) => names.title(a).localeCompare(names.title(b), lang));
    const texts = new Map<string, string>();
    for (const key of keys) {
      const versions = byKey.get(key) ?? [];
      texts.set(key, await sampleText(versions.find((t) => t.locale === lang) ?? (versions[0] as Template)));
    }
    return (
      <>
        <h2>{title}</h2>
        <Table head={[w.templateName, w.languages, w.kind, w.text]}>
          {keys.map((key) => {
            const versions = byKey.get(key) ?? [];
            const first = versions.find((t) => t.locale === lang) ?? (versions[0] as Template);
            const link = (t: Template) => `/console/templates/edit?${new URLSearchParams({ key, locale: t.locale })}`;
            return (
              <tr>
                <td data-label={w.templateName}>
                  <a href={link(first)}>{names.title(key)}</a>
                  {(reviews.get(key) ?? []).map((r) => (
                    <>
                      <br />
                      <span class={`badge ${TONE[r.status] ?? ""}`}>
                        {r.channel} · {term(w, "lang_", r.locale)} · {term(w, "ap_", r.status)}
                      </span>
                    </>
                  ))}
                </td>
                <td data-label={w.languages}>
                  {versions.map((t, i) => (
                    <>
                      {i > 0 && ", "}
                      <a href={link(t)}>{term(w, "lang_", t.locale)}</a>
                    </>
                  ))}
                </td>
                <td data-label={w.kind}>{term(w, "tkind_", first.kind)}</td>
                <td data-label={w.text} class="muted sms-text">
                  {(texts.get(key) ?? first.source).slice(0, 80)}
                </td>
              </tr>
            );
          })}
        </Table>
      </>
    );
  };
  return (
    <Layout lang={props.lang} w={w} title={w.templates} page="templates" who={props.who}>
      <p>
        <a href="/console/templates/edit">{w.newTemplate}</a>
      </p>
      {own.length > 0 && (await table(w.ownTemplates, own))}
      {await table(w.shippedTemplates, shipped)}
    </Layout>
  );
}

/** Marks each character that forces UCS-2, so the writer sees what to change. */
function Highlighted(props: { text: string; culprits: Set<string>; w: Words }) {
  const parts: (string | ReturnType<typeof Mark>)[] = [];
  let plain = "";
  for (const ch of props.text) {
    if (props.culprits.has(ch)) {
      if (plain) parts.push(plain);
      plain = "";
      parts.push(<Mark ch={ch} title={props.w.forcesUcs2} />);
    } else plain += ch;
  }
  if (plain) parts.push(plain);
  return <pre class="sms">{parts}</pre>;
}

function Mark(props: { ch: string; title: string }) {
  return <mark title={props.title}>{props.ch}</mark>;
}

/** The preview section alone: the editor's script swaps it in as the text changes. */
export async function PreviewSection(props: Props & { input: Record<string, string> }) {
  const { w, api, input } = props;
  if (!input.source?.trim()) return <section id="preview" aria-live="polite" />;
  let preview: Preview;
  try {
    preview = await api.post<Preview>("/v1/templates/preview", {
      source: input.source,
      kind: input.kind === "marketing" ? "marketing" : "notification",
      // Without a customer the API renders for a made-up member; the sample values stand in
      // for what each send brings (a campaign's offer, a card's last digits).
      ...(input.customer_id ? { customer_id: input.customer_id } : { locale: input.locale || "en" }),
      variables: samplesOf(input.samples),
    });
  } catch (e) {
    // The detail names the line and column of a template error.
    const r = refusal(e);
    return (
      <section id="preview" aria-live="polite">
        <Problem text={r.detail ?? r.message} />
      </section>
    );
  }
  // The API names culprits only where changing them would make the text GSM-7 (never in a
  // Chinese text, which is UCS-2 by nature).
  const marked = preview.ucs2_culprits;
  const culprits = new Set(marked.map((c) => c.char));
  // Our made-up member's unused fields are not the writer's concern.
  const warnings = preview.warnings.filter((x) => input.customer_id || x.code !== "unused_variable");
  return (
    <section id="preview" aria-live="polite" aria-labelledby="preview-h">
      <h2 id="preview-h">{w.preview}</h2>
      <Highlighted text={preview.text} culprits={culprits} w={w} />
      <div class="cards">
        <div class="card">
          <div class="label">{w.segments}</div>
          <div class="value" data-testid="segments">
            {preview.segments}
          </div>
        </div>
        <div class="card">
          <div class="label">{w.encoding}</div>
          <div class="value">{preview.encoding}</div>
        </div>
        <div class="card">
          <div class="label">{w.characters}</div>
          <div class="value">
            {preview.characters} / {preview.per_segment * preview.segments}
          </div>
        </div>
        <div class="card">
          <div class="label">{w.costPerMessage}</div>
          <div class="value">
            {preview.cost.per_message} {preview.cost.currency}
          </div>
        </div>
      </div>
      {marked.length > 0 && (
        <p>
          {w.forcesUcs2}:{" "}
          {marked.map((c) => (
            <span class="badge">
              {c.char} {c.code_point} ×{c.count}
              {c.replacement ? ` → ${c.replacement}` : ""}
            </span>
          ))}
        </p>
      )}
      {warnings.length > 0 && (
        <ul>
          {warnings.map((x) => (
            <li>{x.message}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** A key for a template a person named: its words in lower case, or (for a Chinese name) a short fingerprint. */
export function keyFor(title: string): string {
  if (!title) return "";
  const ascii = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+|_+$/g, "")
    .slice(0, 48);
  return ascii.length >= 2 ? ascii : `msg_${fnv1a(title)}`;
}

/** The editor's own refusal: a new message needs a name before it can be saved. */
export class NeedsName extends Error {}

/**
 * Saves the editor's text under its key and language: a new version of the workspace's own
 * template, or the workspace's own copy of a shipped one (keeping its description and samples),
 * or a new template. Answers what happened.
 */
export async function saveTemplate(p: Props, f: Record<string, string>): Promise<string> {
  const { api, w } = p;
  const title = f.title?.trim() ?? "";
  const key = f.key?.trim() || keyFor(title);
  const locale = f.locale ?? "";
  const kind = f.kind === "marketing" ? "marketing" : "notification";
  const own = (await api.get<{ data: Template[] }>("/v1/templates")).data.find(
    (t) => t.key === key && t.locale === locale,
  );
  // The sample values travel with the template: its preview and lint use them.
  const samples = samplesOf(f.samples);
  const variables = Object.keys(samples).length > 0 ? { variables: samples } : {};
  if (own?.id) {
    const saved = await api.patch<{ version: number }>(`/v1/templates/${own.id}`, {
      source: f.source ?? "",
      kind,
      ...(title && { title }),
      ...variables,
    });
    return fill(w.templateSaved, {
      name: title || own.title || humanize(key),
      lang: term(w, "lang_", locale),
      v: saved.version,
    });
  }
  const shipped = (await api.get<{ data: Template[] }>("/v1/templates/defaults")).data.some(
    (t) => t.key === key && t.locale === locale,
  );
  if (!title && !key) throw new NeedsName(w.templateNeedsName);
  const saved = await api.post<{ version: number; title: string }>("/v1/templates", {
    key,
    locale,
    kind,
    ...(title && { title }),
    source: f.source ?? "",
    ...variables,
    ...(shipped && { copy_of: { key, locale } }),
  });
  return fill(w.templateSaved, {
    name: saved.title || humanize(key),
    lang: term(w, "lang_", locale),
    v: saved.version,
  });
}

/** The editor: source, kind, a customer to render for, and the live preview. */
export async function EditorPage(props: Props & { input: Record<string, string>; notice?: string | undefined }) {
  const { w, api } = props;
  const input = { ...props.input };
  if (input.source === undefined && input.key) {
    const all = [
      ...(await api.get<{ data: Template[] }>("/v1/templates")).data,
      ...(await api.get<{ data: Template[] }>("/v1/templates/defaults")).data,
    ];
    const t = all.find((x) => x.key === input.key && x.locale === input.locale);
    const named = all.find((x) => x.key === input.key && x.title);
    // The made-up member (or the customer) gives the profile's values, and the workspace its
    // brand: the samples shown are what each send brings.
    const own = Object.entries(t?.variables ?? {}).filter(([k]) => !PROFILE_VARIABLES.includes(k.split(".")[0] ?? ""));
    if (t)
      Object.assign(input, {
        source: t.source,
        kind: t.kind,
        title: t.title || named?.title || "",
        samples: samplesText(Object.fromEntries(own)).join("\n"),
      });
  }
  const people = (
    await api.get<{ data: { id: string; name: string | null; phone: string | null; locale: string }[] }>(
      "/v1/customers?limit=100",
    )
  ).data;
  return (
    <Layout lang={props.lang} w={w} title={w.templateEditor} page="templates" who={props.who}>
      <Notice text={props.notice} />
      <form id="editor" method="post" action="/console/templates/edit">
        <input type="hidden" name="_csrf" value={props.who.csrf} />
        <Field id="source" label={w.text}>
          <textarea id="source" name="source" rows={6} cols={60}>
            {input.source ?? ""}
          </textarea>
        </Field>
        <Field id="samples" label={w.sampleValues}>
          <textarea id="samples" name="samples" rows={3} cols={60} aria-describedby="samples-hint">
            {input.samples ?? ""}
          </textarea>
        </Field>
        <p id="samples-hint" class="muted">
          {w.sampleValuesHint}
        </p>
        <div class="filters">
          <Field id="kind" label={w.kind}>
            <select id="kind" name="kind">
              {(["notification", "marketing"] as const).map((k) => (
                <option value={k} selected={input.kind === k}>
                  {term(w, "tkind_", k)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="customer_id" label={w.previewFor}>
            <select id="customer_id" name="customer_id">
              <option value="">{w.sampleData}</option>
              {people.map((p) => (
                <option value={p.id} selected={input.customer_id === p.id}>
                  {`${p.name ?? p.phone ?? w.noName} (${term(w, "lang_", p.locale)})`}
                </option>
              ))}
            </select>
          </Field>
          <Field id="locale" label={w.locale}>
            <select id="locale" name="locale">
              {["zh-CN", "en"].map((l) => (
                <option value={l} selected={input.locale === l}>
                  {term(w, "lang_", l)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="title" label={w.templateName}>
            <input id="title" name="title" value={input.title ?? ""} maxlength={100} aria-describedby="key-hint" />
          </Field>
          <button type="submit" name="do" value="preview" class="secondary">
            {w.preview}
          </button>
          <button type="submit" name="do" value="save">
            {w.saveTemplate}
          </button>
        </div>
        <p id="key-hint" class="muted">
          {w.keyHint}
        </p>
        <details open={!!input.key && !input.title}>
          <summary>{w.forIntegrations}</summary>
          <Field id="key" label={w.templateKey}>
            <input
              id="key"
              name="key"
              value={input.key ?? ""}
              pattern="[a-z][a-z0-9_]{1,63}"
              placeholder="monday_offer"
              aria-describedby="key-hint2"
            />
          </Field>
          <p id="key-hint2" class="muted">
            {w.keyHint2}
          </p>
        </details>
      </form>
      {await PreviewSection({ ...props, input })}
      <LiveFragment form="editor" url="/console/templates/edit" target="preview" />
    </Layout>
  );
}
