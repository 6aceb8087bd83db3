import type { ConsoleApi } from "../api";
import { fill, type Lang, term, type Words } from "../i18n";
import { Layout } from "../layout";
import { Table } from "../table";
import { whenIn } from "../time";
import { type Campaign, kindWord, type Waiting } from "./campaigns";
import { BIRTHDAYS_TOMORROW } from "./customers";

type Period = {
  sent: number;
  delivered: number;
  delivered_rate: number | null;
  replies: number;
  opt_outs: number;
  cost: number;
};
type Summary = {
  currency: string;
  time_zone: string;
  today: Period;
  last_7_days: Period;
  inbox: { open: number; overdue: number };
};

function Figures(props: { w: Words; title: string; p: Period; currency: string; lang: Lang }) {
  const { w, p } = props;
  const n = (v: number) => v.toLocaleString(props.lang);
  const cards: [string, string][] = [
    [w.sent, n(p.sent)],
    [w.delivered, n(p.delivered)],
    [w.deliveredRate, p.delivered_rate === null ? "–" : `${(p.delivered_rate * 100).toFixed(1)}%`],
    [w.replies, n(p.replies)],
    [w.optOuts, n(p.opt_outs)],
    [w.cost, `${p.cost.toLocaleString(props.lang, { minimumFractionDigits: 2 })} ${props.currency}`],
  ];
  const id = props.title.replace(/\W+/g, "-").toLowerCase();
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      <div class="cards">
        {cards.map(([label, value]) => (
          <div class="card">
            <div class="label">{label}</div>
            <div class="value">{value}</div>
          </div>
        ))}
      </div>
    </section>
  );
}

export async function HomePage(props: { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi }) {
  const { w, api, lang } = props;
  const s = await api.get<Summary>("/v1/reports/summary");
  const live = (await api.get<{ data: Campaign[] }>("/v1/campaigns?limit=100")).data.filter(
    (c) => c.status === "scheduled" || c.status === "running",
  );
  // What goes next for each campaign: messages it already made that wait (held for quiet hours,
  // a cap), else the next send that reaches anyone from its forecast (a date campaign plans
  // every day, and most of its days send to no one).
  const next: { c: Campaign; at: string; sending: number; held?: string }[] = [];
  for (const c of live) {
    const waiting =
      c.status === "running" ? (await api.get<{ waiting: Waiting }>(`/v1/campaigns/${c.id}/stats`)).waiting : null;
    if (waiting && waiting.messages > 0 && waiting.next_at) {
      const [reason] = Object.entries(waiting.by_reason).sort((a, b) => b[1] - a[1])[0] ?? [];
      next.push({ c, at: waiting.next_at, sending: waiting.messages, ...(reason && { held: reason }) });
    } else if (c.next_occurrence_at) {
      const f = await api.get<{ occurrences: { at: string; sending: number }[] }>(
        `/v1/campaigns/${c.id}/forecast?days=7`,
      );
      const o = f.occurrences.find((x) => x.sending > 0) ?? f.occurrences[0];
      next.push({ c, at: o?.at ?? c.next_occurrence_at, sending: o?.sending ?? 0 });
    }
  }
  next.sort((a, b) => a.at.localeCompare(b.at));
  next.splice(8);
  // Birthdays tomorrow, in each customer's own calendar: within the next day, not today.
  const tomorrow = await api.post<{ count: number }>("/v1/segments/preview", { filter: BIRTHDAYS_TOMORROW, sample: 0 });
  const when = (iso: string) => whenIn(iso, s.time_zone, lang);
  return (
    <Layout lang={lang} w={w} title={w.home} page="home" who={props.who}>
      <Figures w={w} lang={lang} title={w.today} p={s.today} currency={s.currency} />
      <Figures w={w} lang={lang} title={w.last7} p={s.last_7_days} currency={s.currency} />
      <section aria-labelledby="inbox-h">
        <h2 id="inbox-h">{w.inboxDue}</h2>
        <p>
          <strong>{s.inbox.open}</strong> {w.open}
          {s.inbox.overdue > 0 && (
            <>
              {" · "}
              <span class="badge bad">
                {s.inbox.overdue} {w.overdue}
              </span>
            </>
          )}
        </p>
      </section>
      <section aria-labelledby="upcoming-h">
        <h2 id="upcoming-h">{w.upcoming}</h2>
        <p>
          <a href="/console/customers?view=birthdays_tomorrow">{fill(w.birthdaysTomorrow, { n: tomorrow.count })}</a>
        </p>
        {next.length === 0 ? (
          <p class="muted">{w.noUpcoming}</p>
        ) : (
          <Table head={[w.campaigns, w.next, w.sending]}>
            {next.map(({ c, at, sending, held }) => (
              <tr>
                <td data-label={w.campaigns}>
                  <a href={`/console/campaigns/${c.id}`}>{c.name}</a> <span class="badge">{kindWord(w, c)}</span>
                  {held && <span class="badge">{term(w, "held_", held)}</span>}
                </td>
                <td data-label={w.next}>{when(at)}</td>
                <td data-label={w.sending}>{sending}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>
    </Layout>
  );
}
