import { type ConsoleApi, refusal } from "../api";
import { Field, Hidden, RowButton } from "../fields";
import { fill, type Lang, type Words } from "../i18n";
import { Layout, Notice, Problem } from "../layout";
import { LiveFragment } from "../live";
import type { Attribute } from "../names";
import { refusalText } from "../refusal";
import { Table } from "../table";
import { BuilderRows, type FieldDef, fieldsFor, filterOf, rowsOf } from "./segment-builder";

type Group = {
  id: string;
  name: string;
  code: string | null;
  kind: "static" | "segment";
  filter: unknown;
  member_count: number | null;
};
type Props = { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi };

/** The builder's fields: the profile's and the workspace's own details, with their known values. */
export async function builderFields(api: ConsoleApi, w: Words, listed?: Group[]): Promise<FieldDef[]> {
  const tiers = (await api.get<{ tiers: string[] }>("/v1/tenant")).tiers;
  const attributes = (await api.get<{ data: Attribute[] }>("/v1/attributes")).data;
  const groups = listed ?? (await api.get<{ data: Group[] }>("/v1/groups")).data;
  return fieldsFor(w, { tiers, attributes, groups });
}

/** Count and sample of the form's filter: the builder's script swaps this in as rows change. */
export async function CountSection(props: Props & { input: Record<string, string>; fields?: FieldDef[] }) {
  const { w, api } = props;
  const filter = filterOf(props.input, props.fields ?? (await builderFields(api, w)));
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
          {r.count > 0 && (
            <>
              {" · "}
              <a href={`/console/customers?${new URLSearchParams({ filter: JSON.stringify(filter) })}`}>{w.seeAll}</a>
            </>
          )}
        </p>
        <ul>
          {r.sample.map((c) => (
            <li>
              <a href={`/console/customers/${c.id}`}>{c.name ?? c.phone ?? w.noName}</a>
            </li>
          ))}
        </ul>
      </section>
    );
  } catch (e) {
    return (
      <section id="count" aria-live="polite">
        <Problem text={refusalText(refusal(e), w, props.lang)} />
      </section>
    );
  }
}

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

/** Groups and segments (a segment with its count now), and a segment builder with a live count and sample. */
export async function GroupsPage(
  props: Props & { input: Record<string, string>; error?: string; notice?: string | undefined },
) {
  const { w, api } = props;
  const groups = (await api.get<{ data: Group[] }>("/v1/groups")).data;
  const fields = await builderFields(api, w, groups);
  const counts = new Map<string, number>();
  for (const g of groups.filter((x) => x.kind === "segment")) {
    // A segment whose conditions no longer hold (a tier since removed) still lists, to be edited.
    const preview = await api.get<{ count: number }>(`/v1/groups/${g.id}/preview?sample=0`).catch((e) => {
      refusal(e);
      return null;
    });
    if (preview) counts.set(g.id, preview.count);
  }
  // Editing a saved segment: its rows, unless the form already carries what was typed.
  const editing = props.input.edit ? groups.find((g) => g.id === props.input.edit && g.kind === "segment") : undefined;
  const saved = editing && !props.input.field0 ? rowsOf(editing.filter, fields) : null;
  const input = saved ? { ...props.input, ...saved, name: editing?.name ?? "" } : props.input;
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
            <td data-label={w.members}>{g.member_count ?? counts.get(g.id) ?? "–"}</td>
            <td>
              {g.kind === "segment" && (
                <>
                  <a href={`/console/groups?edit=${g.id}#builder-h`} aria-label={`${w.edit}: ${g.name}`}>
                    {w.edit}
                  </a>{" "}
                </>
              )}
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
      <h2 id="builder-h">{editing ? fill(w.editSegment, { name: editing.name }) : w.newSegment}</h2>
      {editing && !saved && !props.input.field0 && <p class="muted">{w.segmentTooComplex}</p>}
      <Problem text={props.error} />
      <form id="builder" method="post" action="/console/groups" class="card" aria-labelledby="builder-h">
        <input type="hidden" name="_csrf" value={props.who.csrf} />
        {editing && <input type="hidden" name="edit" value={editing.id} />}
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
        <BuilderRows w={w} fields={fields} input={input} />
        {await CountSection({ ...props, input, fields })}
        <div class="filters">
          <Field id="segment-name" label={w.name}>
            <input id="segment-name" name="name" value={input.name ?? ""} maxlength={100} />
          </Field>
          <button type="submit">{editing ? w.saveChanges : w.saveSegment}</button>
          {editing && <a href="/console/groups#builder-h">{w.cancelEdit}</a>}
        </div>
      </form>
      <LiveFragment form="builder" url="/console/groups" target="count" />
    </Layout>
  );
}
