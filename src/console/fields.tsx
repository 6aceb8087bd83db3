// Form pieces every console page uses: a labelled field, a select with its choice marked, a
// number input, and the hidden CSRF token (with the row's id, for per-row forms).
import type { Child } from "hono/jsx";

export type Option = { value: string; label: string };

/** A label above its control; the control's id is the label's `for`. */
export function Field(props: { id: string; label: string; children: Child }) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      {props.children}
    </div>
  );
}

export function Select(props: { id: string; name?: string; value: string | undefined; options: Option[] }) {
  return (
    <select id={props.id} name={props.name ?? props.id}>
      {props.options.map((o) => (
        <option value={o.value} selected={o.value === props.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

/** A labelled number input named by its id; an absent value leaves it empty. */
export function NumberField(props: {
  id: string;
  label: string;
  value: number | string | null | undefined;
  min?: number;
  max?: number;
  step?: string;
}) {
  return (
    <Field id={props.id} label={props.label}>
      <input
        id={props.id}
        name={props.id}
        type="number"
        min={props.min}
        max={props.max}
        step={props.step}
        value={props.value ?? ""}
      />
    </Field>
  );
}

export function Hidden(props: { csrf: string; id?: string }) {
  return (
    <>
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.id && <input type="hidden" name="id" value={props.id} />}
    </>
  );
}

/** A one-button form acting on one row (remove, turn off…): the button names its row for a screen reader. */
export function RowButton(props: { action: string; csrf: string; id: string; label: string; row: string }) {
  return (
    <form method="post" action={props.action} class="inline">
      <Hidden csrf={props.csrf} id={props.id} />
      <button type="submit" class="link" aria-label={`${props.label}: ${props.row}`}>
        {props.label}
      </button>
    </form>
  );
}

/** "name=value" lines as values. */
export function linesOf(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (text ?? "").split(/\r?\n/)) {
    const at = line.indexOf("=");
    if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}
