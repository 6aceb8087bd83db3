// The form for a new campaign of each kind, and the API body it makes. Birthday is the
// date-relative kind on the birthday with its greeting template: the case most shops start with.
import { CAMPAIGN_KINDS, ITEM_KINDS } from "../../db/schema";
import { zonedInstant } from "../../lib/time";
import { Field, linesOf, type Option, Select } from "../fields";
import { fill, term, type Words } from "../i18n";
import { Problem } from "../layout";
import { QUANTILES } from "./activation";
import { ExperimentFields, experimentBody } from "./experiment-form";

export const FORM_KINDS = ["birthday", ...CAMPAIGN_KINDS] as const;
export type FormKind = (typeof FORM_KINDS)[number];
const HOLIDAY_NAMES = ["spring_festival", "dragon_boat", "mid_autumn", "new_year"] as const;
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 0];

export function formKind(k: string | undefined): FormKind {
  return FORM_KINDS.includes(k as FormKind) ? (k as FormKind) : "birthday";
}

const list = (s: string | undefined) =>
  (s ?? "")
    .split(/[,，\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
const int = (s: string | undefined) => (s?.trim() ? Number(s) : undefined);

export const LANGS = ["en", "zh-CN"] as const;

/** The template's values for everyone: the lines, and the birthday form's one offer. */
function variablesOf(f: Record<string, string>): Record<string, string> {
  const out = linesOf(f.variables);
  if (f.offer?.trim()) out.offer = f.offer.trim();
  return out;
}

/** Values given per language (an offer in each language), for customers of that language. */
function byLocaleOf(f: Record<string, string>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const l of LANGS) {
    const own = linesOf(f[`variables_${l}`]);
    if (f[`offer_${l}`]?.trim()) own.offer = (f[`offer_${l}`] as string).trim();
    if (Object.keys(own).length > 0) out[l] = own;
  }
  return out;
}

/** The schedule a shop owner picks (every week on a day, or every month on a date) as cron. */
function cronOf(f: Record<string, string>): string {
  const [h, m] = (f.at ?? "10:00").split(":").map(Number);
  return f.every === "month"
    ? `${m ?? 0} ${h ?? 10} ${f.month_day || 1} * *`
    : `${m ?? 0} ${h ?? 10} * * ${f.weekday || 1}`;
}

/** A local date and time in the workspace's zone (from datetime-local) as an instant. */
function instantOf(local: string | undefined, timeZone: string): string | undefined {
  // Browsers send YYYY-MM-DDTHH:MM, with :SS when a step asks for seconds.
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2})?$/.exec(local ?? "");
  if (!m) return local?.trim() ? local : undefined; // the API names what is wrong with it
  const [, y, mo, d, h, mi] = m.map(Number) as number[];
  return zonedInstant(
    { year: y as number, month: mo as number, day: d as number },
    h as number,
    mi as number,
    timeZone,
  ).toISOString();
}

/** The POST /v1/campaigns body for a submitted form. */
export function campaignBody(f: Record<string, string>, timeZone: string, locale = "zh-CN"): Record<string, unknown> {
  const kind = formKind(f.kind);
  const experiment = experimentBody(f, kind);
  const variables = variablesOf(f);
  const byLocale = byLocaleOf(f);
  // Customers of a language with no values of its own get the workspace language's (as they
  // get its template); the forecast names such languages.
  const fallback = byLocale[locale] ?? Object.values(byLocale)[0];
  for (const [k, x] of Object.entries(fallback ?? {})) variables[k] ??= x;
  const common = {
    name: f.name,
    template: f.template || (kind === "birthday" ? "birthday_greeting" : ""),
    ...(Object.keys(variables).length > 0 && { variables }),
    ...(Object.keys(byLocale).length > 0 && { variables_by_locale: byLocale }),
    ...(experiment && { experiment }),
  };
  const audience = f.group ? { groups: [f.group] } : { all: true };
  switch (kind) {
    case "birthday":
      return {
        ...common,
        kind: "date_relative",
        anchor: "birthday",
        delivery_time: f.delivery_time,
        ...(f.group && { audience }),
      };
    case "broadcast": {
      const at = instantOf(f.send_at, timeZone);
      return { ...common, kind, audience, ...(at && { send_at: at }) };
    }
    case "recurring":
      return { ...common, kind, audience, cron: cronOf(f) };
    case "date_relative": {
      const days = int(f.offset_days) ?? 0;
      return {
        ...common,
        kind,
        anchor: f.anchor,
        delivery_time: f.delivery_time,
        ...(days !== 0 && { offset: { value: f.direction === "before" ? -days : days, unit: "days" } }),
        ...(f.yearly === "on" && { yearly: true }),
        ...(f.group && { audience }),
      };
    }
    case "holiday":
      return {
        ...common,
        kind,
        holiday: f.holiday === "custom" ? { name: f.holiday_name ?? "", date: f.holiday_date ?? "" } : f.holiday,
        delivery_time: f.delivery_time,
        ...(f.group && { audience }),
      };
    case "event": {
      const delay = int(f.delay);
      const cancel = list(f.cancel_on);
      return {
        ...common,
        kind,
        event: {
          type: f.event_type,
          ...(delay !== undefined && delay > 0 && { delay: { value: delay, unit: f.delay_unit || "hours" } }),
          ...(cancel.length > 0 && { cancel_on: cancel }),
        },
        ...(f.group && { audience }),
      };
    }
    case "after_delivery": {
      const prompts = int(f.prompts) ?? 1;
      return {
        ...common,
        kind,
        delivery_time: f.delivery_time,
        after_delivery: {
          item_kind: f.item_kind || "card",
          quantile: Number(f.quantile || "0.8"),
          ...(prompts > 1 && { follow_up: { max_messages: prompts, after_days: int(f.after_days) ?? 3 } }),
        },
        ...(f.group && { audience }),
      };
    }
  }
}

/** The form for a new campaign of one kind, with tabs to the others. */
export function NewCampaignForm(props: {
  w: Words;
  csrf: string;
  kind: FormKind;
  form: Record<string, string>;
  error?: string | undefined;
  templates: Option[];
  groups: Option[];
  dateAttributes: Option[];
}) {
  const { w, kind } = props;
  const f = props.form;
  const label = (k: string) => term(w, "", k);
  const v = (k: string, d = "") => f[k] ?? d;
  const time = (d: string) => (
    <Field id="delivery_time" label={w.deliveryTime}>
      <input id="delivery_time" name="delivery_time" type="time" required value={v("delivery_time", d)} />
    </Field>
  );
  const audience = (
    <Field id="group" label={w.audience}>
      <Select id="group" value={f.group} options={[{ value: "", label: w.everyone }, ...props.groups]} />
    </Field>
  );
  const defaultTemplate = {
    birthday: "birthday_greeting",
    broadcast: "member_promotion",
    recurring: "member_promotion",
    date_relative: "membership_expiry_reminder",
    holiday: "spring_festival_greeting",
    event: "post_visit_survey",
    after_delivery: "card_activation_prompt",
  }[kind];
  const editing = f.edit;
  return (
    <>
      <h2 id="new-campaign">{editing ? w.editingCampaign : w.newCampaign}</h2>
      <nav aria-label={w.newCampaign} class="tabs" hidden={!!editing}>
        <ul>
          {FORM_KINDS.map((k) => (
            <li>
              <a href={`/console/campaigns?kind=${k}#new-campaign`} aria-current={k === kind ? "page" : undefined}>
                {label(`ck_${k}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p class="muted">{label(`ckHint_${kind}`)}</p>
      <Problem text={props.error} />
      <form method="post" action="/console/campaigns" class="card" aria-labelledby="new-campaign">
        <input type="hidden" name="_csrf" value={props.csrf} />
        <input type="hidden" name="kind" value={kind} />
        {editing && <input type="hidden" name="edit" value={editing} />}
        <div class="filters">
          <Field id="name" label={w.name}>
            <input
              id="name"
              name="name"
              required
              maxlength={100}
              value={v("name", kind === "birthday" ? w.birthdayDefaultName : "")}
            />
          </Field>
          <Field id="template" label={w.template}>
            <Select id="template" value={v("template", defaultTemplate)} options={props.templates} />
          </Field>
          {kind === "birthday" &&
            // One offer per language: an English member gets the English offer in the English greeting.
            LANGS.map((l) => (
              <Field id={`offer_${l}`} label={fill(w.offerIn, { lang: term(w, "lang_", l) })}>
                <input
                  id={`offer_${l}`}
                  name={`offer_${l}`}
                  value={v(`offer_${l}`, v("offer"))}
                  placeholder={w.offerHint}
                />
              </Field>
            ))}
          {audience}
        </div>
        <div class="filters">
          {kind === "birthday" && time("09:00")}
          {kind === "broadcast" && (
            <Field id="send_at" label={w.sendAtLocal}>
              <input id="send_at" name="send_at" type="datetime-local" value={v("send_at")} />
            </Field>
          )}
          {kind === "recurring" && (
            <>
              <Field id="every" label={w.every}>
                <Select
                  id="every"
                  value={f.every}
                  options={[
                    { value: "week", label: w.everyWeek },
                    { value: "month", label: w.everyMonth },
                  ]}
                />
              </Field>
              <Field id="weekday" label={w.weekday}>
                <Select
                  id="weekday"
                  value={v("weekday", "1")}
                  options={WEEKDAYS.map((d) => ({ value: String(d), label: label(`day${d}`) }))}
                />
              </Field>
              <Field id="month_day" label={w.monthDay}>
                <input id="month_day" name="month_day" type="number" min={1} max={28} value={v("month_day", "1")} />
              </Field>
              <Field id="at" label={w.atTime}>
                <input id="at" name="at" type="time" required value={v("at", "10:00")} />
              </Field>
            </>
          )}
          {kind === "date_relative" && (
            <>
              <Field id="anchor" label={w.dateField}>
                <Select
                  id="anchor"
                  value={f.anchor}
                  options={[{ value: "birthday", label: w.birthday }, ...props.dateAttributes]}
                />
              </Field>
              <Field id="offset_days" label={w.days}>
                <input
                  id="offset_days"
                  name="offset_days"
                  type="number"
                  min={0}
                  max={3650}
                  value={v("offset_days", "7")}
                />
              </Field>
              <Field id="direction" label={w.beforeOrAfter}>
                <Select
                  id="direction"
                  value={f.direction}
                  options={[
                    { value: "before", label: w.daysBefore },
                    { value: "after", label: w.daysAfter },
                  ]}
                />
              </Field>
              <div>
                <label>
                  <input type="checkbox" name="yearly" checked={f.yearly === "on"} /> {w.yearly}
                </label>
              </div>
              {time("09:00")}
            </>
          )}
          {kind === "holiday" && (
            <>
              <Field id="holiday" label={w.holiday}>
                <Select
                  id="holiday"
                  value={f.holiday}
                  options={[
                    ...HOLIDAY_NAMES.map((h) => ({ value: h, label: label(`hol_${h}`) })),
                    { value: "custom", label: w.ownDate },
                  ]}
                />
              </Field>
              <Field id="holiday_name" label={w.ownDateName}>
                <input id="holiday_name" name="holiday_name" maxlength={100} value={v("holiday_name")} />
              </Field>
              <Field id="holiday_date" label={w.ownDateDate}>
                <input id="holiday_date" name="holiday_date" placeholder="05-20" value={v("holiday_date")} />
              </Field>
              {time("09:00")}
            </>
          )}
          {kind === "event" && (
            <>
              <Field id="event_type" label={w.eventType}>
                <input
                  id="event_type"
                  name="event_type"
                  required
                  placeholder="visit"
                  value={v("event_type", "visit")}
                />
              </Field>
              <Field id="delay" label={w.delay}>
                <input id="delay" name="delay" type="number" min={0} value={v("delay", "0")} />
              </Field>
              <Field id="delay_unit" label={w.unit}>
                <Select
                  id="delay_unit"
                  value={f.delay_unit ?? "hours"}
                  options={["minutes", "hours", "days"].map((u) => ({ value: u, label: label(`unit_${u}`) }))}
                />
              </Field>
              <Field id="cancel_on" label={w.cancelOn}>
                <input id="cancel_on" name="cancel_on" placeholder="pin.set" value={v("cancel_on")} />
              </Field>
            </>
          )}
          {kind === "after_delivery" && (
            <>
              <Field id="item_kind" label={w.itemKind}>
                <Select
                  id="item_kind"
                  value={f.item_kind}
                  options={ITEM_KINDS.map((k) => ({ value: k, label: label(`kind_${k}`) }))}
                />
              </Field>
              <Field id="quantile" label={w.quantile}>
                <Select
                  id="quantile"
                  value={f.quantile ?? "0.8"}
                  options={QUANTILES.map((q) => ({ value: q, label: `${Math.round(Number(q) * 100)}%` }))}
                />
              </Field>
              <Field id="prompts" label={w.prompts}>
                <input id="prompts" name="prompts" type="number" min={1} max={5} value={v("prompts", "2")} />
              </Field>
              <Field id="after_days" label={w.afterDays}>
                <input id="after_days" name="after_days" type="number" min={1} max={30} value={v("after_days", "3")} />
              </Field>
              {time("18:00")}
            </>
          )}
        </div>
        <Field id="variables" label={w.variables}>
          <textarea id="variables" name="variables" rows={2} placeholder="offer=…">
            {v("variables")}
          </textarea>
        </Field>
        <details open={LANGS.some((l) => !!f[`variables_${l}`])} hidden={kind === "after_delivery"}>
          <summary>{w.perLanguage}</summary>
          {LANGS.map((l) => (
            <Field id={`variables_${l}`} label={fill(w.valuesIn, { lang: term(w, "lang_", l) })}>
              <textarea id={`variables_${l}`} name={`variables_${l}`} rows={2}>
                {v(`variables_${l}`)}
              </textarea>
            </Field>
          ))}
        </details>
        <ExperimentFields w={w} kind={kind} form={f} templates={props.templates} />
        <p class="muted">{fill(w.formKindNote, { kind: label(`ck_${kind}`) })}</p>
        <button type="submit">{editing ? w.saveAndForecast : w.createAndForecast}</button>
      </form>
    </>
  );
}
