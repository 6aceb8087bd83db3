// The workspace's webhooks: the addresses of its own systems that are told of events, each with
// its events and state, a test button and its deliveries (when, what, the answer, again); a new
// address's signing secret is shown once, on the page that answers the form.
import { WEBHOOK_EVENTS } from "../../db/schema";
import type { ConsoleApi } from "../api";
import { CopyField, CopyScript } from "../copy";
import { Field, Hidden, RowButton } from "../fields";
import { fill, type Lang, term, type Words } from "../i18n";
import { Layout, Notice } from "../layout";
import { Table } from "../table";
import { whenIn } from "../time";

type Endpoint = {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  disabled_reason: string | null;
};
type Delivery = {
  id: string;
  event_type: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  next_attempt_at: string | null;
  response_status: number | null;
  latency_ms: number | null;
  response: string | null;
  created_at: string;
};
type Props = {
  lang: Lang;
  w: Words;
  who: { scope: string; csrf: string };
  api: ConsoleApi;
  notice?: string | undefined;
  /** Just made: its secret, shown this once. */
  created?: { url: string; secret: string };
  /** The add form as typed, after a refusal. */
  typed?: Record<string, string>;
};

/** What a person subscribes to (the test event is sent on request, whatever the subscription). */
const CHOOSABLE = WEBHOOK_EVENTS.filter((e) => e !== "webhook.test");
const TONE: Record<string, string> = { delivered: "good", failed: "bad" };
export const HOOKS = "/console/settings/webhooks";

function eventsWords(w: Words, events: string[]): string {
  return events.includes("*") ? term(w, "wh_", "all") : events.map((e) => term(w, "wh_", e)).join(" · ");
}

/** Adds an address from the form; its secret, to show once. */
export async function addWebhook(p: { api: ConsoleApi }, f: Record<string, string>) {
  const events = f.scope === "chosen" ? CHOOSABLE.filter((e) => f[`ev_${e}`] === "on") : ["*"];
  const made = await p.api.post<{ url: string; secret: string }>("/v1/webhooks", { url: (f.url ?? "").trim(), events });
  return { url: made.url, secret: made.secret };
}

/** Test, turn off or on, remove, or send a delivery again; the notice to show. */
export async function webhookAction(p: { w: Words; api: ConsoleApi }, what: string, f: Record<string, string>) {
  const id = encodeURIComponent(f.id ?? "");
  if (what === "test") {
    await p.api.post(`/v1/webhooks/${id}/test`, {});
    return p.w.hookTestSent;
  }
  if (what === "on" || what === "off") await p.api.patch(`/v1/webhooks/${id}`, { active: what === "on" });
  else if (what === "delete") {
    await p.api.delete(`/v1/webhooks/${id}`);
    return p.w.removed;
  } else if (what === "redeliver") {
    const [hook = "", delivery = ""] = (f.id ?? "").split("|").map(encodeURIComponent);
    await p.api.post(`/v1/webhooks/${hook}/deliveries/${delivery}/redeliver`, {});
    return p.w.hookRedelivered;
  }
  return p.w.saved;
}

function StateBadge({ w, e }: { w: Words; e: Endpoint }) {
  return (
    <>
      <span class={`badge ${e.active ? "good" : "bad"}`}>{e.active ? w.hookOn : w.hookOff}</span>
      {!e.active && e.disabled_reason && (
        <span class="muted"> {fill(w.hookTurnedOff, { reason: e.disabled_reason })}</span>
      )}
    </>
  );
}

export async function WebhooksPage(props: Props) {
  const { w, lang, api } = props;
  const csrf = props.who.csrf;
  const hooks = (await api.get<{ data: Endpoint[] }>("/v1/webhooks")).data;
  const v = props.typed ?? {};
  const chosen = v.scope === "chosen";
  return (
    <Layout lang={lang} w={w} title={w.hooksTitle} page="settings" who={props.who}>
      <p>
        <a href="/console/settings">{w.settings}</a>
      </p>
      <Notice text={props.notice} />
      <p class="muted">{w.webhooksIntro}</p>
      {props.created && (
        <section class="card" aria-labelledby="secret-h">
          <h2 id="secret-h">{w.hookSecretTitle}</h2>
          <CopyField id="hook-secret" label={props.created.url} value={props.created.secret} w={w} />
          <p class="muted">{w.hookSecretHint}</p>
        </section>
      )}
      <h2 id="hooks-h">{w.hooksTitle}</h2>
      {hooks.length === 0 ? (
        <p class="muted">{w.hookNone}</p>
      ) : (
        <Table head={[w.hookAddress, w.hookEvents, w.hookState, ""]} label="hooks-h">
          {hooks.map((e) => (
            <tr>
              <td data-label={w.hookAddress}>
                <a href={`${HOOKS}/${encodeURIComponent(e.id)}`}>{e.url}</a>
              </td>
              <td data-label={w.hookEvents}>{eventsWords(w, e.events)}</td>
              <td data-label={w.hookState}>
                <StateBadge w={w} e={e} />
              </td>
              <td>
                <RowButton action={`${HOOKS}/test`} csrf={csrf} id={e.id} label={w.hookTest} row={e.url} />{" "}
                <RowButton
                  action={`${HOOKS}/${e.active ? "off" : "on"}`}
                  csrf={csrf}
                  id={e.id}
                  label={e.active ? w.hookTurnOff : w.hookTurnOn}
                  row={e.url}
                />{" "}
                <RowButton action={`${HOOKS}/delete`} csrf={csrf} id={e.id} label={w.hookDelete} row={e.url} />
              </td>
            </tr>
          ))}
        </Table>
      )}
      <h2 id="add-h">{w.hookAdd}</h2>
      <form method="post" action={HOOKS} class="card" aria-labelledby="add-h">
        <Hidden csrf={csrf} />
        <input type="hidden" name="once" value={crypto.randomUUID()} />
        <Field id="hook-url" label={w.hookAddress}>
          <input
            id="hook-url"
            name="url"
            type="url"
            required
            maxlength={2000}
            placeholder="https://crm.example.com/tidings"
            value={v.url ?? ""}
          />
        </Field>
        <fieldset>
          <legend>{w.hookEvents}</legend>
          <label>
            <input type="radio" name="scope" value="all" checked={!chosen} /> {w.hookAllEvents}
          </label>
          <label>
            <input type="radio" name="scope" value="chosen" checked={chosen} /> {w.hookChosenEvents}
          </label>
          {CHOOSABLE.map((e) => (
            <label class="check">
              <input type="checkbox" name={`ev_${e}`} checked={v[`ev_${e}`] === "on"} /> {term(w, "wh_", e)}
            </label>
          ))}
        </fieldset>
        <button type="submit">{w.hookAddButton}</button>
      </form>
      <CopyScript copied={w.copied} />
    </Layout>
  );
}

/** One address: its state, a test button and its latest deliveries, each sendable again. */
export async function WebhookDeliveriesPage(props: Props & { id: string }) {
  const { w, lang, api } = props;
  const csrf = props.who.csrf;
  const id = encodeURIComponent(props.id);
  const hook = await api.find<Endpoint>(`/v1/webhooks/${id}`);
  if (!hook) return null;
  const zone = (await api.get<{ time_zone: string }>("/v1/tenant")).time_zone;
  const log = (await api.get<{ data: Delivery[] }>(`/v1/webhooks/${id}/deliveries?limit=100`)).data;
  const back = `${HOOKS}/${id}`;
  return (
    <Layout lang={lang} w={w} title={fill(w.hookTitle, { url: hook.url })} page="settings" who={props.who}>
      <p>
        <a href="/console/settings">{w.settings}</a> › <a href={HOOKS}>{w.hooksTitle}</a>
      </p>
      <Notice text={props.notice} />
      <p>
        <strong>{hook.url}</strong> <StateBadge w={w} e={hook} />
      </p>
      <p class="muted">
        {w.hookEvents}: {eventsWords(w, hook.events)}
      </p>
      <form method="post" action={`${HOOKS}/test`} class="inline">
        <Hidden csrf={csrf} id={hook.id} />
        <input type="hidden" name="back" value={back} />
        <button type="submit">{w.hookTest}</button>
      </form>
      <h2 id="log-h">{w.hookDeliveries}</h2>
      {log.length === 0 ? (
        <p class="muted">{w.hookNoDeliveries}</p>
      ) : (
        <Table
          head={[w.hookWhen, w.hookEvent, w.hookResult, w.hookAttempts, w.hookTook, w.hookAnswer, ""]}
          label="log-h"
        >
          {log.map((d) => (
            <tr>
              <td data-label={w.hookWhen}>{whenIn(d.created_at, zone, lang)}</td>
              <td data-label={w.hookEvent}>{term(w, "wh_", d.event_type)}</td>
              <td data-label={w.hookResult}>
                <span class={`badge ${TONE[d.status] ?? ""}`}>{term(w, "hd_", d.status)}</span>
                {d.response_status !== null && (
                  <span class="muted"> {fill(w.hookHttp, { status: d.response_status })}</span>
                )}
                {d.next_attempt_at && (
                  <span class="muted"> · {fill(w.hookNextTry, { time: whenIn(d.next_attempt_at, zone, lang) })}</span>
                )}
              </td>
              <td data-label={w.hookAttempts}>{d.attempts}</td>
              <td data-label={w.hookTook}>{d.latency_ms === null ? "–" : fill(w.hookMs, { ms: d.latency_ms })}</td>
              <td data-label={w.hookAnswer}>
                <span class="muted">{(d.response ?? "").slice(0, 120) || "–"}</span>
              </td>
              <td>
                {d.status !== "pending" && (
                  <form method="post" action={`${HOOKS}/redeliver`} class="inline">
                    <Hidden csrf={csrf} id={`${hook.id}|${d.id}`} />
                    <input type="hidden" name="back" value={back} />
                    <button type="submit" class="link">
                      {w.hookRedeliver}
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </Layout>
  );
}
