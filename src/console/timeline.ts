// A customer's timeline as a person reads it: each entry a few words on what happened, and a
// line of detail in words and names (a template's title, a group's name, a keyword's name),
// never the API's codes or ids.
import { fill, type Lang, reasonText, term, type Words } from "./i18n";
import { type Attribute, attributeName, humanize } from "./names";

export type Entry = { at: string; type: string; data: Record<string, unknown> };

export type TimelineNames = {
  template: (key: string) => string;
  keyword: (id: string) => string | undefined;
  campaign: (id: string) => string | undefined;
  attributes: readonly Attribute[];
  /** An instant as the page shows times (the customer's zone, named). */
  when: (iso: string) => string;
};

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A profile field as words: a segment field's name, a custom attribute's label. */
function fieldName(w: Words, names: TimelineNames, f: string): string {
  if (f.startsWith("attributes.")) return attributeName(names.attributes, f.slice(11));
  const word = (w as Record<string, string>)[`fld_${f}`];
  return word ?? term(w, "pf_", f);
}

export function describe(
  w: Words,
  lang: Lang,
  names: TimelineNames,
  e: Entry,
): { what: string; detail: string; quote?: string } {
  const d = e.data;
  const parts = (...xs: (string | undefined | false)[]) => xs.filter((x): x is string => !!x).join(" · ");
  if (e.type === "customer.created") return { what: w.tl_created, detail: term(w, "src_", String(d.source ?? "")) };
  if (e.type === "customer.updated") {
    const fields = Array.isArray(d.fields) ? (d.fields as string[]) : [];
    return { what: w.tl_updated, detail: fields.map((f) => fieldName(w, names, f)).join(", ") };
  }
  if (e.type === "consent.changed") {
    const state = String(d.state ?? "");
    return {
      what: term(w, "tl_consent_", state),
      detail: parts(term(w, "src_", String(d.source ?? "")), str(d.evidence)),
    };
  }
  if (e.type.startsWith("message.")) {
    const status = e.type.slice(8);
    const template = str(d.template);
    return {
      what: term(w, "tl_msg_", status),
      detail: parts(
        template && names.template(template),
        term(w, "tk_", String(d.kind ?? "")),
        str(d.reason) && reasonText(lang, d.reason as string),
        str(d.until) && fill(w.tl_until, { time: names.when(d.until as string) }),
      ),
      ...(str(d.text) && { quote: d.text as string }),
    };
  }
  if (e.type === "inbound") {
    const keyword = str(d.keyword_id) && names.keyword(d.keyword_id as string);
    const campaign = str(d.campaign_id) && names.campaign(d.campaign_id as string);
    const step = String(d.step ?? "");
    return {
      what: w.tl_inbound,
      detail: parts(
        keyword ? fill(w.tl_keyword, { k: keyword }) : term(w, "step_", step),
        step === "inbox" && str(d.outcome) ? term(w, "cat_", d.outcome as string) : undefined,
        campaign && fill(w.tl_answerTo, { c: campaign }),
      ),
      ...(str(d.text) && { quote: d.text as string }),
    };
  }
  if (e.type === "event") {
    // A short link opened: the page it led to, as the member saw it after the redirect.
    const url = d.type === "link.clicked" ? str((d.properties as Record<string, unknown> | undefined)?.url) : undefined;
    return { what: w.tl_event, detail: term(w, "ev_", String(d.type ?? "")), ...(url && { quote: url }) };
  }
  if (e.type === "group.joined" || e.type === "group.left") {
    return {
      what: e.type === "group.joined" ? w.tl_joined : w.tl_left,
      detail: str(d.name) ?? w.tl_deletedGroup,
    };
  }
  if (e.type.startsWith("shipment.")) {
    const item = term(w, "kind_", String(d.item_kind ?? ""));
    const channel = str(d.channel);
    return {
      what: fill(term(w, "tl_", e.type.replace(".", "_")), { item }),
      detail: parts(
        channel && fill(w.tl_via, { ch: term(w, "ch_", channel) }),
        str(d.courier),
        str(d.region),
        d.reference != null && d.reference !== "" && fill(w.tl_reference, { r: String(d.reference) }),
      ),
    };
  }
  return { what: humanize(e.type), detail: "" };
}
