// The segment builder's rows: a field picked from a list in words (the profile's fields and the
// workspace's own details by label and type), the tests that fit it, and a value typed or picked
// from its known values (tiers, consent states, languages, groups by name). A person writes
// words; the filter the API gets has its codes, matched without regard to case.
import type { Option } from "../fields";
import { term, type Words } from "../i18n";
import type { Attribute } from "../names";
import { attributeName } from "../names";

type Kind = "string" | "enum" | "number" | "boolean" | "date" | "instant" | "birthday" | "tags" | "groups";
export type FieldDef = { value: string; label: string; kind: Kind; choices?: Option[] };

// The tests the API takes for each kind of field (groups/segment.ts), in the order a person scans them.
const OPS: Record<Kind, string[]> = {
  string: ["eq", "neq", "contains", "starts_with", "in", "not_in", "exists", "not_exists"],
  enum: ["eq", "neq", "in", "not_in", "exists", "not_exists"],
  number: ["eq", "neq", "gt", "gte", "lt", "lte", "exists", "not_exists"],
  boolean: ["eq", "neq", "exists", "not_exists"],
  date: ["before", "after", "eq", "within_next", "within_last", "older_than", "exists", "not_exists"],
  instant: ["within_last", "older_than", "before", "after"],
  birthday: ["within_next", "is_today", "month_is", "exists", "not_exists"],
  tags: ["has", "has_any", "has_all"],
  groups: ["member_of", "member_of_any"],
};
const ALL_OPS = [...new Set(Object.values(OPS).flat())];
const LISTS = new Set(["in", "not_in", "has_any", "has_all", "member_of_any"]);
const NO_VALUE = new Set(["exists", "not_exists", "is_today"]);
const DAYS = new Set(["within_next", "within_last", "older_than", "month_is"]);
export const ROWS = 4;

export function fieldsFor(
  w: Words,
  ctx: { tiers: string[]; attributes: readonly Attribute[]; groups: { id: string; name: string }[] },
): FieldDef[] {
  const yesNo = [
    { value: "true", label: w.yes },
    { value: "false", label: w.no },
  ];
  return [
    { value: "name", label: w.fld_name, kind: "string" },
    { value: "phone", label: w.phone, kind: "string" },
    { value: "external_id", label: w.externalId, kind: "string" },
    { value: "tier", label: w.fld_tier, kind: "enum", choices: ctx.tiers.map((t) => ({ value: t, label: t })) },
    {
      value: "consent",
      label: w.fld_consent,
      kind: "enum",
      choices: (["subscribed", "unsubscribed", "never_asked"] as const).map((s) => ({ value: s, label: w[s] })),
    },
    { value: "tags", label: w.fld_tags, kind: "tags" },
    {
      value: "groups",
      label: w.fld_groups,
      kind: "groups",
      choices: ctx.groups.map((g) => ({ value: g.id, label: g.name })),
    },
    { value: "birthday", label: w.fld_birthday, kind: "birthday" },
    { value: "created_at", label: w.fld_created_at, kind: "instant" },
    {
      value: "locale",
      label: w.fld_locale,
      kind: "string",
      choices: ["zh-CN", "en"].map((l) => ({ value: l, label: term(w, "lang_", l) })),
    },
    { value: "time_zone", label: w.fld_time_zone, kind: "string" },
    ...ctx.attributes.map(
      (a): FieldDef => ({
        value: `attributes.${a.key}`,
        label: attributeName(ctx.attributes, a.key),
        kind: a.type as Kind,
        ...(a.type === "boolean" && { choices: yesNo }),
      }),
    ),
  ];
}

/** A typed value as the API's code: a known choice by its code or its words, in any case. */
function canonical(def: FieldDef | undefined, raw: string): string {
  const t = raw.trim().toLowerCase();
  const hit = def?.choices?.find((c) => c.value.toLowerCase() === t || c.label.toLowerCase() === t);
  return hit?.value ?? raw.trim();
}

/** The form's rows as a filter: the rows that name a field, each maybe negated, all or any of them. */
export function filterOf(input: Record<string, string>, fields: FieldDef[]): Record<string, unknown> | null {
  const conditions: Record<string, unknown>[] = [];
  for (let i = 0; i < ROWS; i++) {
    const field = input[`field${i}`]?.trim();
    const op = input[`op${i}`]?.trim();
    if (!field || !op) continue;
    const def = fields.find((f) => f.value === field);
    const raw = input[`value${i}`]?.trim() ?? "";
    const one = (s: string): unknown => {
      const v = canonical(def, s);
      if (DAYS.has(op) || def?.kind === "number") return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      if (def?.kind === "boolean") return v === "true" ? true : v === "false" ? false : v;
      return v;
    };
    const value = NO_VALUE.has(op)
      ? undefined
      : LISTS.has(op)
        ? raw
            .split(/[,，]/)
            .map((v) => v.trim())
            .filter(Boolean)
            .map(one)
        : one(raw);
    const condition = { field, op, ...(value !== undefined && { value }) };
    conditions.push(input[`not${i}`] === "on" ? { not: condition } : condition);
  }
  if (conditions.length === 0) return null;
  if (conditions.length === 1) return conditions[0] as Record<string, unknown>;
  return input.combine === "or" ? { or: conditions } : { and: conditions };
}

/**
 * A saved filter back as the builder's rows (values in words), or null when it is more than
 * the builder writes: deeper nesting or more rows than it has.
 */
export function rowsOf(filter: unknown, fields: FieldDef[]): Record<string, string> | null {
  if (typeof filter !== "object" || filter === null) return null;
  const f = filter as Record<string, unknown>;
  const list = Array.isArray(f.and) ? f.and : Array.isArray(f.or) ? f.or : [f];
  if (list.length > ROWS) return null;
  const out: Record<string, string> = { combine: Array.isArray(f.or) ? "or" : "and" };
  for (const [i, item] of list.entries()) {
    let c = item as Record<string, unknown>;
    if (c && typeof c.not === "object" && c.not !== null) {
      out[`not${i}`] = "on";
      c = c.not as Record<string, unknown>;
    }
    if (typeof c?.field !== "string" || typeof c.op !== "string") return null;
    const def = fields.find((x) => x.value === c.field);
    // Only what the builder offers and writes back the same: else saving would drop or split it.
    if (!def || !OPS[def.kind].includes(c.op)) return null;
    const values = Array.isArray(c.value) ? c.value : [c.value];
    if (values.some((x) => typeof x === "object" || String(x).includes(",") || String(x).includes("，"))) return null;
    const word = (v: unknown) => def?.choices?.find((x) => x.value === String(v))?.label ?? String(v);
    out[`field${i}`] = c.field;
    out[`op${i}`] = c.op;
    if (c.value !== undefined) out[`value${i}`] = Array.isArray(c.value) ? c.value.map(word).join(", ") : word(c.value);
  }
  return out;
}

/** The rows of the builder form, with the lists of known values and the script that fits tests to fields. */
export function BuilderRows(props: { w: Words; fields: FieldDef[]; input: Record<string, string> }) {
  const { w, fields, input } = props;
  const kinds = new Map(fields.map((f) => [f.value, f.kind]));
  return (
    <>
      {fields
        .filter((f) => f.choices)
        .map((f) => (
          <datalist id={`values-${f.value}`}>
            {f.choices?.map((c) => (
              <option value={c.label} />
            ))}
          </datalist>
        ))}
      {Array.from({ length: ROWS }, (_, i) => {
        const field = input[`field${i}`] ?? "";
        const kind = kinds.get(field);
        const choices = fields.find((f) => f.value === field)?.choices;
        return (
          <fieldset class="filters">
            <legend>{`${w.condition} ${i + 1}`}</legend>
            <div>
              <label for={`field${i}`}>{w.field}</label>
              <select id={`field${i}`} name={`field${i}`} data-row={String(i)}>
                <option value="" />
                {fields.map((f) => (
                  <option value={f.value} data-kind={f.kind} selected={f.value === field}>
                    {f.label}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label>
                <input type="checkbox" name={`not${i}`} checked={input[`not${i}`] === "on"} /> {w.negate}
              </label>
            </div>
            <div>
              <label for={`op${i}`}>{w.op}</label>
              <select id={`op${i}`} name={`op${i}`}>
                <option value="" />
                {ALL_OPS.map((op) => {
                  const fits = Object.entries(OPS)
                    .filter(([, ops]) => ops.includes(op))
                    .map(([k]) => k);
                  return (
                    <option
                      value={op}
                      data-kinds={fits.join(" ")}
                      hidden={kind !== undefined && !fits.includes(kind)}
                      selected={input[`op${i}`] === op}
                    >
                      {term(w, "op_", op)}
                    </option>
                  );
                })}
              </select>
            </div>
            <div>
              <label for={`value${i}`}>{w.value}</label>
              <input
                id={`value${i}`}
                name={`value${i}`}
                value={input[`value${i}`] ?? ""}
                list={choices ? `values-${field}` : undefined}
              />
            </div>
          </fieldset>
        );
      })}
      <FitScript />
    </>
  );
}

// Picking a field shows only the tests that fit it and offers its known values.
function FitScript() {
  const script = `
document.addEventListener("change", (e) => {
  const field = e.target.closest("select[data-row]");
  if (!field) return;
  const row = field.dataset.row;
  const kind = field.selectedOptions[0]?.dataset.kind;
  const op = document.getElementById("op" + row);
  for (const o of op.options) o.hidden = !!kind && !!o.value && !o.dataset.kinds.split(" ").includes(kind);
  if (op.selectedOptions[0]?.hidden) op.value = "";
  const value = document.getElementById("value" + row);
  const list = document.getElementById("values-" + field.value);
  if (list) value.setAttribute("list", list.id); else value.removeAttribute("list");
});
`;
  return <script dangerouslySetInnerHTML={{ __html: script }} />;
}
