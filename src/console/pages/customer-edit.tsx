// Editing a customer from their profile: the form, and the PATCH /v1/customers body it makes.
import type { ConsoleApi } from "../api";
import { Field } from "../fields";
import { term, type Words } from "../i18n";

export type EditableCustomer = {
  id: string;
  name: string | null;
  phone: string | null;
  external_id: string | null;
  locale: string;
  time_zone: string;
  tier: string | null;
  tags: string[];
  birthday: { year: number | null; month: number; day: number; lunar: boolean } | null;
  attributes: Record<string, unknown>;
  owner_id?: string | null;
  consent: { state: "subscribed" | "unsubscribed" | "never_asked" };
};

const CONSENT = ["subscribed", "unsubscribed", "never_asked"] as const;
const LOCALES = ["zh-CN", "en"];

export function birthdayText(b: EditableCustomer["birthday"]): string {
  if (!b) return "";
  const md = `${String(b.month).padStart(2, "0")}-${String(b.day).padStart(2, "0")}`;
  return b.year ? `${b.year}-${md}` : md;
}

/** The birthday as typed: a lunar one as the object the API takes for it, else the text as it is. */
function birthdayOf(text: string, lunar: boolean): unknown {
  const t = text.trim();
  if (!t) return null;
  const m = /^(?:(\d{4})-)?(\d{1,2})-(\d{1,2})$/.exec(t);
  if (!lunar || !m) return t; // the API names what is wrong with it
  return { month: Number(m[2]), day: Number(m[3]), ...(m[1] && { year: Number(m[1]) }), lunar: true };
}

/** The changes a submitted edit form asks for; attributes left out of the text are removed. */
export async function saveCustomer(p: { w: Words; api: ConsoleApi }, id: string, f: Record<string, string>) {
  const path = `/v1/customers/${encodeURIComponent(id)}`;
  const before = await p.api.get<EditableCustomer>(path);
  const attributes: Record<string, string | null> = {};
  for (const line of (f.attributes ?? "").split(/\r?\n/)) {
    const at = line.indexOf("=");
    if (at > 0) attributes[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  for (const k of Object.keys(before.attributes)) if (!(k in attributes)) attributes[k] = null;
  const consentChanged = f.consent !== undefined && f.consent !== before.consent.state;
  await p.api.patch(path, {
    name: f.name?.trim() || null,
    phone: f.phone ?? "",
    external_id: f.external_id?.trim() || null,
    locale: f.locale,
    time_zone: f.time_zone,
    tier: f.tier || null,
    tags: (f.tags ?? "")
      .split(/[,，]/)
      .map((x) => x.trim())
      .filter(Boolean),
    birthday: birthdayOf(f.birthday ?? "", f.lunar === "on"),
    owner_id: f.owner_id || null,
    ...(Object.keys(attributes).length > 0 && { attributes }),
    // A consent change is kept in the ledger with who made it and why.
    ...(consentChanged && { consent: { state: f.consent, evidence: f.evidence?.trim() || "changed in the console" } }),
  });
  // Static groups: the boxes ticked now against the ones the customer was in.
  if (f.groups_shown === "1") {
    const was = new Set((await p.api.get<{ data: { id: string }[] }>(`${path}/groups`)).data.map((g) => g.id));
    const now = new Set(Object.keys(f).flatMap((k) => (k.startsWith("group:") ? [k.slice(6)] : [])));
    const body = { customer_ids: [id] };
    for (const g of now) if (!was.has(g)) await p.api.post(`/v1/groups/${encodeURIComponent(g)}/members`, body);
    for (const g of was) if (!now.has(g)) await p.api.post(`/v1/groups/${encodeURIComponent(g)}/members/remove`, body);
  }
  return p.w.saved;
}

export function CustomerEditForm(props: {
  w: Words;
  csrf: string;
  c: EditableCustomer;
  tiers: string[];
  staff: { id: string; name: string }[];
  /** Every static group, and the ones the customer is in. */
  groups: { id: string; name: string; code: string | null; member: boolean }[];
  /** The form as typed, after the API refused it: shown again (open) instead of the stored values. */
  typed?: Record<string, string> | undefined;
}) {
  const { w, c, typed } = props;
  const attrs = Object.entries(c.attributes)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join("\n");
  const v = (k: string, stored: string) => (typed ? (typed[k] ?? "") : stored);
  return (
    <details class="card" open={!!typed}>
      <summary>{w.editCustomer}</summary>
      <form method="post" action={`/console/customers/${encodeURIComponent(c.id)}`}>
        <input type="hidden" name="_csrf" value={props.csrf} />
        <div class="filters">
          <Field id="e-name" label={w.name}>
            <input id="e-name" name="name" maxlength={200} value={v("name", c.name ?? "")} />
          </Field>
          <Field id="e-phone" label={w.phone}>
            <input id="e-phone" name="phone" required value={v("phone", c.phone ?? "")} />
          </Field>
          <Field id="e-external" label={w.externalId}>
            <input id="e-external" name="external_id" value={v("external_id", c.external_id ?? "")} />
          </Field>
          <Field id="e-tier" label={w.tier}>
            <select id="e-tier" name="tier">
              <option value="">–</option>
              {props.tiers.map((t) => (
                <option value={t} selected={t === v("tier", c.tier ?? "")}>
                  {t}
                </option>
              ))}
            </select>
          </Field>
          <Field id="e-tags" label={w.tagsHint}>
            <input id="e-tags" name="tags" value={v("tags", c.tags.join(", "))} />
          </Field>
        </div>
        <div class="filters">
          <Field id="e-locale" label={w.locale}>
            <select id="e-locale" name="locale">
              {LOCALES.map((l) => (
                <option value={l} selected={l === v("locale", c.locale)}>
                  {term(w, "lang_", l)}
                </option>
              ))}
            </select>
          </Field>
          <Field id="e-tz" label={w.timeZone}>
            <input id="e-tz" name="time_zone" required value={v("time_zone", c.time_zone)} />
          </Field>
          <Field id="e-birthday" label={w.birthdayHint}>
            <input
              id="e-birthday"
              name="birthday"
              value={v("birthday", birthdayText(c.birthday))}
              placeholder="1990-03-14"
            />
          </Field>
          <div>
            <label>
              <input
                type="checkbox"
                name="lunar"
                checked={typed ? typed.lunar === "on" : (c.birthday?.lunar ?? false)}
              />{" "}
              {w.lunar}
            </label>
          </div>
          <Field id="e-owner" label={w.owner}>
            <select id="e-owner" name="owner_id">
              <option value="">–</option>
              {props.staff.map((s) => (
                <option value={s.id} selected={s.id === v("owner_id", c.owner_id ?? "")}>
                  {s.name}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div class="filters">
          <Field id="e-consent" label={w.consent}>
            <select id="e-consent" name="consent">
              {CONSENT.map((s) => (
                <option value={s} selected={s === v("consent", c.consent.state)}>
                  {w[s]}
                </option>
              ))}
            </select>
          </Field>
          <Field id="e-evidence" label={w.evidence}>
            <input
              id="e-evidence"
              name="evidence"
              maxlength={500}
              size={30}
              placeholder={w.evidenceHint}
              value={v("evidence", "")}
            />
          </Field>
        </div>
        {props.groups.length > 0 && (
          <fieldset class="filters">
            <legend>{w.staticGroups}</legend>
            <input type="hidden" name="groups_shown" value="1" />
            {props.groups.map((g) => (
              <label>
                <input type="checkbox" name={`group:${g.id}`} checked={typed ? !!typed[`group:${g.id}`] : g.member} />{" "}
                {g.code ? `${g.code} · ${g.name}` : g.name}
              </label>
            ))}
          </fieldset>
        )}
        <Field id="e-attributes" label={w.attributesHint}>
          <textarea id="e-attributes" name="attributes" rows={Math.max(2, Object.keys(c.attributes).length + 1)}>
            {v("attributes", attrs)}
          </textarea>
        </Field>
        <button type="submit">{w.save}</button>
      </form>
    </details>
  );
}
