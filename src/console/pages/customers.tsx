import { displayPhone } from "../../lib/phone";
import type { ConsoleApi } from "../api";
import { Field } from "../fields";
import { type Lang, term, type Words } from "../i18n";
import { Layout, Notice } from "../layout";
import { type Attribute, attributeName, templateNames } from "../names";
import { Table } from "../table";
import { whenIn } from "../time";
import { describe, type Entry, type TimelineNames } from "../timeline";
import { birthdayText, CustomerEditForm, type EditableCustomer } from "./customer-edit";

type Customer = EditableCustomer;
type Props = { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi };

// The list's filters, passed to GET /v1/customers as they are (it validates them).
const FILTERS = ["q", "tier", "tag", "group", "consent", "cursor"] as const;

export async function CustomersPage(props: Props & { query: Record<string, string> }) {
  const { w, api } = props;
  const params = new URLSearchParams();
  for (const k of FILTERS) {
    const v = props.query[k]?.trim();
    if (v) params.set(k, v);
  }
  const list = await api.get<{ data: Customer[]; next_cursor: string | null }>(`/v1/customers?${params}`);
  const groups = (await api.get<{ data: { id: string; name: string; code: string | null }[] }>("/v1/groups")).data;
  const tenant = await api.get<{ tiers: string[]; default_country: string }>("/v1/tenant");
  const phone = (p: string | null) => (p ? displayPhone(p, tenant.default_country) : null);
  const nextPage = new URLSearchParams(params);
  if (list.next_cursor) nextPage.set("cursor", list.next_cursor);
  const v = (k: string) => props.query[k] ?? "";
  return (
    <Layout lang={props.lang} w={w} title={w.customers} page="customers" who={props.who}>
      <p>
        <a href="/console/customers/import">{w.importLink}</a>
      </p>
      <search>
        <form class="filters" method="get" action="/console/customers">
          <Field id="q" label={w.search}>
            <input id="q" name="q" type="search" value={v("q")} placeholder={w.searchHint} />
          </Field>
          <Field id="tier" label={w.tier}>
            <select id="tier" name="tier">
              <option value="">{w.any}</option>
              {tenant.tiers.map((t) => (
                <option value={t} selected={v("tier") === t}>
                  {t}
                </option>
              ))}
            </select>
          </Field>
          <Field id="group" label={w.group}>
            <select id="group" name="group">
              <option value="">{w.any}</option>
              {groups.map((g) => (
                <option value={g.id} selected={v("group") === g.id}>
                  {g.code ? `${g.code} · ${g.name}` : g.name}
                </option>
              ))}
            </select>
          </Field>
          <Field id="tag" label={w.tag}>
            <input id="tag" name="tag" value={v("tag")} size={10} />
          </Field>
          <Field id="consent" label={w.consent}>
            <select id="consent" name="consent">
              <option value="">{w.any}</option>
              {(["subscribed", "unsubscribed", "never_asked"] as const).map((s) => (
                <option value={s} selected={v("consent") === s}>
                  {w[s]}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit">{w.search}</button>
        </form>
      </search>
      {list.data.length === 0 ? (
        <p class="muted">{w.noCustomers}</p>
      ) : (
        <Table head={[w.name, w.phone, w.tier, w.consent, w.tags]}>
          {list.data.map((c) => (
            <tr>
              <td data-label={w.name}>
                <a href={`/console/customers/${encodeURIComponent(c.id)}`}>{c.name ?? phone(c.phone) ?? w.noName}</a>
              </td>
              <td data-label={w.phone}>{phone(c.phone) ?? "–"}</td>
              <td data-label={w.tier}>{c.tier ?? "–"}</td>
              <td data-label={w.consent}>{w[c.consent.state]}</td>
              <td data-label={w.tags}>{c.tags.join(", ")}</td>
            </tr>
          ))}
        </Table>
      )}
      {list.next_cursor && (
        <p>
          <a href={`/console/customers?${nextPage}`}>{w.morePages}</a>
        </p>
      )}
    </Layout>
  );
}

/** One customer's profile and timeline; null when the API says there is no such customer. */
export async function CustomerPage(props: Props & { id: string; notice?: string | undefined }) {
  const { w, api, lang } = props;
  const c = await api.find<Customer>(`/v1/customers/${encodeURIComponent(props.id)}`);
  if (!c) return null;
  const timeline = (await api.get<{ data: Entry[] }>(`/v1/customers/${encodeURIComponent(c.id)}/timeline`)).data;
  const names = await timelineNames(api, lang, timeline);
  const tenant = await api.get<{ tiers: string[]; default_country: string }>("/v1/tenant");
  const tiers = tenant.tiers;
  const staff = (await api.get<{ data: { id: string; name: string }[] }>("/v1/staff")).data;
  type G = { id: string; name: string; code: string | null; kind: string };
  const member = new Set(
    (await api.get<{ data: G[] }>(`/v1/customers/${encodeURIComponent(c.id)}/groups`)).data.map((g) => g.id),
  );
  const statics = (await api.get<{ data: G[] }>("/v1/groups")).data
    .filter((g) => g.kind === "static")
    .map((g) => ({ id: g.id, name: g.name, code: g.code, member: member.has(g.id) }));
  // In the customer's own zone, named (their timeline: when they got or sent what).
  const when = (iso: string) => whenIn(iso, c.time_zone, lang);
  const b = c.birthday;
  const facts: [string, string][] = [
    [w.phone, c.phone ? displayPhone(c.phone, tenant.default_country) : "–"],
    [w.externalId, c.external_id ?? "–"],
    [w.tier, c.tier ?? "–"],
    [w.consent, w[c.consent.state]],
    [w.tags, c.tags.join(", ") || "–"],
    [
      w.groups,
      statics
        .filter((g) => g.member)
        .map((g) => g.name)
        .join(", ") || "–",
    ],
    [w.locale, term(w, "lang_", c.locale)],
    [w.timeZone, c.time_zone],
    [w.birthday, b ? `${birthdayText(b)}${b.lunar ? ` (${w.lunar})` : ""}` : "–"],
    ...Object.entries(c.attributes).map(([k, v]): [string, string] => [attributeName(names.attributes, k), String(v)]),
  ];
  return (
    <Layout
      lang={lang}
      w={w}
      title={c.name ?? (c.phone ? displayPhone(c.phone, tenant.default_country) : w.noName)}
      page="customers"
      who={props.who}
    >
      <Notice text={props.notice} />
      <h2>{w.profile}</h2>
      <dl class="facts">
        {facts.map(([k, v]) => (
          <>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </>
        ))}
      </dl>
      <CustomerEditForm w={w} csrf={props.who.csrf} c={c} tiers={tiers} staff={staff} groups={statics} />
      <h2>{w.timeline}</h2>
      {timeline.length === 0 ? (
        <p class="muted">{w.noTimeline}</p>
      ) : (
        <ol class="timeline">
          {timeline.map((e) => {
            const line = describe(w, lang, names, e);
            return (
              <li>
                <time datetime={e.at}>{when(e.at)}</time> · <strong>{line.what}</strong>{" "}
                <span class="muted">{line.detail}</span>
                {line.quote && <blockquote>{line.quote}</blockquote>}
              </li>
            );
          })}
        </ol>
      )}
    </Layout>
  );
}

/** The names a timeline's lines need: templates, keywords and campaigns it mentions, attributes. */
async function timelineNames(api: ConsoleApi, lang: Lang, timeline: Entry[]): Promise<TimelineNames> {
  const templates = await templateNames(api, lang);
  const keywords = new Map(
    (await api.get<{ data: { id: string; name: string }[] }>("/v1/keywords")).data.map((k) => [k.id, k.name]),
  );
  const campaigns = new Map<string, string>();
  for (const id of new Set(timeline.map((e) => e.data.campaign_id).filter((x) => typeof x === "string"))) {
    const found = await api.find<{ name: string }>(`/v1/campaigns/${encodeURIComponent(id as string)}`);
    if (found) campaigns.set(id as string, found.name);
  }
  const attributes = (await api.get<{ data: Attribute[] }>("/v1/attributes")).data;
  return {
    template: templates.title,
    keyword: (id) => keywords.get(id),
    campaign: (id) => campaigns.get(id),
    attributes,
  };
}
