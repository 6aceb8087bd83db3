import { scaleLinear } from "d3-scale";
import { raw } from "hono/html";
import { localParts } from "../../lib/time";
import { stackedBarsSvg } from "../../reports/chart";
import type { ConsoleApi } from "../api";
import { Hidden } from "../fields";
import { fill, type Lang, reasonText, term, type Words } from "../i18n";
import { Layout, Notice, Problem } from "../layout";
import { Poll } from "../live";
import { type Attribute, attributeName, templateNames } from "../names";
import { Table } from "../table";
import { dayIn, whenIn } from "../time";
import { type CampaignView, formCanShow, formOfCampaign } from "./campaign-edit";
import { formKind, NewCampaignForm } from "./campaign-form";
import { type ArmResults, armName, ExperimentSection } from "./experiment-results";

export type Campaign = {
  id: string;
  name: string;
  kind: string;
  status: string;
  trigger: { anchor?: string } | null;
  template: string | null;
  next_occurrence_at: string | null;
  planned: number;
};
type Forecast = {
  note?: string;
  arms?: { arm: string; customers: number }[];
  warnings: { code: string; locale: string; customers: number; falls_back_to?: string }[];
  occurrences: {
    at: string;
    anchor_date?: string;
    audience: number;
    sending: number;
    excluded: Record<string, number>;
    segments: number;
    cost: number;
    currency: string;
    render_errors?: { reason: string; in_sample: number }[];
    send_times: { time_zone: string; customers: number; local: string; held_for_quiet_hours?: boolean }[];
  }[];
};
export type Waiting = { messages: number; next_at: string | null; by_reason: Record<string, number> };
type Stats = {
  waiting: Waiting;
  planned: number;
  by_status: Record<string, number>;
  by_reason: Record<string, number>;
  replies: number;
  converted: number | null;
  links: { recipients: number; clicked: number; click_rate: number; bot_clicks: number } | null;
  sent_by_hour: { hour: string; sent: number }[];
  cost: number;
  currency: string | null;
  experiment: ArmResults | null;
};
type Props = { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi };

/** Campaigns with their state, and the form for a new one of each kind. */
export async function CampaignsPage(
  props: Props & {
    error?: string;
    form?: Record<string, string>;
    kind?: string | undefined;
    /** A draft to edit in the form. */
    edit?: string | undefined;
    notice?: string | undefined;
  },
) {
  const { w, api, lang } = props;
  const list = (await api.get<{ data: Campaign[] }>("/v1/campaigns?limit=100")).data;
  const groups = (await api.get<{ data: { id: string; name: string; code: string | null }[] }>("/v1/groups")).data;
  const templates = await templateNames(api, lang);
  const attributes = (await api.get<{ data: Attribute[] }>("/v1/attributes")).data;
  const zone = (await api.get<{ time_zone: string }>("/v1/tenant")).time_zone;
  // Editing: the form starts from the draft (or from what was typed, after a refusal).
  const editing = props.edit ?? props.form?.edit;
  const draft = editing
    ? await api.find<CampaignView & { status: string }>(
        `/v1/campaigns/${encodeURIComponent(editing)}?audience_count=false`,
      )
    : null;
  const editable =
    draft &&
    draft.status === "draft" &&
    formCanShow(
      draft,
      groups.map((g) => g.id),
      zone,
    )
      ? draft
      : null;
  const f = props.form ?? (editable ? { ...formOfCampaign(editable, zone), edit: editable.id } : {});
  return (
    <Layout lang={lang} w={w} title={w.campaigns} page="campaigns" who={props.who}>
      <Notice text={props.notice} />
      {list.length > 0 && (
        <Table head={[w.name, w.kind, w.status, w.next]}>
          {list.map((c) => (
            <tr>
              <td data-label={w.name}>
                <a href={`/console/campaigns/${c.id}`}>{c.name}</a>
              </td>
              <td data-label={w.kind}>{kindWord(w, c)}</td>
              <td data-label={w.status}>{term(w, "st_", c.status)}</td>
              <td data-label={w.next}>{c.next_occurrence_at ? whenIn(c.next_occurrence_at, zone, lang) : "–"}</td>
            </tr>
          ))}
        </Table>
      )}
      <NewCampaignForm
        w={w}
        csrf={props.who.csrf}
        kind={formKind(props.kind ?? f.kind)}
        form={f}
        error={props.error}
        templates={templates.options}
        groups={groups.map((g) => ({ value: g.id, label: g.code ? `${g.code} · ${g.name}` : g.name }))}
        dateAttributes={attributes
          .filter((a) => a.type === "date")
          .map((a) => ({ value: `attributes.${a.key}`, label: attributeName(attributes, a.key) }))}
      />
    </Layout>
  );
}

/** A campaign's kind as the form named it: a date campaign on the birthday is a birthday campaign. */
export function kindWord(w: Words, c: { kind: string; trigger: { anchor?: string } | null }): string {
  return c.kind === "date_relative" && c.trigger?.anchor === "birthday" ? w.ck_birthday : term(w, "ck_", c.kind);
}

// The API's fan-out guard (campaigns/service.ts): above it, scheduling names the audience.
const FANOUT = 10_000;
const HOUR = 3_600_000;

/** Sends per hour over the last 48 hours of sending, labelled in the workspace's time. */
function hourlyChart(w: Words, hours: { hour: string; sent: number }[], zone: string): string {
  const last = Date.parse(hours.at(-1)?.hour ?? "");
  const first = Math.max(Date.parse(hours[0]?.hour ?? ""), last - 47 * HOUR);
  const by = new Map(hours.map((h) => [Date.parse(h.hour), h.sent]));
  const bars = [];
  for (let t = first; t <= last; t += HOUR) {
    const p = localParts(new Date(t), zone);
    bars.push({
      label: `${String(p.day).padStart(2, "0")} ${String(p.hour).padStart(2, "0")}h`,
      counts: { sent: by.get(t) ?? 0 },
    });
  }
  return stackedBarsSvg({
    title: w.sendsPerHour,
    bars,
    series: [{ key: "sent", label: w.sent, color: "#0b5cad" }],
  });
}

/** What the template lacks for some customers, said before anything is scheduled. */
function renderProblems(w: Words, f: Forecast): string | undefined {
  const reasons = [...new Set(f.occurrences.flatMap((o) => (o.render_errors ?? []).map((e) => e.reason)))];
  return reasons.length === 0 ? undefined : fill(w.renderProblems, { reasons: reasons.join("; ") });
}

/** planned → sent → delivered → replied, as horizontal bars (d3-scale for the widths). */
function Funnel(props: { w: Words; stats: Stats }) {
  const s = props.stats.by_status;
  const sent = (s.sent ?? 0) + (s.delivered ?? 0) + (s.undelivered ?? 0) + (s.failed ?? 0);
  const steps: [string, number][] = [
    [props.w.planned, props.stats.planned],
    [props.w.sent, sent],
    [props.w.delivered, s.delivered ?? 0],
    [props.w.replies, props.stats.replies],
    ...(props.stats.links ? [[props.w.clickedLink, props.stats.links.clicked] as [string, number]] : []),
    ...(props.stats.converted === null ? [] : [[props.w.converted, props.stats.converted] as [string, number]]),
  ];
  const width = 420;
  const x = scaleLinear()
    .domain([0, Math.max(1, ...steps.map(([, n]) => n))])
    .range([0, width - 160]);
  const row = 30;
  return (
    <svg
      role="img"
      aria-label={steps.map(([k, n]) => `${k} ${n}`).join(", ")}
      viewBox={`0 0 ${width} ${steps.length * row}`}
      width="100%"
      style="max-width: 32rem"
    >
      {steps.map(([label, n], i) => (
        <g transform={`translate(0, ${i * row})`}>
          <text x="0" y="19" font-size="13" fill="#1d2733">
            {label}
          </text>
          <rect x="110" y="5" width={Math.max(1, x(n))} height="20" fill="#0b5cad" rx="3" />
          <text x={115 + x(n)} y="19" font-size="13" fill="#1d2733">
            {n}
          </text>
        </g>
      ))}
    </svg>
  );
}

// What a person may do with a campaign in each state (the API refuses the rest with a 409).
const MOVES: Record<string, ("pause" | "resume" | "cancel")[]> = {
  scheduled: ["pause", "cancel"],
  running: ["pause", "cancel"],
  paused: ["resume", "cancel"],
};

function Moves(props: { w: Words; csrf: string; id: string; status: string; draft: boolean; editable: boolean }) {
  const { w, id, csrf } = props;
  const moves = MOVES[props.status] ?? [];
  const post = (to: string, label: string, cls = "") => (
    <form method="post" action={`/console/campaigns/${id}/${to}`}>
      <Hidden csrf={csrf} />
      <button type="submit" class={cls}>
        {label}
      </button>
    </form>
  );
  // Cancelling and deleting cannot be undone: each asks once more, saying what it does.
  const confirm = (to: string, label: string, says: string, yes: string) => (
    <details class="confirm">
      <summary>{label}</summary>
      <p>{says}</p>
      {post(to, yes, "danger")}
    </details>
  );
  return (
    <div class="actions">
      {props.draft && props.editable && (
        <a class="button" href={`/console/campaigns?edit=${id}#new-campaign`}>
          {w.editCampaign}
        </a>
      )}
      {props.draft && !props.editable && <p class="muted">{w.editViaApi}</p>}
      {moves.filter((m) => m !== "cancel").map((m) => post(m, w[`move_${m}`]))}
      {post("duplicate", w.duplicate, "secondary")}
      {moves.includes("cancel") && confirm("cancel", w.move_cancel, w.cancelSays, w.cancelYes)}
      {props.draft && confirm("delete", w.deleteDraft, w.deleteSays, w.deleteYes)}
    </div>
  );
}

/** The campaign's progress: funnel, sends per hour, reasons; the page polls it while running. */
export function StatsSection(props: { w: Words; lang: Lang; stats: Stats; zone: string }) {
  const { w, lang, stats, zone } = props;
  return (
    <section id="stats" aria-labelledby="funnel-h" aria-live="polite">
      <h2 id="funnel-h">{w.funnel}</h2>
      <Funnel w={w} stats={stats} />
      {stats.links && (
        <p data-testid="clicks">
          {fill(w.clickLine, {
            clicked: stats.links.clicked,
            recipients: stats.links.recipients,
            rate: (stats.links.click_rate * 100).toFixed(1),
          })}
          {stats.links.bot_clicks > 0 && <span class="muted"> {fill(w.botLine, { n: stats.links.bot_clicks })}</span>}
        </p>
      )}
      {stats.experiment && <ExperimentSection w={w} lang={lang} x={stats.experiment} zone={zone} />}
      {stats.waiting.messages > 0 && stats.waiting.next_at && (
        <p data-testid="waiting">
          {fill(w.waitingLine, { n: stats.waiting.messages, time: whenIn(stats.waiting.next_at, zone, lang) })}
          {Object.entries(stats.waiting.by_reason).map(([k, n]) => (
            <>
              {" "}
              <span class="badge">{`${term(w, "held_", k)}: ${n}`}</span>
            </>
          ))}
        </p>
      )}
      {stats.sent_by_hour.length > 0 && (
        <>
          <h3>{w.sendsPerHour}</h3>
          <figure class="chart">{raw(hourlyChart(w, stats.sent_by_hour, zone))}</figure>
        </>
      )}
      {Object.keys(stats.by_reason).length > 0 && (
        <>
          <h3 id="reasons-h">{w.skipReasons}</h3>
          <Table head={[w.reason, w.messagesN]} label="reasons-h">
            {Object.entries(stats.by_reason)
              .sort((a, b) => b[1] - a[1])
              .map(([k, n]) => (
                <tr>
                  <td data-label={w.reason}>{reasonText(lang, k)}</td>
                  <td data-label={w.messagesN}>{n}</td>
                </tr>
              ))}
          </Table>
        </>
      )}
    </section>
  );
}

/** A running campaign's progress alone, for the page's poll; null for no such campaign. */
export async function StatsFragment(props: Props & { id: string }) {
  const { api, w, lang } = props;
  const id = encodeURIComponent(props.id);
  const stats = await api.find<Stats>(`/v1/campaigns/${id}/stats`);
  if (!stats) return null;
  const zone = (await api.get<{ time_zone: string }>("/v1/tenant")).time_zone;
  return <StatsSection w={w} lang={lang} stats={stats} zone={zone} />;
}

/** One campaign: its forecast before it is scheduled (who, when, how many, who is left out and why), then its funnel. */
export async function CampaignPage(props: Props & { id: string; notice?: string }) {
  const { w, api, lang } = props;
  // Its audience is the forecast's; counting it again would take as long as the page's rest.
  const c = await api.find<Campaign>(`/v1/campaigns/${encodeURIComponent(props.id)}?audience_count=false`);
  if (!c) return null;
  const draft = c.status === "draft";
  const forecast = await api.get<Forecast>(`/v1/campaigns/${c.id}/forecast?days=30`);
  const stats = draft ? null : await api.get<Stats>(`/v1/campaigns/${c.id}/stats`);
  const zone = (await api.get<{ time_zone: string }>("/v1/tenant")).time_zone;
  const groupIds = (await api.get<{ data: { id: string }[] }>("/v1/groups")).data.map((g) => g.id);
  // Over the fan-out guard, scheduling needs the count the person saw.
  const audience = forecast.occurrences[0]?.audience ?? 0;
  const confirm = c.kind === "broadcast" || c.kind === "recurring" || c.kind === "holiday" ? audience > FANOUT : false;
  return (
    <Layout lang={lang} w={w} title={c.name} page="campaigns" who={props.who}>
      <Notice text={props.notice} />
      <p>
        <span class="badge">{kindWord(w, c)}</span> <span class="badge">{term(w, "st_", c.status)}</span>
        {!draft && (
          <>
            {" "}
            ·{" "}
            <a href={`/console/export/campaign-results?${new URLSearchParams({ campaign_id: c.id })}`}>
              {w.exportResults}
            </a>
          </>
        )}
      </p>
      {draft && (
        <form method="post" action={`/console/campaigns/${c.id}/schedule`}>
          <input type="hidden" name="_csrf" value={props.who.csrf} />
          {confirm && (
            <p>
              <label>
                <input type="checkbox" name="confirm_audience" value={String(audience)} required />{" "}
                {fill(w.confirmAudience, { n: audience.toLocaleString(lang) })}
              </label>
            </p>
          )}
          <button type="submit">{w.schedule}</button>
        </form>
      )}
      <Moves
        w={w}
        csrf={props.who.csrf}
        id={c.id}
        status={c.status}
        draft={draft}
        editable={draft && formCanShow(c as unknown as CampaignView, groupIds, zone)}
      />
      {stats && (
        <>
          <StatsSection w={w} lang={lang} stats={stats} zone={zone} />
          {c.status === "running" && (
            <Poll url={`/console/campaigns/${c.id}?fragment=stats`} target="stats" seconds={30} />
          )}
        </>
      )}
      <section aria-labelledby="forecast-h">
        <h2 id="forecast-h">{w.forecast}</h2>
        {forecast.note && <p class="muted">{forecast.note}</p>}
        <Problem text={renderProblems(w, forecast)} />
        {forecast.warnings.map((x) => (
          <p class="warning" role="alert">
            {fill(term(w, "warn_", x.code), {
              n: x.customers.toLocaleString(lang),
              lang: term(w, "lang_", x.locale),
              other: term(w, "lang_", x.falls_back_to ?? ""),
            })}
          </p>
        ))}
        {forecast.occurrences.length === 0 ? (
          <p class="muted">{w.noUpcoming}</p>
        ) : (
          <Table head={[w.forDate, w.audience, w.sending, w.excluded, w.sendTimes, w.cost]}>
            {forecast.occurrences.map((o) => (
              <tr>
                <td data-label={w.forDate}>{o.anchor_date ?? dayIn(o.at, zone)}</td>
                <td data-label={w.audience}>{o.audience}</td>
                <td data-label={w.sending}>{o.sending}</td>
                <td data-label={w.excluded}>
                  {Object.entries(o.excluded)
                    .map(([k, n]) => `${reasonText(lang, k)}: ${n}`)
                    .join("; ") || "–"}
                </td>
                <td data-label={w.sendTimes}>
                  {o.send_times.map((s) => `${s.local.replace("T", " ")} ${s.time_zone} (${s.customers})`).join("; ")}
                </td>
                <td data-label={w.cost}>
                  {o.cost} {o.currency}
                </td>
              </tr>
            ))}
          </Table>
        )}
        {forecast.arms && (
          <p data-testid="forecast-arms">
            {fill(w.xSplit, {
              list: forecast.arms.map((a) => `${armName(w, a.arm)}: ${a.customers.toLocaleString(lang)}`).join(" · "),
            })}
          </p>
        )}
        {forecast.occurrences.length > 1 && (
          <p data-testid="forecast-total">
            {fill(w.forecastTotal, {
              n: forecast.occurrences.reduce((t, o) => t + o.sending, 0).toLocaleString(lang),
              cost: String(Math.round(forecast.occurrences.reduce((t, o) => t + o.cost, 0) * 100) / 100),
              cur: forecast.occurrences[0]?.currency ?? "",
            })}
          </p>
        )}
      </section>
    </Layout>
  );
}
