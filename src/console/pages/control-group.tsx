// The control group's report as a shop owner reads it: this year's group got no marketing;
// did everyone else do more of what the shop wants (visits, purchases) than they did, by how
// much, and what did it cost. The event is chosen on the page.
import { raw } from "hono/html";
import { intervalsSvg } from "../../reports/chart";
import type { ConsoleApi } from "../api";
import { Field } from "../fields";
import { fill, type Lang, type Words } from "../i18n";
import { Layout } from "../layout";
import { Table } from "../table";
import { dayIn } from "../time";

type Group = { customers: number; converted: number; rate: number | null; low: number | null; high: number | null };
type Report = {
  share: number;
  year: number;
  from: string;
  as_of: string;
  control_group: Group & { sent_marketing: number };
  everyone_else: Group & { sent_marketing: number };
  marketing_cost: number;
  currency: string;
  effect: { words: { en: string; "zh-CN": string } } | null;
  messages_held_back: number;
};
type Props = {
  lang: Lang;
  w: Words;
  who: { scope: string; csrf: string };
  api: ConsoleApi;
  query: Record<string, string>;
};

const EVENT = /^[a-z][a-z0-9_.:-]{0,63}$/;

export async function ControlGroupPage(props: Props) {
  const { w, lang, api, query } = props;
  const event = EVENT.test(query.event ?? "") ? (query.event as string) : "visit";
  const tenant = await api.get<{ time_zone: string; control_group: { share: number } | null }>("/v1/tenant");
  const r = tenant.control_group
    ? await api.get<Report>(`/v1/reports/control-group?event=${encodeURIComponent(event)}`)
    : null;
  const pct = (v: number | null) => (v === null ? "–" : `${(v * 100).toFixed(1)}%`);
  const rows = r
    ? [
        { label: w.cgEveryoneElse, g: r.everyone_else },
        { label: w.cgGroup, g: r.control_group },
      ]
    : [];
  return (
    <Layout lang={lang} w={w} title={w.cgTitle} page="settings" who={props.who}>
      <p class="muted">{w.cgHint}</p>
      {!r ? (
        <p>
          {w.cgOff} <a href="/console/settings">{w.settings}</a>
        </p>
      ) : (
        <>
          <form method="get" action="/console/control-group" class="filters">
            <Field id="event" label={w.cgEvent}>
              <input id="event" name="event" maxlength={64} value={event} />
            </Field>
            <button type="submit">{w.show}</button>
          </form>
          <p>
            {fill(w.cgIntro, {
              p: Math.round(r.share * 100),
              year: r.year,
              n: r.control_group.customers.toLocaleString(lang),
              held: r.messages_held_back.toLocaleString(lang),
              from: dayIn(r.from, tenant.time_zone),
              to: dayIn(r.as_of, tenant.time_zone),
            })}
          </p>
          <figure class="chart">
            {raw(
              intervalsSvg({
                title: fill(w.cgChart, { event }),
                rows: rows.map((x) => ({ label: x.label, ...x.g, muted: x.g === r.control_group })),
                axis: w.xChartAxis,
              }),
            )}
          </figure>
          <Table head={[w.cgWho, w.xPeople, w.cgDid, w.xRateRange, w.cgGotMarketing]}>
            {rows.map((x) => (
              <tr>
                <td data-label={w.cgWho}>{x.label}</td>
                <td data-label={w.xPeople}>{x.g.customers.toLocaleString(lang)}</td>
                <td data-label={w.cgDid}>{x.g.converted.toLocaleString(lang)}</td>
                <td data-label={w.xRateRange}>{`${pct(x.g.rate)} (${pct(x.g.low)}–${pct(x.g.high)})`}</td>
                <td data-label={w.cgGotMarketing}>{x.g.sent_marketing.toLocaleString(lang)}</td>
              </tr>
            ))}
          </Table>
          {r.effect && (
            <p class="card" data-testid="effect">
              {r.effect.words[lang]}
            </p>
          )}
          <p class="muted">{fill(w.cgCost, { cost: r.marketing_cost, cur: r.currency })}</p>
        </>
      )}
    </Layout>
  );
}
