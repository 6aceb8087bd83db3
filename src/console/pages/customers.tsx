import { displayPhone } from "../../lib/phone";
import { type ConsoleApi, refusal } from "../api";
import { Field, Hidden, Select } from "../fields";
import { fill, type Lang, term, type Words } from "../i18n";
import { Layout, Notice } from "../layout";
import { type Attribute, attributeName, templateNames } from "../names";
import { Table } from "../table";
import { whenIn } from "../time";
import { describe, type Entry, type TimelineNames } from "../timeline";
import { AddCustomerForm } from "./customer-add";
import { birthdayText, CustomerEditForm, type EditableCustomer } from "./customer-edit";

type Customer = EditableCustomer;
type Props = { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi };

// The list's filters and order, passed to GET /v1/customers as they are (it validates them).
const FILTERS = ["q", "tier", "tag", "group", "consent", "filter", "sort", "cursor"] as const;

/** Birthdays tomorrow, in each customer's own calendar: within the next day, not today. */
export const BIRTHDAYS_TOMORROW = {
  and: [{ field: "birthday", op: "within_next", value: 1 }, { not: { field: "birthday", op: "is_today" } }],
};
// Lists a page can open by name (the home page's "Birthdays tomorrow").
const VIEWS: Record<string, { filter: unknown; title: "birthdaysTomorrowTitle" }> = {
  birthdays_tomorrow: { filter: BIRTHDAYS_TOMORROW, title: "birthdaysTomorrowTitle" },
};
const SORTS = ["joined", "newest", "name"] as const;

type ListProps = Props & {
  query: Record<string, string>;
  notice?: string | undefined;
  /** The add form as typed, with the API's reason it was refused. */
  adding?: { form: Record<string, string>; error: string };
};

/** The list's filters, for its export (every page, in the list's order). */
function exportOf(params: URLSearchParams): string {
  const out = new URLSearchParams(params);
  for (const k of ["total", "cursor"]) out.delete(k);
  return out.toString().replace(/\+/g, "%20");
}

export async function CustomersPage(props: ListProps) {
  const { w, api, lang } = props;
  const view = VIEWS[props.query.view ?? ""];
  const query = view ? { ...props.query, filter: JSON.stringify(view.filter) } : props.query;
  const params = new URLSearchParams({ total: "true" });
  for (const k of FILTERS) {
    const v = query[k]?.trim();
    if (v) params.set(k, v);
  }
  const list = await api.get<{ data: Customer[]; next_cursor: string | null; total: number }>(
    `/v1/customers?${params}`,
  );
  type G = { id: string; name: string; code: string | null; kind: string };
  const groups = (await api.get<{ data: G[] }>("/v1/groups")).data;
  const tenant = await api.get<{ tiers: string[]; default_country: string; locale: string }>("/v1/tenant");
  const phone = (p: string | null) => (p ? displayPhone(p, tenant.default_country) : null);
  const nextPage = new URLSearchParams(params);
  nextPage.delete("total");
  if (list.next_cursor) nextPage.set("cursor", list.next_cursor);
  const here = new URLSearchParams(nextPage);
  here.delete("cursor");
  if (props.query.cursor) here.set("cursor", props.query.cursor);
  const v = (k: string) => props.query[k] ?? "";
  const label = (g: G) => (g.code ? `${g.code} · ${g.name}` : g.name);
  const statics = groups.filter((g) => g.kind === "static");
  return (
    <Layout lang={lang} w={w} title={view ? w[view.title] : w.customers} page="customers" who={props.who}>
      <Notice text={props.notice} />
      <p>
        <a href="/console/customers/import">{w.importLink}</a>
      </p>
      {query.filter && (
        <p class="muted">
          {w.matchingOnly} <a href="/console/customers">{w.showEveryone}</a>
        </p>
      )}
      <AddCustomerForm
        w={w}
        csrf={props.who.csrf}
        tiers={tenant.tiers}
        locale={tenant.locale}
        form={props.adding?.form}
        error={props.adding?.error}
      />
      <search>
        <form class="filters" method="get" action="/console/customers">
          {query.filter && <input type="hidden" name="filter" value={query.filter} />}
          <Field id="q" label={w.search}>
            <input id="q" name="q" type="search" value={v("q")} placeholder={w.searchHint} />
          </Field>
          <Field id="tier" label={w.tier}>
            <Select
              id="tier"
              value={v("tier")}
              options={[{ value: "", label: w.any }, ...tenant.tiers.map((t) => ({ value: t, label: t }))]}
            />
          </Field>
          <Field id="group" label={w.group}>
            <Select
              id="group"
              value={v("group")}
              options={[{ value: "", label: w.any }, ...groups.map((g) => ({ value: g.id, label: label(g) }))]}
            />
          </Field>
          <Field id="tag" label={w.tag}>
            <input id="tag" name="tag" value={v("tag")} size={10} />
          </Field>
          <Field id="consent" label={w.consent}>
            <Select
              id="consent"
              value={v("consent")}
              options={[
                { value: "", label: w.any },
                ...(["subscribed", "unsubscribed", "never_asked"] as const).map((s) => ({ value: s, label: w[s] })),
              ]}
            />
          </Field>
          <Field id="sort" label={w.sortBy}>
            <Select
              id="sort"
              value={v("sort") || "joined"}
              options={SORTS.map((s) => ({ value: s, label: term(w, "sort_", s) }))}
            />
          </Field>
          <button type="submit">{w.search}</button>
        </form>
      </search>
      <p data-testid="total">{fill(w.customersFound, { n: list.total.toLocaleString(lang) })}</p>
      <p>
        <a href={`/console/export/customers?${exportOf(params)}`}>{w.exportCsv}</a> ·{" "}
        <a href="/console/export/consent">{w.exportConsent}</a>
      </p>
      {list.data.length === 0 ? (
        <p class="muted">{w.noCustomers}</p>
      ) : (
        <form id="bulk" method="post" action="/console/customers/bulk">
          <Hidden csrf={props.who.csrf} />
          <input type="hidden" name="back" value={`/console/customers?${here.toString().replace(/\+/g, "%20")}`} />
          <p>
            <label>
              <input type="checkbox" id="select-all" /> {w.selectPage}
            </label>
          </p>
          <fieldset class="filters bulk" id="bulk-bar">
            <legend>{w.withSelected}</legend>
            <Field id="bulk-group" label={w.addToGroup}>
              <Select
                id="bulk-group"
                name="group"
                value=""
                options={[{ value: "", label: "–" }, ...statics.map((g) => ({ value: g.id, label: label(g) }))]}
              />
            </Field>
            <Field id="bulk-tag" label={w.tag}>
              <input id="bulk-tag" name="tag" size={10} maxlength={50} />
            </Field>
            <button type="submit" name="do" value="add">
              {w.applyToSelected}
            </button>
            <button type="submit" name="do" value="remove" class="secondary">
              {w.removeFromSelected}
            </button>
          </fieldset>
          <Table head={["", w.name, w.phone, w.tier, w.consent, w.tags]}>
            {list.data.map((c) => {
              const who = c.name ?? phone(c.phone) ?? w.noName;
              return (
                <tr>
                  <td>
                    <input type="checkbox" name="ids" value={c.id} aria-label={fill(w.selectOne, { who })} />
                  </td>
                  <td data-label={w.name}>
                    <a href={`/console/customers/${encodeURIComponent(c.id)}`}>{who}</a>
                  </td>
                  <td data-label={w.phone}>{phone(c.phone) ?? "–"}</td>
                  <td data-label={w.tier}>{c.tier ?? "–"}</td>
                  <td data-label={w.consent}>{w[c.consent.state]}</td>
                  <td data-label={w.tags}>{c.tags.join(", ")}</td>
                </tr>
              );
            })}
          </Table>
          <SelectAll />
        </form>
      )}
      {list.next_cursor && (
        <p>
          <a href={`/console/customers?${nextPage}`}>{w.morePages}</a>
        </p>
      )}
    </Layout>
  );
}

// With script, the actions show once someone is selected and stay in view at the bottom while
// more are ticked; without it they are always there.
function SelectAll() {
  const script = `
(() => {
  const boxes = () => document.querySelectorAll('#bulk input[name="ids"]');
  const bar = document.getElementById("bulk-bar");
  const show = () => { bar.hidden = ![...boxes()].some((b) => b.checked); };
  document.getElementById("select-all").addEventListener("change", (e) => {
    for (const box of boxes()) box.checked = e.target.checked;
    show();
  });
  document.getElementById("bulk").addEventListener("change", show);
  show();
})();
`;
  return <script dangerouslySetInnerHTML={{ __html: script }} />;
}

/** Adds the selected customers to a group and tags them, or takes them out and untags them. */
export async function bulkAction(
  p: { w: Words; api: ConsoleApi },
  f: { ids: string[]; group: string; tag: string; do: string },
): Promise<string> {
  if (f.ids.length === 0) return `!${p.w.selectSomeone}`;
  if (!f.group && !f.tag.trim()) return `!${p.w.pickGroupOrTag}`;
  const body = { customer_ids: f.ids };
  const add = f.do !== "remove";
  if (f.group) {
    await p.api.post(`/v1/groups/${encodeURIComponent(f.group)}/members${add ? "" : "/remove"}`, body);
  }
  const tag = f.tag.trim();
  if (tag) await p.api.post("/v1/customers/tags", { ...body, [add ? "add" : "remove"]: [tag] });
  return fill(add ? p.w.bulkAdded : p.w.bulkRemoved, { n: f.ids.length });
}

/** One customer's profile and timeline; null when the API says there is no such customer. */
export async function CustomerPage(
  props: Props & { id: string; notice?: string | undefined; typed?: Record<string, string> | undefined },
) {
  const { w, api, lang } = props;
  const c = await api.find<Customer>(`/v1/customers/${encodeURIComponent(props.id)}`);
  if (!c) return null;
  const timeline = (await api.get<{ data: Entry[] }>(`/v1/customers/${encodeURIComponent(c.id)}/timeline`)).data;
  const names = await timelineNames(api, lang, timeline, (iso) => whenIn(iso, c.time_zone, lang));
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
  // A simulator channel lets a person try a reply (STOP, a keyword) as this customer.
  const simulator = props.who.scope === "admin" ? await simulatorChannel(api) : null;
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
      <CustomerEditForm
        w={w}
        csrf={props.who.csrf}
        c={c}
        tiers={tiers}
        staff={staff}
        groups={statics}
        typed={props.typed}
      />
      {simulator && c.phone && (
        <details class="card">
          <summary>{w.simulateReply}</summary>
          <form method="post" action={`/console/customers/${encodeURIComponent(c.id)}/simulate`} class="filters">
            <Hidden csrf={props.who.csrf} />
            <input type="hidden" name="channel_id" value={simulator} />
            <Field
              id="sim-text"
              label={fill(w.simulateAs, { who: c.name ?? displayPhone(c.phone, tenant.default_country) })}
            >
              <input id="sim-text" name="text" required maxlength={1600} placeholder={w.simulateHint} />
            </Field>
            <button type="submit">{w.simulateSend}</button>
          </form>
          <p class="muted">{w.simulateNote}</p>
        </details>
      )}
      <h2>{w.timeline}</h2>
      {timeline.length === 0 ? (
        <p class="muted">{w.noTimeline}</p>
      ) : (
        <ol class="timeline">
          {/* Newest first: what happened last is what a person asks about. */}
          {[...timeline].reverse().map((e) => {
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

/** The workspace's default channel when it is the simulator (a workspace not live yet), for an admin. */
async function simulatorChannel(api: ConsoleApi): Promise<string | null> {
  try {
    const list = (await api.get<{ data: { id: string; provider: string; default: boolean }[] }>("/v1/channels")).data;
    const fallback = list.find((ch) => ch.default);
    return fallback?.provider === "simulator" ? fallback.id : null;
  } catch (e) {
    refusal(e); // a viewer or operator may not list channels: no form for them
    return null;
  }
}

/** The names a timeline's lines need: templates, keywords and campaigns it mentions, attributes. */
async function timelineNames(
  api: ConsoleApi,
  lang: Lang,
  timeline: Entry[],
  when: (iso: string) => string,
): Promise<TimelineNames> {
  const templates = await templateNames(api, lang);
  const keywords = new Map(
    (await api.get<{ data: { id: string; name: string }[] }>("/v1/keywords")).data.map((k) => [k.id, k.name]),
  );
  const campaigns = new Map<string, string>();
  for (const id of new Set(timeline.map((e) => e.data.campaign_id).filter((x) => typeof x === "string"))) {
    const found = await api.find<{ name: string }>(
      `/v1/campaigns/${encodeURIComponent(id as string)}?audience_count=false`,
    );
    if (found) campaigns.set(id as string, found.name);
  }
  const attributes = (await api.get<{ data: Attribute[] }>("/v1/attributes")).data;
  return {
    template: templates.title,
    keyword: (id) => keywords.get(id),
    campaign: (id) => campaigns.get(id),
    attributes,
    when,
  };
}
