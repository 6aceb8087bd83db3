// The workspace's sending channels on the settings page: each with its connection's health,
// the webhook addresses to give the provider, its rate and replaceable credentials (never
// shown); and the form for a new one, which comes back as typed after a refusal.
import { TEMPLATED } from "../../channels/kinds";
import type { ConsoleApi } from "../api";
import { CopyField } from "../copy";
import { Field, Hidden } from "../fields";
import { fill, type Lang, term, type Words } from "../i18n";
import { Table } from "../table";
import { whenIn } from "../time";

export type Channel = {
  id: string;
  name: string;
  provider: string;
  config: Record<string, unknown>;
  has_credentials: boolean;
  rate_per_second: number | null;
  default: boolean;
  webhooks: { status: string; inbound: string };
  health: {
    link: "connecting" | "up" | "down" | null;
    since: string | null;
    last_error: string | null;
    last_error_at: string | null;
    waiting: number;
  };
};

// The Chinese clouds first: the provider most shops here contract.
const PROVIDERS = ["aliyun", "tencent", "twilio", "smpp", "simulator"] as const;

// The credential each provider keeps (write-only: the page never shows it).
const SECRET: Record<string, string> = {
  simulator: "secret",
  twilio: "auth_token",
  smpp: "password",
  aliyun: "access_key_secret",
  tencent: "secret_key",
};

const num = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : Number(s));

/** A new channel's settings from the form: each provider names its sender its own way. */
function channelConfig(provider: string, f: Record<string, string>): Record<string, unknown> {
  const from = f.from?.trim() ?? "";
  if (provider === "twilio") return { account_sid: f.account_sid?.trim() ?? "", from };
  if (provider === "smpp") {
    const [host, port] = (f.host ?? "").trim().split(":");
    return { host, port: Number(port || 2775), system_id: f.system_id?.trim() ?? "", source_addr: from };
  }
  if (provider === "aliyun")
    return { access_key_id: f.access_key_id?.trim() ?? "", sign_name: f.aliyun_sign_name?.trim() ?? "" };
  if (provider === "tencent")
    return {
      secret_id: f.secret_id?.trim() ?? "",
      sdk_app_id: f.sdk_app_id?.trim() ?? "",
      sign_name: f.tencent_sign_name?.trim() ?? "",
      ...(f.sign_id?.trim() ? { sign_id: f.sign_id.trim() } : {}),
    };
  return from ? { from } : {};
}

/** A new channel, or a channel's rate, default or credentials changed; the notice to show. */
export async function channelAction(
  p: { w: Words; api: ConsoleApi },
  what: "channel" | "channel-update",
  f: Record<string, string>,
): Promise<string> {
  if (what === "channel") {
    const provider = f.provider ?? "";
    const secret = f.secret ?? "";
    await p.api.post("/v1/channels", {
      name: f.name,
      provider,
      config: channelConfig(provider, f),
      ...(secret && { credentials: { [SECRET[provider] ?? "secret"]: secret } }),
      ...(num(f.rate_per_second) !== undefined && { rate_per_second: num(f.rate_per_second) }),
      default: f.default === "on",
    });
    return p.w.saved;
  }
  const patch: Record<string, unknown> = { rate_per_second: num(f.rate_per_second) ?? null };
  if (f.secret) patch.credentials = { [SECRET[f.provider ?? ""] ?? "secret"]: f.secret };
  if (f.default === "on") patch.default = true;
  await p.api.patch(`/v1/channels/${encodeURIComponent(f.id ?? "")}`, patch);
  return p.w.saved;
}

export function ChannelsSection(props: {
  w: Words;
  lang: Lang;
  csrf: string;
  channels: Channel[];
  zone: string;
  origin: string;
  /** The new-channel form as typed, after a refusal (never its secret). */
  typed: Record<string, string> | undefined;
}) {
  const { w, lang, csrf, channels, zone, origin } = props;
  const v = props.typed ?? {};
  return (
    <>
      <h2 id="ch-h">{w.channels}</h2>
      <p class="muted">{w.channelsHint}</p>
      <Table head={[w.name, w.provider, w.link, w.sender, w.credentials, w.rate, w.webhooks, ""]} label="ch-h">
        {channels.map((ch) => (
          <tr>
            <td data-label={w.name}>
              {ch.name} {ch.default && <span class="badge">{w.defaultChannel}</span>}
            </td>
            <td data-label={w.provider}>
              {term(w, "prov_", ch.provider)}
              {TEMPLATED.has(ch.provider) && (
                <>
                  {" · "}
                  <a href={`/console/settings/channels/${encodeURIComponent(ch.id)}/templates`}>{w.channelTemplates}</a>
                </>
              )}
            </td>
            <td data-label={w.link}>
              <LinkHealth w={w} lang={lang} health={ch.health} zone={zone} />
            </td>
            <td data-label={w.sender}>{senderOf(ch)}</td>
            <td data-label={w.credentials}>{ch.has_credentials ? w.credentialsSet : w.credentialsNone}</td>
            <td data-label={w.rate}>{ch.rate_per_second ?? "–"}</td>
            <td data-label={w.webhooks}>
              {/* SMPP brings receipts and replies over its own connection: no webhook to set up. */}
              {ch.provider === "smpp" ? (
                "–"
              ) : (
                <>
                  {/* Without a configured public address the API gives paths: this page's own address completes them. */}
                  <CopyField
                    id={`in-${ch.id}`}
                    label={w.webhookInbound}
                    value={new URL(ch.webhooks.inbound, origin).href}
                    w={w}
                  />
                  <CopyField
                    id={`st-${ch.id}`}
                    label={w.webhookStatus}
                    value={new URL(ch.webhooks.status, origin).href}
                    w={w}
                  />
                </>
              )}
            </td>
            <td>
              <form method="post" action="/console/settings/channel-update" class="inline">
                <Hidden csrf={csrf} id={ch.id} />
                <input type="hidden" name="provider" value={ch.provider} />
                <label for={`secret-${ch.id}`}>{w.replaceCredentials}</label>
                <input id={`secret-${ch.id}`} name="secret" type="password" autocomplete="off" size={14} />
                <label for={`rate-${ch.id}`}>{w.rate}</label>
                <input
                  id={`rate-${ch.id}`}
                  name="rate_per_second"
                  type="number"
                  min={1}
                  size={5}
                  value={ch.rate_per_second ?? ""}
                />
                {!ch.default && (
                  <label>
                    <input type="checkbox" name="default" /> {w.makeDefault}
                  </label>
                )}
                <button type="submit">{w.save}</button>
              </form>
            </td>
          </tr>
        ))}
      </Table>
      <h3 id="add-channel-h">{w.addChannel}</h3>
      <form method="post" action="/console/settings/channel" class="card filters" aria-labelledby="add-channel-h">
        <Hidden csrf={csrf} />
        <Field id="ch-name" label={w.name}>
          <input id="ch-name" name="name" required maxlength={100} value={v.name ?? ""} />
        </Field>
        <Field id="ch-provider" label={w.provider}>
          <select id="ch-provider" name="provider">
            {PROVIDERS.map((x) => (
              <option value={x} selected={x === v.provider}>
                {term(w, "prov_", x)}
              </option>
            ))}
          </select>
        </Field>
        {/* Each provider's own fields; the page shows those of the chosen one (all, without scripts). */}
        <fieldset class="filters" data-for="aliyun">
          <legend>{w.prov_aliyun}</legend>
          <Field id="ch-ak" label={w.aliyunKeyId}>
            <input id="ch-ak" name="access_key_id" value={v.access_key_id ?? ""} />
          </Field>
          <Field id="ch-ali-sign" label={w.signName}>
            <input id="ch-ali-sign" name="aliyun_sign_name" maxlength={24} value={v.aliyun_sign_name ?? ""} />
          </Field>
        </fieldset>
        <fieldset class="filters" data-for="tencent">
          <legend>{w.prov_tencent}</legend>
          <Field id="ch-tc-id" label={w.tencentSecretId}>
            <input id="ch-tc-id" name="secret_id" value={v.secret_id ?? ""} />
          </Field>
          <Field id="ch-tc-app" label={w.sdkAppId}>
            <input id="ch-tc-app" name="sdk_app_id" inputmode="numeric" value={v.sdk_app_id ?? ""} />
          </Field>
          <Field id="ch-tc-sign" label={w.signName}>
            <input id="ch-tc-sign" name="tencent_sign_name" maxlength={24} value={v.tencent_sign_name ?? ""} />
          </Field>
          <Field id="ch-tc-signid" label={w.signId}>
            <input id="ch-tc-signid" name="sign_id" inputmode="numeric" value={v.sign_id ?? ""} />
          </Field>
        </fieldset>
        <fieldset class="filters" data-for="twilio smpp simulator">
          <legend>{w.otherProviders}</legend>
          <Field id="ch-from" label={w.sender}>
            <input id="ch-from" name="from" value={v.from ?? ""} />
          </Field>
          <Field id="ch-sid" label={w.twilioSid}>
            <input id="ch-sid" name="account_sid" value={v.account_sid ?? ""} />
          </Field>
          <Field id="ch-host" label={w.smppHost}>
            <input id="ch-host" name="host" placeholder="smsc.example.com:2775" value={v.host ?? ""} />
          </Field>
          <Field id="ch-system" label={w.smppSystemId}>
            <input id="ch-system" name="system_id" maxlength={16} value={v.system_id ?? ""} />
          </Field>
        </fieldset>
        <Field id="ch-secret" label={w.secretField}>
          <input id="ch-secret" name="secret" type="password" autocomplete="off" />
        </Field>
        <Field id="ch-rate" label={w.rate}>
          <input id="ch-rate" name="rate_per_second" type="number" min={1} value={v.rate_per_second ?? ""} />
        </Field>
        <div>
          <label>
            <input type="checkbox" name="default" checked={v.default === "on"} /> {w.makeDefault}
          </label>
        </div>
        <button type="submit">{w.addChannel}</button>
      </form>
      <script dangerouslySetInnerHTML={{ __html: PROVIDER_FIELDS }} />
    </>
  );
}

/** Who a channel's messages come from: a number, or (Aliyun, Tencent) the approved signature. */
function senderOf(ch: Channel): string {
  const c = ch.config;
  if (typeof c.sign_name === "string") return `【${c.sign_name}】`;
  return String(c.from ?? c.source_addr ?? "–");
}

// Shows only the chosen provider's fields (a page without scripts shows them all).
const PROVIDER_FIELDS = `
(() => {
  const select = document.getElementById("ch-provider");
  const show = () => {
    for (const fs of document.querySelectorAll("fieldset[data-for]"))
      fs.hidden = !fs.dataset.for.split(" ").includes(select.value);
  };
  select.addEventListener("change", show);
  show();
})();`;

/** A channel's connection as staff read it: its state and since when, the last problem, what waits. */
function LinkHealth({ w, lang, health, zone }: { w: Words; lang: Lang; health: Channel["health"]; zone: string }) {
  const state = {
    up: [w.linkUp, "good"],
    down: [w.linkDown, "bad"],
    connecting: [w.linkConnecting, ""],
  } as const;
  const [label, tone] = health.link ? state[health.link] : [w.linkUnknown, ""];
  return (
    <>
      <span class={`badge ${tone}`}>{label}</span>
      {health.since && <span class="muted"> {fill(w.linkSince, { time: whenIn(health.since, zone, lang) })}</span>}
      {health.link === "down" && health.last_error_at && (
        <details>
          <summary>{fill(w.linkLastError, { time: whenIn(health.last_error_at, zone, lang) })}</summary>
          {/* The provider's own words, for whoever looks after the connection. */}
          <p class="muted">{health.last_error}</p>
        </details>
      )}
      {health.waiting > 0 && <p>{fill(w.linkWaiting, { n: health.waiting })}</p>}
    </>
  );
}
