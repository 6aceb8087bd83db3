import { type ConsoleApi, refusal } from "../api";
import { Field, Hidden, RowButton } from "../fields";
import { type Lang, term, type Words } from "../i18n";
import { Layout, Notice, Problem } from "../layout";
import { LiveFragment } from "../live";
import { Table } from "../table";

type Group = { id: string; name: string; code: string | null; kind: "static" | "segment"; member_count?: number };
type Props = { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi };

// The fields a gym builds on most (any attributes.<key> may be typed too), and the tests, each
// in people's words. Which test fits which field is the API's to say: it names the row.
const FIELDS = [
  "tier",
  "consent",
  "tags",
  "groups",
  "birthday",
  "attributes.last_visit",
  "created_at",
  "locale",
  "time_zone",
  "name",
];
const OPS = [
  "eq",
  "neq",
  "in",
  "not_in",
  "has",
  "has_any",
  "member_of",
  "member_of_any",
  "contains",
  "gt",
  "lt",
  "before",
  "after",
  "within_next",
  "within_last",
  "older_than",
  "is_today",
  "month_is",
  "exists",
  "not_exists",
] as const;
const LISTS = new Set(["in", "not_in", "has_any", "has_all", "member_of_any"]);
const NO_VALUE = new Set(["exists", "not_exists", "is_today"]);
const ROWS = 4;

/** The form's rows as a filter: the rows that name a field, each maybe negated, all or any of them. */
export function filterOf(input: Record<string, string>): Record<string, unknown> | null {
  const conditions: Record<string, unknown>[] = [];
  for (let i = 0; i < ROWS; i++) {
    const field = input[`field${i}`]?.trim();
    const op = input[`op${i}`]?.trim();
    if (!field || !op) continue;
    const raw = input[`value${i}`]?.trim() ?? "";
    const value = NO_VALUE.has(op)
      ? undefined
      : LISTS.has(op)
        ? raw
            .split(/[,，]/)
            .map((v) => v.trim())
            .filter(Boolean)
        : /^-?\d+(\.\d+)?$/.test(raw) && field !== "groups"
          ? Number(raw)
          : raw;
    const condition = { field, op, ...(value !== undefined && { value }) };
    conditions.push(input[`not${i}`] === "on" ? { not: condition } : condition);
  }
  if (conditions.length === 0) return null;
  if (conditions.length === 1) return conditions[0] as Record<string, unknown>;
  return input.combine === "or" ? { or: conditions } : { and: conditions };
}

/** Count and sample of the form's filter: the builder's script swaps this in as rows change. */
export async function CountSection(props: Props & { input: Record<string, string> }) {
  const { w, api } = props;
  const filter = filterOf(props.input);
  if (!filter) return <section id="count" aria-live="polite" />;
  try {
    const r = await api.post<{ count: number; sample: { id: string; name: string | null; phone: string | null }[] }>(
      "/v1/segments/preview",
      { filter, sample: 5 },
    );
    return (
      <section id="count" aria-live="polite">
        <p>
          <strong data-testid="count">{r.count}</strong> {w.match}
        </p>
        <ul>
          {r.sample.map((c) => (
            <li>
              <a href={`/console/customers/${c.id}`}>{c.name ?? c.phone ?? c.id}</a>
            </li>
          ))}
        </ul>
      </section>
    );
  } catch (e) {
    return (
      <section id="count" aria-live="polite">
        <Problem text={refusal(e).message} />
      </section>
    );
  }
}

/** Groups and segments, and a segment builder with a live count and sample. */
/** What the group forms ask of the API (a new static group, a removal); the notice after it. */
export async function groupAction(p: { w: Words; api: ConsoleApi }, what: string, f: Record<string, string>) {
  if (what === "create") {
    await p.api.post("/v1/groups", {
      name: f.name ?? "",
      kind: "static",
      ...(f.code?.trim() && { code: f.code.trim() }),
      ...(f.description?.trim() && { description: f.description.trim() }),
    });
    return p.w.saved;
  }
  if (what === "delete") {
    await p.api.delete(`/v1/groups/${encodeURIComponent(f.id ?? "")}`);
    return p.w.removed;
  }
  return `!${p.w.notFound}`;
}

export async function GroupsPage(
  props: Props & { input: Record<string, string>; error?: string; notice?: string | undefined },
) {
  const { w, api, input } = props;
  const groups = (await api.get<{ data: Group[] }>("/v1/groups")).data;
  return (
    <Layout lang={props.lang} w={w} title={w.groups} page="groups" who={props.who}>
      <Notice text={props.notice} />
      <Table head={[w.name, w.code, w.kind, w.members, ""]}>
        {groups.map((g) => (
          <tr>
            <td data-label={w.name}>
              <a href={`/console/customers?group=${g.id}`}>{g.name}</a>
            </td>
            <td data-label={w.code}>{g.code ?? "–"}</td>
            <td data-label={w.kind}>{g.kind === "segment" ? w.segment : w.staticGroup}</td>
            <td data-label={w.members}>{g.member_count ?? "–"}</td>
            <td>
              <RowButton
                action="/console/groups/delete"
                csrf={props.who.csrf}
                id={g.id}
                label={w.remove}
                row={g.name}
              />
            </td>
          </tr>
        ))}
      </Table>
      <h2 id="new-group-h">{w.newGroup}</h2>
      <form method="post" action="/console/groups/create" class="card filters" aria-labelledby="new-group-h">
        <Hidden csrf={props.who.csrf} />
        <Field id="group-name" label={w.name}>
          <input id="group-name" name="name" required maxlength={100} />
        </Field>
        <Field id="group-code" label={w.codeHint}>
          <input id="group-code" name="code" pattern="[0-9]{2}" size={3} />
        </Field>
        <Field id="group-description" label={w.description}>
          <input id="group-description" name="description" maxlength={500} size={30} />
        </Field>
        <button type="submit">{w.addGroup}</button>
      </form>
      <h2 id="builder-h">{w.newSegment}</h2>
      <Problem text={props.error} />
      <form id="builder" method="post" action="/console/groups" class="card" aria-labelledby="builder-h">
        <input type="hidden" name="_csrf" value={props.who.csrf} />
        <datalist id="fields">
          {FIELDS.map((f) => (
            <option value={f}>{term(w, "fld_", f)}</option>
          ))}
        </datalist>
        <div class="filters">
          <Field id="combine" label={w.combine}>
            <select id="combine" name="combine">
              <option value="and" selected={input.combine !== "or"}>
                {w.combineAll}
              </option>
              <option value="or" selected={input.combine === "or"}>
                {w.combineAny}
              </option>
            </select>
          </Field>
        </div>
        {Array.from({ length: ROWS }, (_, i) => (
          <fieldset class="filters">
            <legend>{`${w.condition} ${i + 1}`}</legend>
            <div>
              <label for={`field${i}`}>{w.field}</label>
              <input id={`field${i}`} name={`field${i}`} list="fields" value={input[`field${i}`] ?? ""} />
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
                {OPS.map((op) => (
                  <option value={op} selected={input[`op${i}`] === op}>
                    {term(w, "op_", op)}
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label for={`value${i}`}>{w.value}</label>
              <input id={`value${i}`} name={`value${i}`} value={input[`value${i}`] ?? ""} />
            </div>
          </fieldset>
        ))}
        <div class="filters">
          <Field id="segment-name" label={w.name}>
            <input id="segment-name" name="name" value={input.name ?? ""} maxlength={100} />
          </Field>
          <button type="submit">{w.saveSegment}</button>
        </div>
      </form>
      {await CountSection(props)}
      <LiveFragment form="builder" url="/console/groups" target="count" />
    </Layout>
  );
}
