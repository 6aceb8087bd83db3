import type { Plan } from "../../db/schema";
import type { ConsoleApi } from "../api";
import { CopyScript } from "../copy";
import { Field, Hidden, NumberField, RowButton, Select } from "../fields";
import { fill, type Lang, type Words } from "../i18n";
import { Layout, Notice } from "../layout";
import { Table } from "../table";
import { type Channel, ChannelsSection, channelAction } from "./settings-channels";
import { HOOKS } from "./webhooks";

type Tenant = {
  name: string;
  slug: string;
  time_zone: string;
  brand_signature: string;
  quiet_hours: { start: string; end: string } | null;
  frequency_cap: { messages: number; days: number } | null;
  monthly_segment_cap: number | null;
  control_group: { share: number } | null;
  plan: Plan;
  pending_plan: { effective_month: string; plan: Plan } | null;
};
/** The control group shares the form offers. */
const CONTROL_SHARES = ["0", "0.02", "0.05", "0.1"];

type Staff = {
  id: string;
  name: string;
  phone: string | null;
  email: string | null;
  role: string;
  console_login: boolean;
};
type Usage = {
  proactive_segments: number;
  allowance_segments: number | null;
  cap: { monthly_segments: number; remaining: number } | null;
  cost: { currency: string; total: number };
};
type Props = {
  lang: Lang;
  w: Words;
  who: { scope: string; csrf: string };
  api: ConsoleApi;
  notice?: string | undefined;
};

const ROLES = ["admin", "operator", "viewer"] as const;

const num = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : Number(s));

function planText(w: Words, p: Plan): string {
  return p.type === "package"
    ? fill(w.planPackage, {
        fee: p.monthly_fee,
        n: p.allowance_segments,
        over: p.overage_price_per_segment,
        cur: p.currency,
      })
    : fill(w.planPerSegment, { price: p.price_per_segment, cur: p.currency });
}

/** What each settings form asks of the API; the notice to show after it. */
export async function settingsAction(
  p: { w: Words; api: ConsoleApi },
  what: string,
  f: Record<string, string>,
): Promise<string> {
  const { api, w } = p;
  switch (what) {
    case "workspace": {
      const cap = num(f.cap_messages) ?? num(f.cap_days);
      await api.patch("/v1/tenant", {
        name: f.name,
        brand_signature: f.brand_signature,
        time_zone: f.time_zone,
        quiet_hours: f.quiet === "on" ? { start: f.quiet_start, end: f.quiet_end } : null,
        frequency_cap: cap === undefined ? null : { messages: num(f.cap_messages), days: num(f.cap_days) },
        monthly_segment_cap: num(f.monthly_segment_cap) ?? null,
        control_group: Number(f.control_share) > 0 ? { share: Number(f.control_share) } : null,
      });
      return w.saved;
    }
    case "plan": {
      const plan =
        f.plan_type === "package"
          ? {
              type: "package",
              currency: f.currency,
              monthly_fee: num(f.monthly_fee),
              allowance_segments: num(f.allowance_segments),
              overage_price_per_segment: num(f.overage_price_per_segment),
            }
          : { type: "pay_per_segment", currency: f.currency, price_per_segment: num(f.price_per_segment) };
      await api.patch("/v1/tenant", { plan });
      return w.planSaved;
    }
    case "staff":
      await api.post("/v1/staff", {
        name: f.name,
        role: f.role,
        ...(f.phone?.trim() && { phone: f.phone.trim() }),
        ...(f.email?.trim() && { email: f.email.trim() }),
        ...(f.password && { password: f.password }),
      });
      return w.saved;
    case "staff-update":
      await api.patch(`/v1/staff/${encodeURIComponent(f.id ?? "")}`, {
        role: f.role,
        phone: f.phone?.trim() || null,
        ...(f.password && { password: f.password }),
      });
      return w.saved;
    case "staff-remove":
      await api.delete(`/v1/staff/${encodeURIComponent(f.id ?? "")}`);
      return w.removed;
    case "channel":
    case "channel-update":
      return channelAction(p, what, f);
    default:
      return `!${w.notFound}`;
  }
}

/**
 * The workspace's settings: name, signature, time zone, quiet hours and caps; the plan (a change
 * takes effect next month); staff with their phones and console roles; sending channels, whose
 * credentials can be replaced but are never shown. Only an admin may change them (the API says so).
 */
export async function SettingsPage(
  props: Props & {
    origin: string;
    /** A form as typed (`workspace`, `plan`, `staff` or `channel`), after the API refused it. */
    typed?: { form: string; values: Record<string, string> };
  },
) {
  const { w, api, lang } = props;
  const t = await api.get<Tenant>("/v1/tenant");
  const staff = (await api.get<{ data: Staff[] }>("/v1/staff")).data;
  const channels = (await api.get<{ data: Channel[] }>("/v1/channels")).data;
  const usage = await api.get<Usage>("/v1/usage");
  const csrf = props.who.csrf;
  const admin = props.who.scope === "admin";
  const plan = t.plan;
  const typedFor = (form: string) => (props.typed?.form === form ? props.typed.values : undefined);
  const typed = typedFor("staff") ?? {};
  // What the workspace and plan forms show: as typed after a refusal, else as stored.
  const ws = typedFor("workspace");
  const pl = typedFor("plan");
  const wv = (key: string, stored: string | number | null | undefined) => (ws ? (ws[key] ?? "") : (stored ?? ""));
  const pv = (key: string, stored: string | number | null | undefined) => (pl ? (pl[key] ?? "") : (stored ?? ""));
  const planType = pl?.plan_type ?? plan.type;
  return (
    <Layout lang={lang} w={w} title={w.settings} page="settings" who={props.who}>
      <Notice text={props.notice} />
      {!admin && <p class="muted">{w.adminsOnly}</p>}

      <h2 id="ws-h">{w.workspaceSettings}</h2>
      <form method="post" action="/console/settings/workspace" class="card" aria-labelledby="ws-h">
        <Hidden csrf={csrf} />
        <div class="filters">
          <Field id="ws-name" label={w.name}>
            <input id="ws-name" name="name" required maxlength={200} value={wv("name", t.name)} />
          </Field>
          <Field id="brand_signature" label={w.signature}>
            <input
              id="brand_signature"
              name="brand_signature"
              maxlength={40}
              value={wv("brand_signature", t.brand_signature)}
            />
          </Field>
          <Field id="time_zone" label={w.timeZone}>
            <input id="time_zone" name="time_zone" required value={wv("time_zone", t.time_zone)} />
          </Field>
        </div>
        <fieldset class="filters">
          <legend>{w.quietHours}</legend>
          <div>
            <label>
              <input type="checkbox" name="quiet" checked={ws ? ws.quiet === "on" : t.quiet_hours !== null} />{" "}
              {w.quietOn}
            </label>
          </div>
          <Field id="quiet_start" label={w.from}>
            <input
              id="quiet_start"
              name="quiet_start"
              type="time"
              value={wv("quiet_start", t.quiet_hours?.start ?? "21:00")}
            />
          </Field>
          <Field id="quiet_end" label={w.until}>
            <input id="quiet_end" name="quiet_end" type="time" value={wv("quiet_end", t.quiet_hours?.end ?? "08:00")} />
          </Field>
        </fieldset>
        <fieldset class="filters">
          <legend>{w.caps}</legend>
          <NumberField
            id="cap_messages"
            label={w.capMessages}
            min={1}
            max={100}
            value={wv("cap_messages", t.frequency_cap?.messages)}
          />
          <NumberField
            id="cap_days"
            label={w.capDays}
            min={1}
            max={365}
            value={wv("cap_days", t.frequency_cap?.days)}
          />
          <NumberField
            id="monthly_segment_cap"
            label={w.monthlyCap}
            min={0}
            value={wv("monthly_segment_cap", t.monthly_segment_cap)}
          />
        </fieldset>
        <p class="muted">{w.capsHint}</p>
        <fieldset class="filters">
          <legend>{w.cgTitle}</legend>
          <Field id="control_share" label={w.cgShare}>
            <Select
              id="control_share"
              value={String(wv("control_share", String(t.control_group?.share ?? "0")))}
              // A share set through the API stays a choice, so saving the form keeps it.
              options={[...new Set([...CONTROL_SHARES, String(t.control_group?.share ?? "0")])].map((x) => ({
                value: x,
                label: x === "0" ? w.cgNone : fill(w.cgShareN, { p: Math.round(Number(x) * 100) }),
              }))}
            />
          </Field>
        </fieldset>
        <p class="muted">
          {w.cgHint} {t.control_group && <a href="/console/control-group">{w.cgReportLink}</a>}
        </p>
        <button type="submit">{w.save}</button>
      </form>

      <h2 id="plan-h">{w.plan}</h2>
      <p>
        {planText(w, plan)}
        {" · "}
        {fill(w.usedThisMonth, { n: usage.proactive_segments, cost: usage.cost.total, cur: usage.cost.currency })}
        {usage.cap && ` · ${fill(w.capRemaining, { n: usage.cap.remaining })}`}
      </p>
      {t.pending_plan && (
        <p class="muted">
          {fill(w.pendingPlan, { month: t.pending_plan.effective_month, plan: planText(w, t.pending_plan.plan) })}
        </p>
      )}
      <form method="post" action="/console/settings/plan" class="card filters" aria-labelledby="plan-h">
        <Hidden csrf={csrf} />
        <Field id="plan_type" label={w.planType}>
          <select id="plan_type" name="plan_type">
            <option value="pay_per_segment" selected={planType === "pay_per_segment"}>
              {w.payPerSegment}
            </option>
            <option value="package" selected={planType === "package"}>
              {w.packagePlan}
            </option>
          </select>
        </Field>
        <Field id="currency" label={w.currency}>
          <input
            id="currency"
            name="currency"
            required
            pattern="[A-Z]{3}"
            size={4}
            value={pv("currency", plan.currency)}
          />
        </Field>
        <NumberField
          id="price_per_segment"
          label={w.pricePerSegment}
          step="0.001"
          min={0}
          value={pv("price_per_segment", plan.type === "pay_per_segment" ? plan.price_per_segment : "")}
        />
        <NumberField
          id="monthly_fee"
          label={w.monthlyFee}
          step="0.01"
          min={0}
          value={pv("monthly_fee", plan.type === "package" ? plan.monthly_fee : "")}
        />
        <NumberField
          id="allowance_segments"
          label={w.allowance}
          min={0}
          value={pv("allowance_segments", plan.type === "package" ? plan.allowance_segments : "")}
        />
        <NumberField
          id="overage_price_per_segment"
          label={w.overage}
          step="0.001"
          min={0}
          value={pv("overage_price_per_segment", plan.type === "package" ? plan.overage_price_per_segment : "")}
        />
        <button type="submit">{w.changePlan}</button>
      </form>

      <h2 id="staff-h">{w.staff}</h2>
      <p class="muted">{w.staffHint}</p>
      <Table head={[w.name, w.email, w.consoleLogin, w.phoneRolePassword, ""]} label="staff-h">
        {staff.map((s) => (
          <tr>
            <td data-label={w.name}>{s.name}</td>
            <td data-label={w.email}>{s.email ?? "–"}</td>
            <td data-label={w.consoleLogin}>{s.console_login ? w.yes : w.no}</td>
            <td data-label={w.phoneRolePassword}>
              <form method="post" action="/console/settings/staff-update" class="inline">
                <Hidden csrf={csrf} id={s.id} />
                <input
                  id={`phone-${s.id}`}
                  name="phone"
                  value={s.phone ?? ""}
                  size={15}
                  aria-label={`${w.phone}: ${s.name}`}
                />
                <select id={`role-${s.id}`} name="role" aria-label={`${w.role}: ${s.name}`}>
                  {ROLES.map((r) => (
                    <option value={r} selected={r === s.role}>
                      {w[`role_${r}`]}
                    </option>
                  ))}
                </select>
                <input
                  name="password"
                  type="password"
                  autocomplete="new-password"
                  placeholder={w.newPassword}
                  aria-label={`${w.newPassword}: ${s.name}`}
                  size={14}
                />
                <button type="submit">{w.save}</button>
              </form>
            </td>
            <td>
              <RowButton action="/console/settings/staff-remove" csrf={csrf} id={s.id} label={w.remove} row={s.name} />
            </td>
          </tr>
        ))}
      </Table>
      <h3 id="add-staff-h">{w.addStaff}</h3>
      <form method="post" action="/console/settings/staff" class="card filters" aria-labelledby="add-staff-h">
        <Hidden csrf={csrf} />
        <Field id="staff-name" label={w.name}>
          <input id="staff-name" name="name" required maxlength={100} value={typed.name ?? ""} />
        </Field>
        <Field id="staff-phone" label={w.phone}>
          <input id="staff-phone" name="phone" value={typed.phone ?? ""} />
        </Field>
        <Field id="staff-email" label={w.email}>
          <input id="staff-email" name="email" type="email" value={typed.email ?? ""} />
        </Field>
        <Field id="staff-role" label={w.role}>
          <select id="staff-role" name="role">
            {ROLES.map((r) => (
              <option value={r} selected={r === (typed.role ?? "operator")}>
                {w[`role_${r}`]}
              </option>
            ))}
          </select>
        </Field>
        <Field id="staff-password" label={w.password}>
          <input id="staff-password" name="password" type="password" autocomplete="new-password" minlength={10} />
        </Field>
        <button type="submit">{w.addStaff}</button>
      </form>

      <ChannelsSection
        w={w}
        lang={lang}
        csrf={csrf}
        channels={channels}
        zone={t.time_zone}
        origin={props.origin}
        typed={typedFor("channel")}
      />
      <h2 id="hooks-h">{w.hooksTitle}</h2>
      <p>
        <a href={HOOKS}>{w.webhooksLink}</a>
      </p>
      <CopyScript copied={w.copied} />
    </Layout>
  );
}
