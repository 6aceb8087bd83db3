// Adding one customer from the list page: a short form (the profile page edits the rest), and
// the POST /v1/customers body it makes. After a refusal the form comes back as it was typed.
import type { ConsoleApi } from "../api";
import { Field, Hidden, Select } from "../fields";
import { term, type Words } from "../i18n";

const LOCALES = ["zh-CN", "en"];

/** Creates the customer; answers their id. Consent given here is recorded as the console's, with why. */
export async function addCustomer(p: { w: Words; api: ConsoleApi }, f: Record<string, string>): Promise<string> {
  const consent = f.consent === "subscribed" || f.consent === "unsubscribed" ? f.consent : null;
  const created = await p.api.post<{ id: string }>("/v1/customers", {
    ...(f.name?.trim() && { name: f.name.trim() }),
    phone: f.phone ?? "",
    ...(f.tier && { tier: f.tier }),
    ...(f.locale && { locale: f.locale }),
    tags: (f.tags ?? "")
      .split(/[,，]/)
      .map((x) => x.trim())
      .filter(Boolean),
    ...(consent && { consent: { state: consent, evidence: f.evidence?.trim() || p.w.addedInConsole } }),
  });
  return created.id;
}

export function AddCustomerForm(props: {
  w: Words;
  csrf: string;
  tiers: string[];
  locale: string;
  form?: Record<string, string> | undefined;
  error?: string | undefined;
}) {
  const { w } = props;
  const f = props.form ?? {};
  return (
    <details class="card" open={props.form !== undefined}>
      <summary>{w.addCustomer}</summary>
      {props.error && (
        <p class="error" role="alert">
          {props.error}
        </p>
      )}
      <form method="post" action="/console/customers/new">
        <Hidden csrf={props.csrf} />
        <div class="filters">
          <Field id="a-name" label={w.name}>
            <input id="a-name" name="name" maxlength={200} value={f.name ?? ""} />
          </Field>
          <Field id="a-phone" label={w.phone}>
            <input id="a-phone" name="phone" type="tel" required value={f.phone ?? ""} />
          </Field>
          <Field id="a-tier" label={w.tier}>
            <Select
              id="a-tier"
              name="tier"
              value={f.tier ?? ""}
              options={[{ value: "", label: "–" }, ...props.tiers.map((t) => ({ value: t, label: t }))]}
            />
          </Field>
          <Field id="a-locale" label={w.locale}>
            <Select
              id="a-locale"
              name="locale"
              value={f.locale ?? props.locale}
              options={LOCALES.map((l) => ({ value: l, label: term(w, "lang_", l) }))}
            />
          </Field>
          <Field id="a-tags" label={w.tagsHint}>
            <input id="a-tags" name="tags" value={f.tags ?? ""} />
          </Field>
        </div>
        <div class="filters">
          <Field id="a-consent" label={w.consent}>
            <Select
              id="a-consent"
              name="consent"
              value={f.consent ?? "never_asked"}
              options={(["never_asked", "subscribed", "unsubscribed"] as const).map((s) => ({ value: s, label: w[s] }))}
            />
          </Field>
          <Field id="a-evidence" label={w.evidence}>
            <input
              id="a-evidence"
              name="evidence"
              maxlength={500}
              value={f.evidence ?? ""}
              placeholder={w.evidenceHint}
            />
          </Field>
          <button type="submit">{w.addCustomer}</button>
        </div>
      </form>
    </details>
  );
}
