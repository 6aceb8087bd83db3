import type { ConsoleApi } from "../api";
import { Field, Hidden, RowButton } from "../fields";
import { fill, type Lang, term, type Words } from "../i18n";
import { Layout, Notice } from "../layout";
import { templateNames } from "../names";
import { Table } from "../table";

type Action = { type: string; text?: string; template?: string; group?: string; question?: string; event?: string };
type Keyword = {
  id: string;
  name: string;
  words: string[];
  match: string;
  actions: Action[];
  groups: string[];
  enabled: boolean;
  starts_at: string | null;
  ends_at: string | null;
  preset: string | null;
};
type Stats = {
  keywords: { keyword_id: string; uses: number; successes: number; failures: number }[];
  inbound: number;
  unmatched: number;
  unmatched_rate: number | null;
};
type Group = { id: string; name: string; code: string | null };
type Props = {
  lang: Lang;
  w: Words;
  who: { scope: string; csrf: string };
  api: ConsoleApi;
  notice?: string | undefined;
};

const MATCHES = ["whole", "first_word", "prefix"] as const;

/** What each keyword form asks of the API; the notice to show after it. */
export async function keywordAction(
  p: { w: Words; api: ConsoleApi },
  what: string,
  f: Record<string, string>,
): Promise<string> {
  const { api, w } = p;
  const id = encodeURIComponent(f.id ?? "");
  switch (what) {
    case "create": {
      const actions: Record<string, string>[] = [];
      if (f.reply?.trim()) actions.push({ type: "reply", text: f.reply.trim() });
      if (f.join) actions.push({ type: "add_to_group", group: f.join });
      if (f.leave) actions.push({ type: "remove_from_group", group: f.leave });
      await api.post("/v1/keywords", {
        name: f.name,
        words: (f.words ?? "")
          .split(/[,，]/)
          .map((x) => x.trim())
          .filter(Boolean),
        match: f.match,
        argument: null,
        actions,
        failure_reply: null,
        groups: f.only ? [f.only] : [],
        starts_at: null,
        ends_at: null,
        enabled: true,
      });
      return w.saved;
    }
    case "preset":
      await api.post("/v1/keywords", { preset: "card_activation" });
      return w.saved;
    case "enable":
    case "disable":
      await api.patch(`/v1/keywords/${id}`, { enabled: what === "enable" });
      return w.saved;
    case "delete":
      await api.delete(`/v1/keywords/${id}`);
      return w.removed;
    default:
      return `!${w.notFound}`;
  }
}

/** A clash with another keyword or a compliance word, in the reader's words (the other keyword by name). */
/** One line on what a keyword does, in the reader's words. */
function doesText(w: Words, k: Keyword, groups: Map<string, string>, template: (key: string) => string): string {
  const g = (x: string | undefined) => groups.get(x ?? "") ?? x ?? "";
  return k.actions
    .map((a) => {
      if (a.type === "reply")
        return a.text ? fill(w.actReply, { text: a.text }) : fill(w.actTemplate, { t: template(a.template ?? "") });
      if (a.type === "add_to_group") return fill(w.actJoin, { g: g(a.group) });
      if (a.type === "remove_from_group") return fill(w.actLeave, { g: g(a.group) });
      if (a.type === "activate_card") return w.actActivate;
      if (a.type === "record_response" || a.type === "start_survey") return w.actSurvey;
      if (a.type === "record_event") return fill(w.actEvent, { e: term(w, "ev_", a.event ?? "") });
      return term(w, "act_", a.type);
    })
    .join("; ");
}

/** Keywords customers and staff can text in, how much each is used (30 days), and a form for a new one. */
export async function KeywordsPage(
  props: Props & { /** The new-keyword form as typed, after a refusal. */ typed?: Record<string, string> },
) {
  const { w, api, lang } = props;
  const list = (await api.get<{ data: Keyword[] }>("/v1/keywords")).data;
  const stats = await api.get<Stats>("/v1/keywords/stats?interval=week");
  const groupList = (await api.get<{ data: Group[] }>("/v1/groups")).data;
  const groups = new Map<string, string>();
  for (const g of groupList) {
    groups.set(g.id, g.name);
    if (g.code) groups.set(g.code, g.name);
  }
  const used = new Map(stats.keywords.map((k) => [k.keyword_id, k]));
  const templates = await templateNames(api, lang);
  const csrf = props.who.csrf;
  const typed = props.typed ?? {};
  const groupOptions = (chosen: string | undefined) =>
    groupList.map((g) => (
      <option value={g.id} selected={g.id === chosen}>
        {g.code ? `${g.code} · ${g.name}` : g.name}
      </option>
    ));
  return (
    <Layout lang={lang} w={w} title={w.keywords} page="keywords" who={props.who}>
      <Notice text={props.notice} />
      <p>
        {fill(w.unmatchedLine, {
          n: stats.inbound,
          u: stats.unmatched,
          pct: stats.unmatched_rate === null ? "–" : `${Math.round(stats.unmatched_rate * 100)}%`,
        })}
      </p>
      {list.length === 0 ? (
        <p class="muted">{w.noKeywords}</p>
      ) : (
        <Table head={[w.name, w.words, w.does, w.uses30, w.succeeded, w.failed, w.status, ""]}>
          {list.map((k) => {
            const s = used.get(k.id);
            return (
              <tr>
                <td data-label={w.name}>{k.name}</td>
                <td data-label={w.words}>
                  {k.words.map((x) => (
                    <code class="badge">{x}</code>
                  ))}{" "}
                  <span class="muted">{w[`match_${k.match as (typeof MATCHES)[number]}`] ?? k.match}</span>
                  {k.groups.length > 0 && (
                    <span class="muted">
                      {" "}
                      · {fill(w.onlyFor, { g: k.groups.map((x) => groups.get(x) ?? x).join(", ") })}
                    </span>
                  )}
                </td>
                <td data-label={w.does}>{doesText(w, k, groups, templates.title)}</td>
                <td data-label={w.uses30}>{s?.uses ?? 0}</td>
                <td data-label={w.succeeded}>{s?.successes ?? 0}</td>
                <td data-label={w.failed}>{s?.failures ?? 0}</td>
                <td data-label={w.status}>{k.enabled ? w.on : w.off}</td>
                <td>
                  <RowButton
                    action={`/console/keywords/${k.enabled ? "disable" : "enable"}`}
                    csrf={csrf}
                    id={k.id}
                    label={k.enabled ? w.turnOff : w.turnOn}
                    row={k.name}
                  />
                  <RowButton action="/console/keywords/delete" csrf={csrf} id={k.id} label={w.remove} row={k.name} />
                </td>
              </tr>
            );
          })}
        </Table>
      )}

      <h2 id="new-kw-h">{w.newKeyword}</h2>
      <form method="post" action="/console/keywords/create" class="card" aria-labelledby="new-kw-h">
        <Hidden csrf={csrf} />
        <div class="filters">
          <Field id="kw-name" label={w.name}>
            <input id="kw-name" name="name" required maxlength={100} value={typed.name ?? ""} />
          </Field>
          <Field id="kw-words" label={w.wordsHint}>
            <input id="kw-words" name="words" required placeholder="YOGA, 瑜伽" value={typed.words ?? ""} />
          </Field>
          <Field id="kw-match" label={w.matchHow}>
            <select id="kw-match" name="match">
              {MATCHES.map((m) => (
                <option value={m} selected={m === typed.match}>
                  {w[`match_${m}`]}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div class="filters">
          <Field id="kw-reply" label={w.replyWith}>
            <input id="kw-reply" name="reply" maxlength={1000} size={40} value={typed.reply ?? ""} />
          </Field>
          <Field id="kw-join" label={w.joinGroup}>
            <select id="kw-join" name="join">
              <option value="">{w.none}</option>
              {groupOptions(typed.join)}
            </select>
          </Field>
          <Field id="kw-leave" label={w.leaveGroup}>
            <select id="kw-leave" name="leave">
              <option value="">{w.none}</option>
              {groupOptions(typed.leave)}
            </select>
          </Field>
          <Field id="kw-only" label={w.onlyMembersOf}>
            <select id="kw-only" name="only">
              <option value="">{w.everyone}</option>
              {groupOptions(typed.only)}
            </select>
          </Field>
        </div>
        <button type="submit">{w.addKeyword}</button>
      </form>
      {!list.some((k) => k.preset === "card_activation") && (
        <form method="post" action="/console/keywords/preset" class="card">
          <Hidden csrf={csrf} />
          <p class="muted">{w.presetHint}</p>
          <button type="submit">{w.addPreset}</button>
        </form>
      )}
    </Layout>
  );
}
