import { scaleLinear } from "d3-scale";
import type { ConsoleApi } from "../api";
import type { Lang, Words } from "../i18n";
import { Layout, Problem } from "../layout";
import { Table } from "../table";

type Campaign = {
  id: string;
  name: string;
  kind: string;
  status: string;
  template: string | null;
  next_occurrence_at: string | null;
  planned: number;
};
type Forecast = {
  note?: string;
  occurrences: {
    at: string;
    anchor_date?: string;
    audience: number;
    sending: number;
    excluded: Record<string, number>;
    segments: number;
    cost: number;
    currency: string;
    send_times: { time_zone: string; customers: number; local: string; held_for_quiet_hours?: boolean }[];
  }[];
};
type Stats = {
  planned: number;
  by_status: Record<string, number>;
  by_reason: Record<string, number>;
  replies: number;
  cost: number;
  currency: string | null;
};
type Props = { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi };

/** Campaigns with their state, and the form for a new birthday campaign. */
export async function CampaignsPage(props: Props & { error?: string; form?: Record<string, string> }) {
  const { w, api, lang } = props;
  const list = (await api.get<{ data: Campaign[] }>("/v1/campaigns?limit=100")).data;
  const groups = (await api.get<{ data: { id: string; name: string; code: string | null }[] }>("/v1/groups")).data;
  const f = props.form ?? {};
  return (
    <Layout lang={lang} w={w} title={w.campaigns} page="campaigns" who={props.who}>
      {list.length > 0 && (
        <Table head={[w.name, w.kind, w.status, w.next]}>
          {list.map((c) => (
            <tr>
              <td data-label={w.name}>
                <a href={`/console/campaigns/${c.id}`}>{c.name}</a>
              </td>
              <td data-label={w.kind}>{c.kind}</td>
              <td data-label={w.status}>{c.status}</td>
              <td data-label={w.next}>
                {c.next_occurrence_at ? new Date(c.next_occurrence_at).toLocaleString(lang) : "–"}
              </td>
            </tr>
          ))}
        </Table>
      )}
      <h2 id="new-birthday">{w.newBirthday}</h2>
      <Problem text={props.error} />
      <form method="post" action="/console/campaigns" class="card" aria-labelledby="new-birthday">
        <input type="hidden" name="_csrf" value={props.who.csrf} />
        <div class="filters">
          <div>
            <label for="name">{w.name}</label>
            <input id="name" name="name" required maxlength={100} value={f.name ?? w.birthdayDefaultName} />
          </div>
          <div>
            <label for="delivery_time">{w.deliveryTime}</label>
            <input id="delivery_time" name="delivery_time" type="time" required value={f.delivery_time ?? "09:00"} />
          </div>
          <div>
            <label for="offer">{w.offer}</label>
            <input id="offer" name="offer" value={f.offer ?? ""} placeholder={w.offerHint} />
          </div>
          <div>
            <label for="group">{w.audience}</label>
            <select id="group" name="group">
              <option value="">{w.everyone}</option>
              {groups.map((g) => (
                <option value={g.id} selected={f.group === g.id}>
                  {g.code ? `${g.code} · ${g.name}` : g.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit">{w.createAndForecast}</button>
      </form>
    </Layout>
  );
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

/** One campaign: its forecast before it is scheduled (who, when, how many, who is left out and why), then its funnel. */
export async function CampaignPage(props: Props & { id: string; notice?: string }) {
  const { w, api, lang } = props;
  const c = await api.find<Campaign>(`/v1/campaigns/${encodeURIComponent(props.id)}`);
  if (!c) return null;
  const draft = c.status === "draft";
  const forecast = await api.get<Forecast>(`/v1/campaigns/${c.id}/forecast?days=30`);
  const stats = draft ? null : await api.get<Stats>(`/v1/campaigns/${c.id}/stats`);
  return (
    <Layout lang={lang} w={w} title={c.name} page="campaigns" who={props.who}>
      {props.notice && <p role="status">{props.notice}</p>}
      <p>
        <span class="badge">{c.kind}</span> <span class="badge">{c.status}</span>
      </p>
      {draft && (
        <form method="post" action={`/console/campaigns/${c.id}/schedule`}>
          <input type="hidden" name="_csrf" value={props.who.csrf} />
          <button type="submit">{w.schedule}</button>
        </form>
      )}
      {stats && (
        <section aria-labelledby="funnel-h">
          <h2 id="funnel-h">{w.funnel}</h2>
          <Funnel w={w} stats={stats} />
          {Object.keys(stats.by_reason).length > 0 && (
            <p>
              {w.skipReasons}:{" "}
              {Object.entries(stats.by_reason).map(([k, n]) => (
                <span class="badge">
                  {k} {n}
                </span>
              ))}
            </p>
          )}
        </section>
      )}
      <section aria-labelledby="forecast-h">
        <h2 id="forecast-h">{w.forecast}</h2>
        {forecast.note && <p class="muted">{forecast.note}</p>}
        {forecast.occurrences.length === 0 ? (
          <p class="muted">{w.noUpcoming}</p>
        ) : (
          <Table head={[w.forDate, w.audience, w.sending, w.excluded, w.sendTimes, w.cost]}>
            {forecast.occurrences.map((o) => (
              <tr>
                <td data-label={w.forDate}>{o.anchor_date ?? o.at.slice(0, 10)}</td>
                <td data-label={w.audience}>{o.audience}</td>
                <td data-label={w.sending}>{o.sending}</td>
                <td data-label={w.excluded}>
                  {Object.entries(o.excluded)
                    .map(([k, n]) => `${k} ${n}`)
                    .join(", ") || "–"}
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
      </section>
    </Layout>
  );
}
