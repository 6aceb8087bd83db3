// Editing a draft in the form it was made with: its definition back as the form's fields, and
// whether the form can show all of it (else saving from the form would flatten it).
import { localParts } from "../../lib/time";
import { QUANTILES } from "./activation";
import { type ExperimentView, experimentForm, experimentShowable } from "./experiment-form";

export type CampaignView = {
  id: string;
  name: string;
  kind: string;
  template: string;
  variables: Record<string, unknown>;
  variables_by_locale: Record<string, Record<string, unknown>> | null;
  audience: Record<string, unknown> | null;
  cron: string | null;
  time_zone: string | null;
  priority: string;
  channel_id: string | null;
  valid_for_hours: number | null;
  response: unknown;
  expires_end_of_local_day: boolean;
  next_occurrence_at: string | null;
  trigger: Record<string, unknown> | null;
  experiment: ExperimentView | null;
};

/**
 * Whether the form can show the whole campaign, so saving it from the form keeps everything: a
 * draft made through the API with more (several groups, a filter, a survey, a channel, a cron the
 * form cannot pick, a week's offset) is changed through the API or duplicated, not flattened.
 */
export function formCanShow(c: CampaignView, groupIds: string[], workspaceZone: string): boolean {
  const t = (c.trigger ?? {}) as TriggerFields & { catch_up?: { policy: string; within_hours: number } };
  const a = c.audience ?? { all: true };
  const audienceOk =
    (Object.keys(a).length === 1 && a.all === true) ||
    (Object.keys(a).length === 1 &&
      Array.isArray(a.groups) &&
      a.groups.length === 1 &&
      groupIds.includes(String(a.groups[0])));
  const plain = (v: Record<string, unknown>) =>
    Object.values(v).every((x) => typeof x === "string" || typeof x === "number");
  const valuesOk = plain(c.variables) && Object.values(c.variables_by_locale ?? {}).every(plain);
  const catchUpOk = !t.catch_up || (t.catch_up.policy === "send_late" && t.catch_up.within_hours === 12);
  const kindOk = (() => {
    switch (c.kind) {
      case "recurring":
        return (
          (c.time_zone === null || c.time_zone === workspaceZone) &&
          /^\d{1,2} \d{1,2} (\* \* [0-6]|([1-9]|1\d|2[0-8]) \* \*)$/.test(c.cron ?? "")
        );
      case "date_relative":
        return (t.offset?.unit ?? "days") === "days" && catchUpOk && c.expires_end_of_local_day;
      case "holiday":
        return catchUpOk && c.expires_end_of_local_day;
      case "event":
        return ["minutes", "hours", "days"].includes(t.delay?.unit ?? "minutes");
      case "after_delivery":
        return (
          QUANTILES.includes(String(t.timing?.quantile)) &&
          !t.follow_up?.template &&
          t.follow_up?.quantile === undefined
        );
      default:
        return true;
    }
  })();
  return (
    audienceOk &&
    valuesOk &&
    kindOk &&
    c.priority === "normal" &&
    c.channel_id === null &&
    c.valid_for_hours === null &&
    !c.response &&
    experimentShowable(c.experiment)
  );
}

// The stored trigger's fields the form has (campaigns/service.ts writes them per kind).
type TriggerFields = {
  anchor?: string;
  delivery_time?: string;
  offset?: { value: number; unit?: string };
  yearly?: boolean;
  holiday?: string | { name: string; date: string };
  event?: string;
  delay?: { value: number; unit: string };
  cancel_on?: string[];
  item_kind?: string;
  timing?: { quantile?: number };
  follow_up?: { max_messages?: number; after_days?: number; template?: string; quantile?: number } | null;
};

const lines = (v: Record<string, unknown>, skip: string[] = []) =>
  Object.entries(v)
    .filter(([k]) => !skip.includes(k))
    .map(([k, x]) => `${k}=${typeof x === "object" ? JSON.stringify(x) : String(x)}`)
    .join("\n");

/** A draft's definition as the form's fields, so editing it starts from what it is. */
export function formOfCampaign(c: CampaignView, timeZone: string): Record<string, string> {
  const t = (c.trigger ?? {}) as TriggerFields;
  const kind = c.kind === "date_relative" && t.anchor === "birthday" ? "birthday" : c.kind;
  const groups = c.audience?.groups;
  const f: Record<string, string> = {
    kind,
    name: c.name,
    template: c.template,
    group: Array.isArray(groups) ? String(groups[0] ?? "") : "",
  };
  // The birthday form's offers are per language; a common offer (the workspace language's copy)
  // is derived from them, so it is left out only when they are there.
  const offerOnly =
    kind === "birthday" && Object.values(c.variables_by_locale ?? {}).some((v) => v.offer !== undefined);
  f.variables = lines(c.variables, offerOnly ? ["offer"] : []);
  for (const [l, v] of Object.entries(c.variables_by_locale ?? {})) {
    f[`variables_${l}`] = lines(v, offerOnly ? ["offer"] : []);
    if (offerOnly && v.offer !== undefined) f[`offer_${l}`] = String(v.offer);
  }
  if (t.delivery_time) f.delivery_time = t.delivery_time;
  if (c.kind === "broadcast" && c.next_occurrence_at) {
    const p = localParts(new Date(c.next_occurrence_at), timeZone);
    const two = (n: number) => String(n).padStart(2, "0");
    f.send_at = `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
  }
  if (c.kind === "recurring" && c.cron) {
    const [m, h, dom, , dow] = c.cron.split(" ");
    f.at = `${(h ?? "10").padStart(2, "0")}:${(m ?? "0").padStart(2, "0")}`;
    if (dom !== "*") Object.assign(f, { every: "month", month_day: dom });
    else Object.assign(f, { every: "week", weekday: dow });
  }
  if (kind === "date_relative") {
    const days = Number(t.offset?.value ?? 0);
    Object.assign(f, {
      anchor: t.anchor ?? "",
      offset_days: String(Math.abs(days)),
      direction: days < 0 ? "before" : "after",
      yearly: t.yearly ? "on" : "",
    });
  }
  if (c.kind === "holiday") {
    if (typeof t.holiday === "string") f.holiday = t.holiday;
    else
      Object.assign(f, { holiday: "custom", holiday_name: t.holiday?.name ?? "", holiday_date: t.holiday?.date ?? "" });
  }
  if (c.kind === "event") {
    Object.assign(f, {
      event_type: t.event ?? "",
      delay: String(t.delay?.value ?? 0),
      delay_unit: t.delay?.unit ?? "hours",
      cancel_on: (t.cancel_on ?? []).join(", "),
    });
  }
  Object.assign(f, experimentForm(c.experiment, c.kind, t.item_kind));
  if (c.kind === "after_delivery") {
    Object.assign(f, {
      item_kind: t.item_kind ?? "card",
      quantile: String(t.timing?.quantile ?? "0.8"),
      prompts: String(t.follow_up?.max_messages ?? 1),
      after_days: String(t.follow_up?.after_days ?? 3),
    });
  }
  return f;
}
