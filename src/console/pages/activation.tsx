import { raw } from "hono/html";
import { ITEM_KINDS } from "../../db/schema";
import { histogramSvg, stackedBarsSvg } from "../../reports/chart";
import type { ConsoleApi } from "../api";
import { Field } from "../fields";
import { fill, type Lang, term, type Words } from "../i18n";
import { Layout } from "../layout";
import { Table } from "../table";
import { whenIn } from "../time";
import { type ArmResults, HoldoutSection } from "./experiment-results";

/** The arrival shares a prompt can be timed by, as form values. */
export const QUANTILES = ["0.5", "0.8", "0.9", "0.95"];
// Distinguishable for common colour blindness (Okabe–Ito), in a fixed order per channel name.
const COLORS = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"];

type Quantiles = Record<string, { days: number | null; hours: number | null }>;
type Cell = {
  courier: string;
  region: string;
  samples: number;
  quantiles: Quantiles;
  histogram: { day: number; count: number }[];
};
type Ranked = Cell & { recommended_send_day: number | null };
type Report = {
  quantile: number;
  min_samples: number;
  refreshed_at: string | null;
  window: { days: number };
  workspace: Ranked;
  couriers: Ranked[];
  cells: (Cell & { timed_by: { level: string; recommended_send_day: number | null } })[];
};
type Fitness = {
  timings: {
    timing: string;
    shipments: number;
    received_before_send: number | null;
    converted_before_send: number | null;
    well_timed: number | null;
    median_send_day: number | null;
  }[];
  median_days_saved_vs_rule: number | null;
};
type Mix = {
  channels: string[];
  series: { start: string; counts: Record<string, number> }[];
  comparison: { before: { shares: Record<string, number> }; after: { shares: Record<string, number> } } | null;
};
type Props = {
  lang: Lang;
  w: Words;
  who: { scope: string; csrf: string };
  api: ConsoleApi;
  query: Record<string, string>;
  /** Today in the workspace, for the default comparison date. */
  now: number;
};

const PERSON_CHANNELS = ["agent", "branch", "front_desk"];
const pct = (x: number | null) => (x === null ? "–" : `${Math.round(x * 100)}%`);

/** Which timing a fitness row is (the API names them in English). */
function timingName(w: Words, t: string, q: number): string {
  const rule = /^rule: day (\d+)$/.exec(t);
  if (t.startsWith("model")) return fill(w.timingModel, { q: Math.round(q * 100) });
  if (rule) return fill(w.timingRule, { d: rule[1] as string });
  return t.startsWith("campaign ") ? fill(w.timingCampaign, { name: t.slice(9) }) : t;
}

/**
 * The line a card team's manager reads first: did the prompts move activations away from the
 * agents (the share before and after the comparison date), and what did they cost.
 */
function Verdict(props: {
  w: Words;
  lang: Lang;
  mix: Mix;
  compare: string;
  prompts: { sent: number; cost: number; currency: string | null };
}) {
  const { w, mix, prompts } = props;
  // Activations that took a person's time: what the prompts are meant to save.
  const staffed = (shares: Record<string, number> | undefined) =>
    shares && PERSON_CHANNELS.some((c) => c in shares)
      ? PERSON_CHANNELS.reduce((n, c) => n + (shares[c] ?? 0), 0)
      : undefined;
  const before = staffed(mix.comparison?.before.shares);
  const after = staffed(mix.comparison?.after.shares);
  const parts: string[] = [];
  if (before !== undefined && after !== undefined) {
    const points = Math.round((before - after) * 100);
    parts.push(
      fill(points >= 0 ? w.verdictAgentsDown : w.verdictAgentsUp, {
        before: pct(before),
        after: pct(after),
        date: props.compare,
        p: Math.abs(points),
      }),
    );
  }
  if (prompts.sent > 0) {
    parts.push(
      fill(w.verdictPrompts, {
        n: prompts.sent.toLocaleString(props.lang),
        cost: String(Math.round(prompts.cost * 100) / 100),
        cur: prompts.currency ?? "",
      }),
    );
  }
  return parts.length === 0 ? null : (
    <p class="card" data-testid="verdict">
      {parts.join(" ")}
    </p>
  );
}

/**
 * Activation timing: when do the items arrive (per courier × region, the histogram with the
 * quantile's send day), was the prompt's timing right, and how do people activate over time.
 */
export async function ActivationPage(props: Props) {
  const { w, api, lang, query } = props;
  // Without a choice, the kind of item this workspace has shipped (its oldest shipment's).
  const first = ITEM_KINDS.includes(query.item_kind as never)
    ? null
    : (await api.get<{ data: { item_kind: string }[] }>("/v1/shipments?limit=1")).data[0];
  const kind = (ITEM_KINDS.includes(query.item_kind as never) ? query.item_kind : first?.item_kind) ?? "card";
  const q = QUANTILES.includes(query.quantile ?? "") ? (query.quantile as string) : "0.8";
  const rule = /^\d{1,2}$/.test(query.rule_days ?? "") ? query.rule_days : "";
  const compare = /^\d{4}-\d{2}-\d{2}$/.test(query.compare_at ?? "")
    ? (query.compare_at as string)
    : new Date(props.now - 42 * 86_400_000).toISOString().slice(0, 10);
  const base = `item_kind=${kind}&quantile=${q}`;

  const campaigns = (
    await api.get<{ data: { id: string; name: string; kind: string }[] }>("/v1/campaigns?limit=100")
  ).data.filter((c) => c.kind === "after_delivery");
  const campaign = campaigns.some((c) => c.id === query.campaign_id) ? query.campaign_id : "";
  const report = await api.get<Report>(`/v1/reports/delivery?${base}`);
  const zone = (await api.get<{ time_zone: string }>("/v1/tenant")).time_zone;
  const fitness = await api.get<Fitness>(
    `/v1/reports/timing-fitness?${base}${rule ? `&rule_days=${rule}` : ""}${campaign ? `&campaign_id=${campaign}` : ""}`,
  );
  // The comparison needs a date strictly inside the 90 days the mix covers.
  const at = Date.parse(`${compare}T00:00:00Z`);
  const inside = at > props.now - 90 * 86_400_000 && at < props.now;
  const mix = await api.get<Mix>(
    `/v1/reports/activation-channels?item_kind=${kind}${inside ? `&compare_at=${compare}T00:00:00Z` : ""}`,
  );

  // What the prompts cost: every after-delivery campaign's messages and their price.
  const prompts = { sent: 0, cost: 0, currency: null as string | null };
  const tested: { name: string; x: ArmResults | null }[] = [];
  for (const c of campaigns) {
    const st = await api.get<{
      by_status: Record<string, number>;
      cost: number;
      currency: string | null;
      experiment: ArmResults | null;
    }>(`/v1/campaigns/${c.id}/stats`);
    tested.push({ name: c.name, x: st.experiment });
    prompts.sent += ["sent", "delivered", "undelivered", "unknown"].reduce((n, k) => n + (st.by_status[k] ?? 0), 0);
    prompts.cost += st.cost;
    prompts.currency ??= st.currency;
  }
  const qp = Math.round(Number(q) * 100);
  const pKey = `p${qp}`;
  const chosen: Ranked | Report["cells"][number] | undefined = query.courier
    ? (report.cells.find((c) => c.courier === query.courier && c.region === (query.region ?? "")) ??
      report.couriers.find((c) => c.courier === query.courier && !query.region))
    : undefined;
  const shown = chosen ?? report.workspace;
  // A cell's prompts are timed by the distribution it falls back to; that is the day to mark.
  const markDay = "timed_by" in shown ? shown.timed_by.recommended_send_day : shown.recommended_send_day;
  const name = chosen ? [chosen.courier, chosen.region || w.allRegions].join(" · ") : w.allShipments;
  const histogram = histogramSvg({
    title: `${name}: ${fill(w.samplesN, { n: shown.samples })}`,
    counts: shown.histogram.map((h) => h.count),
    axis: w.daysAxis,
    ...(markDay !== null && { mark: { day: markDay, label: fill(w.sendDayMark, { q: qp, d: markDay }) } }),
  });
  const colors = new Map(mix.channels.map((c, i) => [c, COLORS[i % COLORS.length] as string]));
  const mixChart = stackedBarsSvg({
    title: w.channelMix,
    bars: mix.series.map((s) => ({ label: s.start.slice(5, 10), counts: s.counts })),
    series: mix.channels.map((c) => ({ key: c, label: term(w, "ch_", c), color: colors.get(c) as string })),
  });
  const cellLink = (courier: string, region: string) =>
    `/console/activation?${base}&courier=${encodeURIComponent(courier)}${region ? `&region=${encodeURIComponent(region)}` : ""}#chart`;

  return (
    <Layout lang={lang} w={w} title={w.activation} page="activation" who={props.who}>
      <form method="get" action="/console/activation" class="filters">
        <Field id="item_kind" label={w.itemKind}>
          <select id="item_kind" name="item_kind">
            {ITEM_KINDS.map((k) => (
              <option value={k} selected={k === kind}>
                {term(w, "kind_", k)}
              </option>
            ))}
          </select>
        </Field>
        <Field id="quantile" label={w.quantile}>
          <select id="quantile" name="quantile">
            {QUANTILES.map((x) => (
              <option value={x} selected={x === q}>{`${Math.round(Number(x) * 100)}%`}</option>
            ))}
          </select>
        </Field>
        <Field id="rule_days" label={w.ruleDays}>
          <input id="rule_days" name="rule_days" type="number" min={0} max={60} value={rule} />
        </Field>
        {campaigns.length > 0 && (
          <Field id="campaign_id" label={w.fitnessCampaign}>
            <select id="campaign_id" name="campaign_id">
              <option value="">{w.none}</option>
              {campaigns.map((c) => (
                <option value={c.id} selected={c.id === campaign}>
                  {c.name}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field id="compare_at" label={w.compareAt}>
          <input id="compare_at" name="compare_at" type="date" value={compare} />
        </Field>
        <button type="submit">{w.show}</button>
      </form>

      {report.workspace.samples === 0 ? (
        <p class="muted">{fill(w.noModel, { n: report.window.days })}</p>
      ) : (
        <>
          {report.workspace.recommended_send_day !== null && (
            <p class="card lead" role="status">
              {fill(w.recommendation, { d: report.workspace.recommended_send_day, q: qp })}
            </p>
          )}
          <Verdict w={w} lang={lang} mix={mix} compare={compare} prompts={prompts} />
          {report.refreshed_at && (
            <p class="muted">
              {fill(w.modelAsOf, { t: whenIn(report.refreshed_at, zone, lang), n: report.window.days })}
            </p>
          )}
          <figure id="chart" class="chart">
            {raw(histogram)}
          </figure>
          <h2 id="cells-h">{w.leadTimes}</h2>
          <Table
            head={[
              w.courier,
              w.region,
              w.samples,
              w.medianDays,
              fill(w.quantileDays, { q: qp }),
              w.timedBy,
              w.sendDay,
              w.chart,
            ]}
          >
            {report.cells.map((c) => (
              <tr>
                <td data-label={w.courier}>{c.courier}</td>
                <td data-label={w.region}>{c.region}</td>
                <td data-label={w.samples}>{c.samples}</td>
                <td data-label={w.medianDays}>{c.quantiles.p50?.days ?? "–"}</td>
                <td data-label={fill(w.quantileDays, { q: qp })}>{c.quantiles[pKey]?.days ?? "–"}</td>
                <td data-label={w.timedBy}>
                  {term(w, "level_", c.timed_by.level)}
                  {/* Why its own figures above are not what times it: too few deliveries of its own. */}
                  {c.timed_by.level !== "cell" && (
                    <span class="muted"> ({fill(w.tooFewHere, { n: c.samples, min: report.min_samples })})</span>
                  )}
                </td>
                <td data-label={w.sendDay}>{c.timed_by.recommended_send_day ?? "–"}</td>
                <td data-label={w.chart}>
                  <a href={cellLink(c.courier, c.region)}>{w.chart}</a>
                </td>
              </tr>
            ))}
            {report.couriers.map((c) => (
              <tr>
                <td data-label={w.courier}>{c.courier}</td>
                <td data-label={w.region} class="muted">
                  {w.allRegions}
                </td>
                <td data-label={w.samples}>{c.samples}</td>
                <td data-label={w.medianDays}>{c.quantiles.p50?.days ?? "–"}</td>
                <td data-label={fill(w.quantileDays, { q: qp })}>{c.quantiles[pKey]?.days ?? "–"}</td>
                <td data-label={w.timedBy}>–</td>
                <td data-label={w.sendDay}>{c.recommended_send_day ?? "–"}</td>
                <td data-label={w.chart}>
                  <a href={cellLink(c.courier, "")}>{w.chart}</a>
                </td>
              </tr>
            ))}
          </Table>
        </>
      )}

      <HoldoutSection w={w} lang={lang} campaigns={tested} />

      <section aria-labelledby="fitness-h">
        <h2 id="fitness-h">{w.fitness}</h2>
        <p class="muted">{w.fitnessHint}</p>
        <Table head={[w.timing, w.shipments, w.receivedBefore, w.convertedBefore, w.wellTimed, w.medianSendDay]}>
          {fitness.timings.map((t) => (
            <tr>
              <td data-label={w.timing}>{timingName(w, t.timing, Number(q))}</td>
              <td data-label={w.shipments}>{t.shipments}</td>
              <td data-label={w.receivedBefore}>{pct(t.received_before_send)}</td>
              <td data-label={w.convertedBefore}>{pct(t.converted_before_send)}</td>
              <td data-label={w.wellTimed}>{pct(t.well_timed)}</td>
              <td data-label={w.medianSendDay}>{t.median_send_day ?? "–"}</td>
            </tr>
          ))}
        </Table>
        {fitness.median_days_saved_vs_rule !== null && (
          <p>
            {fitness.median_days_saved_vs_rule >= 0
              ? fill(w.daysSaved, { d: fitness.median_days_saved_vs_rule })
              : fill(w.daysLater, { d: -fitness.median_days_saved_vs_rule })}
          </p>
        )}
      </section>

      <section aria-labelledby="mix-h">
        <h2 id="mix-h">{w.activationChannels}</h2>
        {mix.channels.length === 0 ? (
          <p class="muted">{w.noActivations}</p>
        ) : (
          <>
            <figure class="chart">{raw(mixChart)}</figure>
            {mix.comparison && (
              <Table head={[w.channel, fill(w.before, { date: compare }), fill(w.after, { date: compare })]}>
                {mix.channels.map((c) => (
                  <tr>
                    <td data-label={w.channel}>{term(w, "ch_", c)}</td>
                    <td data-label={fill(w.before, { date: compare })}>{pct(mix.comparison?.before.shares[c] ?? 0)}</td>
                    <td data-label={fill(w.after, { date: compare })}>{pct(mix.comparison?.after.shares[c] ?? 0)}</td>
                  </tr>
                ))}
              </Table>
            )}
          </>
        )}
      </section>
    </Layout>
  );
}
