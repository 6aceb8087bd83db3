// What a campaign's test shows, as its owner reads it: each version's share with its 95 % range
// as a chart and a table, the verdicts in the page's language, what the messages caused
// against the people held back, and where a rollout stands.
import { raw } from "hono/html";
import { intervalsSvg } from "../../reports/chart";
import { fill, type Lang, term, type Words } from "../i18n";
import { Table } from "../table";
import { whenIn } from "../time";

type Range = { rate: number | null; low: number | null; high: number | null };
type Said = { en: string; "zh-CN": string };
export type ArmResults = {
  measure: "clicked" | "replied" | "converted";
  holdout_share: number;
  arms: ({ arm: string; audience: number; sent: number } & Record<string, unknown>)[];
  comparisons: { arm: string; against: string; outcome: string; verdict: Said; effect?: { words: Said } | null }[];
  rollout: {
    test_share: number;
    decide_at: string | null;
    decided_at: string | null;
    winner: string | null;
    reason: string | null;
    rest: { audience: number; sent: number };
  } | null;
};

/** A version's name as a person reads it; with `single`, the only version is "got the message". */
export function armName(w: Words, arm: string, single = false): string {
  if (arm === "holdout") return w.xHeldBack;
  if (arm === "rest") return w.xEveryoneElse;
  return single ? w.xGotIt : fill(w.xVersionN, { arm });
}

/** Whether the results have one version only (beside the people held back). */
const singleOf = (x: ArmResults) => x.arms.filter((a) => a.arm !== "holdout").length === 1;

/** Each comparison's verdict and, against the people held back, what the messages caused. */
export function Verdicts(props: { w: Words; lang: Lang; comparisons: ArmResults["comparisons"]; single: boolean }) {
  const { w, lang } = props;
  return (
    <>
      {props.comparisons.map((c) => (
        <div class="verdict">
          <h4>{fill(w.xAgainst, { a: armName(w, c.arm, props.single), b: armName(w, c.against) })}</h4>
          <p class={c.outcome === "unclear" ? "muted" : ""} data-testid="verdict">
            {c.verdict[lang]}
          </p>
          {c.effect && <p data-testid="effect">{c.effect.words[lang]}</p>}
        </div>
      ))}
    </>
  );
}

export function ExperimentSection(props: { w: Words; lang: Lang; x: ArmResults; zone: string }) {
  const { w, lang, x, zone } = props;
  const measure = term(w, "measure_", x.measure);
  const head = term(w, "head_", x.measure);
  const rate = (a: ArmResults["arms"][number]) => a[`${x.measure}_rate`] as Range;
  const pct = (v: number | null) => (v === null ? "–" : `${(v * 100).toFixed(1)}%`);
  const chart = intervalsSvg({
    title: fill(w.xChartTitle, { measure }),
    rows: x.arms.map((a) => ({ label: armName(w, a.arm, singleOf(x)), ...rate(a), muted: a.arm === "holdout" })),
    axis: w.xChartAxis,
  });
  const ro = x.rollout;
  return (
    <section id="experiment" aria-labelledby="experiment-h">
      <h3 id="experiment-h">{w.xResults}</h3>
      {ro && (
        <p class="card" data-testid="rollout">
          {ro.winner && ro.decided_at
            ? fill(w.xRolloutDone, {
                time: whenIn(ro.decided_at, zone, lang),
                winner: ro.winner,
                why: term(w, "why_", ro.reason ?? "better"),
                n: ro.rest.audience.toLocaleString(lang),
              })
            : fill(w.xRolloutWaiting, {
                share: Math.round(ro.test_share * 100),
                time: ro.decide_at ? whenIn(ro.decide_at, zone, lang) : "–",
              })}
        </p>
      )}
      <figure class="chart">{raw(chart)}</figure>
      <Table head={[w.xVersion, w.xPeople, w.xSentN, head, w.xRateRange]} label="experiment-h">
        {x.arms.map((a) => {
          const r = rate(a);
          return (
            <tr>
              <td data-label={w.xVersion}>
                {armName(w, a.arm, singleOf(x))}
                {typeof a.shift_hours === "number" && a.shift_hours !== 0 && (
                  <span class="muted">
                    {" · "}
                    {fill(a.shift_hours > 0 ? w.xLater : w.xEarlier, { h: Math.abs(a.shift_hours) })}
                  </span>
                )}
              </td>
              <td data-label={w.xPeople}>{a.audience.toLocaleString(lang)}</td>
              <td data-label={w.xSentN}>{a.sent.toLocaleString(lang)}</td>
              <td data-label={head}>{String(a[x.measure] ?? 0)}</td>
              <td data-label={w.xRateRange}>{`${pct(r.rate)} (${pct(r.low)}–${pct(r.high)})`}</td>
            </tr>
          );
        })}
      </Table>
      <Verdicts w={w} lang={lang} comparisons={x.comparisons} single={singleOf(x)} />
    </section>
  );
}

/**
 * The activation page's causal figures: for each after-delivery campaign holding cardholders
 * back, how many more activated because of the prompts, how many fewer needed an agent, and the
 * cost of each activation caused; without a holdout, how to get them.
 */
export function HoldoutSection(props: { w: Words; lang: Lang; campaigns: { name: string; x: ArmResults | null }[] }) {
  const { w, lang } = props;
  const held = props.campaigns.filter((c) => c.x && c.x.holdout_share > 0);
  if (props.campaigns.length === 0) return null;
  return (
    <section aria-labelledby="holdout-h" id="holdout">
      <h2 id="holdout-h">{w.actHoldoutTitle}</h2>
      {held.length === 0 && <p class="muted">{w.actNoHoldout}</p>}
      {held.map(({ name, x }) => {
        const r = x as ArmResults;
        const back = r.arms.find((a) => a.arm === "holdout");
        const prompted = r.arms.filter((a) => a.arm !== "holdout").reduce((n, a) => n + a.audience, 0);
        const rate = (a: ArmResults["arms"][number]) => a[`${r.measure}_rate`] as Range;
        return (
          <div class="card" data-testid="holdout-card">
            <p>
              {fill(w.actHoldoutIntro, {
                campaign: name,
                held: (back?.audience ?? 0).toLocaleString(lang),
                prompted: prompted.toLocaleString(lang),
              })}
            </p>
            <figure class="chart">
              {raw(
                intervalsSvg({
                  title: fill(w.xChartTitle, { measure: term(w, "measure_", r.measure) }),
                  rows: r.arms.map((a) => ({
                    label: armName(w, a.arm, singleOf(r)),
                    ...rate(a),
                    muted: a.arm === "holdout",
                  })),
                  axis: w.xChartAxis,
                }),
              )}
            </figure>
            <Verdicts
              w={w}
              lang={lang}
              comparisons={r.comparisons.filter((c) => c.against === "holdout")}
              single={singleOf(r)}
            />
          </div>
        );
      })}
    </section>
  );
}
