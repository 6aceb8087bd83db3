import { displayPhone } from "../../lib/phone";
import type { ConsoleApi } from "../api";
import { type Lang, term, type Words } from "../i18n";
import { Layout, Notice } from "../layout";
import { whenIn } from "../time";

export const CATEGORIES = ["complaint", "suggestion", "vote", "question", "other"] as const;
type Category = (typeof CATEGORIES)[number];

type Item = {
  id: string;
  category: Category;
  status: "open" | "done";
  flag: string | null;
  text: string;
  customer: { id: string; name: string | null; phone: string | null; tier: string | null };
  assignee_id: string | null;
  received_at: string;
  due_at: string;
  overdue: boolean;
  replied_at: string | null;
};
type Props = { lang: Lang; w: Words; who: { scope: string; csrf: string }; api: ConsoleApi };

function hoursLeft(dueAt: string, now: number): number {
  return Math.round((Date.parse(dueAt) - now) / 3_600_000);
}

/** Open (or done) items by category, each answerable, assignable and closable in place. */
export async function InboxPage(props: Props & { query: Record<string, string>; now: number; notice?: string }) {
  const { w, api, lang } = props;
  const category = CATEGORIES.find((c) => c === props.query.category);
  const status = props.query.status === "done" ? "done" : "open";
  const q = new URLSearchParams({ status, limit: "100", ...(category && { category }) });
  const list = await api.get<{ data: Item[]; counts: Record<string, { open: number; done: number }> }>(
    `/v1/inbox?${q}`,
  );
  const staff = (await api.get<{ data: { id: string; name: string }[] }>("/v1/staff")).data;
  const staffName = new Map(staff.map((s) => [s.id, s.name]));
  const here = `/console/inbox?${new URLSearchParams({ status, ...(category && { category }) })}`;
  const tenant = await api.get<{ time_zone: string; default_country: string }>("/v1/tenant");
  const zone = tenant.time_zone;
  const when = (iso: string) => whenIn(iso, zone, lang);
  const tab = (c: Category | undefined, label: string, n: number) => (
    <li>
      <a
        href={`/console/inbox?${new URLSearchParams({ status, ...(c && { category: c }) })}`}
        aria-current={c === category ? "page" : undefined}
      >
        {label} <span class="badge">{n}</span>
      </a>
    </li>
  );
  const total = Object.values(list.counts).reduce((n, c) => n + c[status], 0);
  const hidden = (
    <>
      <input type="hidden" name="_csrf" value={props.who.csrf} />
      <input type="hidden" name="back" value={here} />
    </>
  );
  return (
    <Layout lang={lang} w={w} title={w.inbox} page="inbox" who={props.who}>
      <Notice text={props.notice} />
      <nav aria-label={w.inbox} class="tabs">
        <ul>
          {tab(undefined, w.all, total)}
          {CATEGORIES.map((c) => tab(c, w[`cat_${c}`], list.counts[c]?.[status] ?? 0))}
        </ul>
        <p>
          <a href={`/console/inbox?${new URLSearchParams({ status: status === "open" ? "done" : "open" })}`}>
            {status === "open" ? w.showDone : w.showOpen}
          </a>{" "}
          ·{" "}
          <a href={`/console/export/inbox?${new URLSearchParams({ status, ...(category ? { category } : {}) })}`}>
            {w.exportCsv}
          </a>
        </p>
      </nav>
      {category && status === "open" && list.data.length > 0 && (
        <form method="post" action="/console/inbox/reply" class="card">
          {hidden}
          <input type="hidden" name="category" value={category} />
          <label for="reply-all">{w.replyAll.replace("{n}", String(list.data.length))}</label>
          <textarea id="reply-all" name="text" rows={2} required maxlength={1000} />
          <button type="submit">{w.sendReply}</button>
        </form>
      )}
      {list.data.length === 0 ? (
        <p class="muted">{w.inboxEmpty}</p>
      ) : (
        <ol class="timeline">
          {list.data.map((item) => {
            const left = hoursLeft(item.due_at, props.now);
            return (
              <li aria-labelledby={`item-${item.id}`}>
                <p id={`item-${item.id}`}>
                  <a href={`/console/customers/${item.customer.id}`}>
                    {item.customer.name ??
                      (item.customer.phone ? displayPhone(item.customer.phone, tenant.default_country) : w.noName)}
                  </a>
                  {item.customer.tier && <span class="badge">{item.customer.tier}</span>}{" "}
                  <span class="badge">{w[`cat_${item.category}`]}</span>{" "}
                  {item.status === "open" &&
                    (item.overdue ? (
                      <span class="badge bad">{w.overdue}</span>
                    ) : (
                      <span class="badge">{w.dueIn.replace("{h}", String(Math.max(0, left)))}</span>
                    ))}
                  {item.flag && <span class="badge bad">{term(w, "flag_", item.flag)}</span>}{" "}
                  <time class="muted" datetime={item.received_at}>
                    {when(item.received_at)}
                  </time>
                </p>
                <blockquote>{item.text}</blockquote>
                {item.status === "open" ? (
                  <div class="filters">
                    <form method="post" action={`/console/inbox/${item.id}/reply`}>
                      {hidden}
                      <label for={`reply-${item.id}`}>{w.reply}</label>
                      <textarea id={`reply-${item.id}`} name="text" rows={2} required maxlength={1000} />
                      <button type="submit">{w.sendReply}</button>
                    </form>
                    <form method="post" action={`/console/inbox/${item.id}`}>
                      {hidden}
                      <label for={`assign-${item.id}`}>{w.assignee}</label>
                      <select id={`assign-${item.id}`} name="assignee_id">
                        <option value="">{w.unassigned}</option>
                        {staff.map((s) => (
                          <option value={s.id} selected={item.assignee_id === s.id}>
                            {s.name}
                          </option>
                        ))}
                      </select>{" "}
                      <button type="submit" name="action" value="assign">
                        {w.assign}
                      </button>{" "}
                      <button type="submit" name="action" value="done">
                        {w.markDone}
                      </button>
                    </form>
                  </div>
                ) : (
                  <form method="post" action={`/console/inbox/${item.id}`}>
                    {hidden}
                    <span class="muted">
                      {item.assignee_id ? staffName.get(item.assignee_id) : ""}{" "}
                      {item.replied_at ? `${w.replied} ${when(item.replied_at)}` : ""}
                    </span>{" "}
                    <button type="submit" name="action" value="reopen" class="link">
                      {w.reopen}
                    </button>
                  </form>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </Layout>
  );
}
