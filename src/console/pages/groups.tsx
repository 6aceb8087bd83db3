import { type ConsoleApi, refusal } from "../api";
import type { Lang, Words } from "../i18n";
import { Layout, Problem } from "../layout";
import { LiveFragment } from "../live";
import { Table } from "../table";

type Group = { id: string; name: string; code: string | null; kind: "static" | "segment"; member_count?: number };
type Props = { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi };

// The conditions a gym builds most, each one row of the form. Values are typed by the op.
const FIELDS = ["tier", "consent", "tags", "birthday", "attributes.last_visit", "created_at", "locale", "time_zone"];
const OPS = ["eq", "neq", "in", "has", "within_next", "older_than", "within_last", "exists"] as const;
const ROWS = 3;

/** The form's rows as a filter: the rows that name a field, all of them required (AND). */
export function filterOf(input: Record<string, string>): Record<string, unknown> | null {
  const conditions: Record<string, unknown>[] = [];
  for (let i = 0; i < ROWS; i++) {
    const field = input[`field${i}`]?.trim();
    const op = input[`op${i}`]?.trim();
    if (!field || !op) continue;
    const raw = input[`value${i}`]?.trim() ?? "";
    const value =
      op === "exists"
        ? undefined
        : op === "in"
          ? raw
              .split(",")
              .map((v) => v.trim())
              .filter(Boolean)
          : /^-?\d+(\.\d+)?$/.test(raw)
            ? Number(raw)
            : raw;
    conditions.push({ field, op, ...(value !== undefined && { value }) });
  }
  if (conditions.length === 0) return null;
  return conditions.length === 1 ? (conditions[0] as Record<string, unknown>) : { and: conditions };
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
export async function GroupsPage(props: Props & { input: Record<string, string>; error?: string }) {
  const { w, api, input } = props;
  const groups = (await api.get<{ data: Group[] }>("/v1/groups")).data;
  return (
    <Layout lang={props.lang} w={w} title={w.groups} page="groups" who={props.who}>
      <Table head={[w.name, w.code, w.kind]}>
        {groups.map((g) => (
          <tr>
            <td data-label={w.name}>
              <a href={`/console/customers?group=${g.id}`}>{g.name}</a>
            </td>
            <td data-label={w.code}>{g.code ?? "–"}</td>
            <td data-label={w.kind}>{g.kind === "segment" ? w.segment : w.staticGroup}</td>
          </tr>
        ))}
      </Table>
      <h2 id="builder-h">{w.newSegment}</h2>
      <Problem text={props.error} />
      <form id="builder" method="post" action="/console/groups" class="card" aria-labelledby="builder-h">
        <input type="hidden" name="_csrf" value={props.who.csrf} />
        <datalist id="fields">
          {FIELDS.map((f) => (
            <option value={f} />
          ))}
        </datalist>
        {Array.from({ length: ROWS }, (_, i) => (
          <fieldset class="filters">
            <legend>{`${w.condition} ${i + 1}`}</legend>
            <div>
              <label for={`field${i}`}>{w.field}</label>
              <input id={`field${i}`} name={`field${i}`} list="fields" value={input[`field${i}`] ?? ""} />
            </div>
            <div>
              <label for={`op${i}`}>{w.op}</label>
              <select id={`op${i}`} name={`op${i}`}>
                <option value="" />
                {OPS.map((op) => (
                  <option value={op} selected={input[`op${i}`] === op}>
                    {op}
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
          <div>
            <label for="segment-name">{w.name}</label>
            <input id="segment-name" name="name" value={input.name ?? ""} maxlength={100} />
          </div>
          <button type="submit">{w.saveSegment}</button>
        </div>
      </form>
      {await CountSection(props)}
      <LiveFragment form="builder" url="/console/groups" target="count" />
    </Layout>
  );
}
