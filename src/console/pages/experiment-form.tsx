// The campaign form's test settings: a second version (B) with its own template or values, a
// share held back with no message, what counts as converting, and (broadcasts) a test first
// with the better version to everyone else. Also the way back, from a stored experiment to
// these fields, and whether the form can show a stored one at all.
import { DEFAULT_GOAL_DAYS } from "../../campaigns/experiment";
import type { ItemKind } from "../../db/schema";
import { CONVERSION_EVENT } from "../../shipments/conversion";
import { Field, linesOf, type Option, Select } from "../fields";
import { fill, term, type Words } from "../i18n";

export const HOLDOUTS = ["0", "0.05", "0.1", "0.2", "0.3"];
export const TEST_SHARES = ["0.1", "0.2", "0.3", "0.5"];
const METRICS = ["clicked", "replied", "converted"];

type Arm = {
  name: string;
  weight: number;
  template?: string;
  variables?: Record<string, unknown>;
  shift_hours?: number;
};
export type ExperimentView = {
  arms: Arm[];
  holdout: number;
  goal?: { event: string; within_days: number };
  rollout?: { test_share: number; wait_hours: number; metric: string; if_unclear: string };
};

/** The experiment of a submitted form, or nothing when it tests nothing. */
export function experimentBody(f: Record<string, string>, kind: string): Record<string, unknown> | undefined {
  const holdout = Number(f.holdout || "0");
  const b = f.ab === "on";
  const rollout = kind === "broadcast" && f.rollout === "on";
  // A rollout ticked without a second version still goes to the API, which says what it needs.
  if (!b && !(holdout > 0) && !rollout) return undefined;
  const values = linesOf(f.b_variables);
  const arms: Arm[] = [{ name: "A", weight: 1 }];
  if (b)
    arms.push({
      name: "B",
      weight: 1,
      ...(f.b_template && { template: f.b_template }),
      ...(Object.keys(values).length > 0 && { variables: values }),
    });
  // An after-delivery campaign without an event of its own counts its item's conversion; the
  // days still apply.
  const days = Number(f.goal_days || "7");
  const event =
    f.goal_event?.trim() ||
    (kind === "after_delivery" && days !== DEFAULT_GOAL_DAYS
      ? CONVERSION_EVENT[(f.item_kind || "card") as ItemKind]
      : undefined);
  return {
    arms,
    holdout,
    ...(event && { goal: { event, within_days: days } }),
    ...(rollout && {
      rollout: {
        test_share: Number(f.test_share || "0.2"),
        wait_hours: Number(f.wait_hours || "24"),
        metric: f.metric || "clicked",
      },
    }),
  };
}

/** Whether the form's fields can hold this experiment (else saving from the form would change it). */
export function experimentShowable(x: ExperimentView | null | undefined): boolean {
  if (!x) return true;
  const [a, b, ...more] = x.arms;
  const plain = (v: Record<string, unknown> | undefined) =>
    Object.values(v ?? {}).every((y) => typeof y === "string" || typeof y === "number");
  return (
    more.length === 0 &&
    a?.name === "A" &&
    a.weight === 1 &&
    !a.template &&
    !a.variables &&
    !a.shift_hours &&
    (!b || (b.name === "B" && b.weight === 1 && plain(b.variables) && !b.shift_hours)) &&
    HOLDOUTS.includes(String(x.holdout)) &&
    (!x.rollout || (TEST_SHARES.includes(String(x.rollout.test_share)) && x.rollout.if_unclear === "best"))
  );
}

/** A stored experiment as the form's fields. */
export function experimentForm(
  x: ExperimentView | null | undefined,
  kind: string,
  itemKind?: string,
): Record<string, string> {
  if (!x) return {};
  const b = x.arms.find((a) => a.name === "B");
  return {
    ab: b ? "on" : "",
    b_template: b?.template ?? "",
    b_variables: Object.entries(b?.variables ?? {})
      .map(([k, v]) => `${k}=${String(v)}`)
      .join("\n"),
    holdout: String(x.holdout),
    // An after-delivery campaign's default goal (its item's conversion within 14 days) is not
    // typed in, so it is not shown as typed; any other goal is.
    goal_event:
      kind === "after_delivery" &&
      x.goal?.within_days === DEFAULT_GOAL_DAYS &&
      x.goal.event === CONVERSION_EVENT[(itemKind ?? "card") as ItemKind]
        ? ""
        : (x.goal?.event ?? ""),
    goal_days: String(x.goal?.within_days ?? 7),
    ...(x.rollout && {
      rollout: "on",
      test_share: String(x.rollout.test_share),
      wait_hours: String(x.rollout.wait_hours),
      metric: x.rollout.metric,
    }),
  };
}

export function ExperimentFields(props: { w: Words; kind: string; form: Record<string, string>; templates: Option[] }) {
  const { w, kind, form: f } = props;
  const on = f.ab === "on" || Number(f.holdout || "0") > 0;
  return (
    <details open={on} id="experiment">
      <summary>{w.xTitle}</summary>
      <p class="muted">{w.xHint}</p>
      <div class="filters">
        <div>
          <label>
            <input type="checkbox" name="ab" checked={f.ab === "on"} /> {w.xTryB}
          </label>
        </div>
        <Field id="b_template" label={w.xBTemplate}>
          <Select
            id="b_template"
            value={f.b_template ?? ""}
            options={[{ value: "", label: w.xSameTemplate }, ...props.templates]}
          />
        </Field>
        <Field id="holdout" label={w.xHoldout}>
          <Select
            id="holdout"
            value={f.holdout ?? "0"}
            options={HOLDOUTS.map((h) => ({
              value: h,
              label: h === "0" ? w.xHoldoutNone : fill(w.xHoldoutShare, { p: Math.round(Number(h) * 100) }),
            }))}
          />
        </Field>
      </div>
      <Field id="b_variables" label={w.xBValues}>
        <textarea id="b_variables" name="b_variables" rows={2} placeholder="offer=…">
          {f.b_variables ?? ""}
        </textarea>
      </Field>
      <div class="filters">
        <Field id="goal_event" label={w.xGoalEvent}>
          <input id="goal_event" name="goal_event" maxlength={64} placeholder="booking" value={f.goal_event ?? ""} />
        </Field>
        <Field id="goal_days" label={w.xGoalDays}>
          <input
            id="goal_days"
            name="goal_days"
            type="number"
            min={1}
            max={90}
            value={f.goal_days ?? (kind === "after_delivery" ? String(DEFAULT_GOAL_DAYS) : "7")}
          />
        </Field>
      </div>
      <p class="muted">{kind === "after_delivery" ? w.xGoalHintDelivery : w.xGoalHint}</p>
      {kind === "broadcast" && (
        <>
          <div>
            <label>
              <input type="checkbox" name="rollout" checked={f.rollout === "on"} /> {w.xRollout}
            </label>
          </div>
          <div class="filters">
            <Field id="test_share" label={w.xTestShare}>
              <Select
                id="test_share"
                value={f.test_share ?? "0.2"}
                options={TEST_SHARES.map((s) => ({
                  value: s,
                  label: fill(w.xHoldoutShare, { p: Math.round(Number(s) * 100) }),
                }))}
              />
            </Field>
            <Field id="wait_hours" label={w.xWait}>
              <input id="wait_hours" name="wait_hours" type="number" min={1} max={168} value={f.wait_hours ?? "24"} />
            </Field>
            <Field id="metric" label={w.xMetric}>
              <Select
                id="metric"
                value={f.metric ?? "clicked"}
                options={METRICS.map((m) => ({ value: m, label: term(w, "metric_", m) }))}
              />
            </Field>
          </div>
        </>
      )}
    </details>
  );
}
