// The send-time checks, in the order the dispatcher makes them just before each send: the facts
// may have changed since the message was planned (an opt-out, a conversion, a paused campaign,
// the hour). Each check either lets the message on (null) or says what becomes of it and why.
// To add one: write it here and put it in BEFORE_RENDER (facts about the message and the
// recipient) or AFTER_COMPOSE (facts about the text: its length, what it costs).
// The forecast (campaigns/forecast.ts) counts RECIPIENT_CHECKS and applies quietHoursEnd too.

import { CLOUD_MARKETING_NIGHT, TEMPLATED } from "../channels/kinds";
import { tooLongFor } from "../channels/limits";
import { numberCapsOf, numberCapWait } from "../channels/number-caps";
import type { Composed } from "../compose/compose";
import type { ChannelRow, CustomerRow, MessageRow, TenantRow } from "../db/schema";
import { HOLDOUT } from "../experiments/assign";
import { inControlGroup } from "../experiments/control";
import { inDailyWindow, localDate } from "../lib/time";
import type { ShipmentState, TenantEnv } from "./batch";
import { defer, type Outcome, skip } from "./outcome";

/** What the checks look at for one claimed message. */
export type CheckInput = {
  m: MessageRow;
  env: TenantEnv | null;
  customer: CustomerRow | undefined;
  campaignStatus: string | undefined;
  shipment: ShipmentState | undefined;
  channel: ChannelRow | undefined;
  now: Date;
};

export type SendCheck = { name: string; check: (f: CheckInput) => Outcome | null };

/**
 * Checks on the recipient alone, in order, each in two forms: for one customer (the
 * dispatcher) and as SQL over `customers c` (the forecast). test/forecast.test.ts holds the two
 * to the same answers.
 */
export const RECIPIENT_CHECKS: readonly {
  reason: "opted_out" | "no_consent" | "invalid_number";
  marketingOnly: boolean;
  test: (c: CustomerRow) => boolean;
  sql: string;
}[] = [
  {
    reason: "opted_out",
    marketingOnly: true,
    test: (c) => c.consentState === "unsubscribed",
    sql: "c.consent_state = 'unsubscribed'",
  },
  {
    reason: "no_consent",
    marketingOnly: true,
    test: (c) => c.consentState === "never_asked",
    sql: "c.consent_state = 'never_asked'",
  },
  { reason: "invalid_number", marketingOnly: false, test: (c) => !c.phone, sql: "coalesce(c.phone, '') = ''" },
];

/**
 * The first recipient check a customer fails for a message of this kind, if any; `only` limits
 * it to some reasons (the dispatcher asks about consent before quiet hours, the number after).
 */
export function recipientExclusion(kind: string, c: CustomerRow, only?: readonly string[]): string | null {
  for (const r of RECIPIENT_CHECKS) {
    if (only && !only.includes(r.reason)) continue;
    if ((!r.marketingOnly || kind === "marketing") && r.test(c)) return r.reason;
  }
  return null;
}

/** The same as an SQL expression: the reason, or '' for none. */
export function recipientExclusionSql(kind: string, controlGroup?: string): string {
  const arms = RECIPIENT_CHECKS.filter((r) => !r.marketingOnly || kind === "marketing").map(
    (r) => `when ${r.sql} then '${r.reason}'`,
  );
  // The control group is checked after consent and before the number, as at send time.
  if (controlGroup && kind === "marketing") {
    const at = RECIPIENT_CHECKS.filter((r) => r.marketingOnly).length;
    arms.splice(at, 0, `when ${controlGroup} then 'control_group'`);
  }
  return `case ${arms.join(" ")} else '' end`;
}

/**
 * The quiet hours a message keeps: the workspace's; else, for marketing on a Chinese cloud
 * channel, the provider's night (they refuse or hold promotions then).
 */
export function quietWindow(
  tenant: Pick<TenantRow, "quietHours">,
  channel: { provider: string } | undefined,
  kind: string,
): Pick<TenantRow, "quietHours"> {
  if (tenant.quietHours) return tenant;
  const cloud = kind === "marketing" && channel !== undefined && TEMPLATED.has(channel.provider);
  return { quietHours: cloud ? { ...CLOUD_MARKETING_NIGHT } : null };
}

/** When quiet hours in `zone` end, if `at` falls in them; null when it does not (or there are none). */
export function quietHoursEnd(tenant: Pick<TenantRow, "quietHours">, zone: string, at: Date): Date | null {
  if (!tenant.quietHours) return null;
  const q = inDailyWindow(at, tenant.quietHours, zone);
  return q.inside ? q.endsAt : null;
}

const campaignCancelled: SendCheck = {
  name: "campaign cancelled",
  check: (f) => (f.campaignStatus === "cancelled" ? skip("skipped", "campaign_cancelled") : null),
};

const alreadyConverted: SendCheck = {
  name: "already converted",
  check: ({ shipment }) =>
    shipment?.converted_at != null
      ? skip(
          "skipped",
          "already_converted",
          `Already converted (${shipment.conversion_channel ?? "unknown channel"}, ${new Date(shipment.converted_at).toISOString()}) before it was sent`,
        )
      : null,
};

const shipmentReturned: SendCheck = {
  name: "shipment returned",
  check: (f) => (f.shipment?.returned_at != null ? skip("skipped", "shipment_returned") : null),
};

const campaignPaused: SendCheck = {
  name: "campaign paused",
  // Held, not dropped: resuming makes it due again at once.
  check: (f) => (f.campaignStatus === "paused" ? defer(f.m, "campaign_paused", f.now.getTime() + 3_600_000) : null),
};

const customerDeleted: SendCheck = {
  name: "customer deleted",
  check: (f) => (!f.env || !f.customer || f.customer.deletedAt !== null ? skip("skipped", "customer_deleted") : null),
};

const validity: SendCheck = {
  name: "validity",
  check: (f) => (f.m.validUntil !== null && f.now.getTime() > f.m.validUntil ? skip("expired", "expired") : null),
};

const consent: SendCheck = {
  name: "consent",
  check: (f) => {
    const reason = recipientExclusion(f.m.kind, f.customer as CustomerRow, ["opted_out", "no_consent"]);
    return reason ? skip("skipped", reason) : null;
  },
};

// After quiet hours: a number added while the message waits still gets it.
const phoneNumber: SendCheck = {
  name: "phone number",
  check: (f) =>
    recipientExclusion(f.m.kind, f.customer as CustomerRow, ["invalid_number"])
      ? skip("skipped", "invalid_number")
      : null,
};

const quietHours: SendCheck = {
  name: "quiet hours",
  check: ({ m, env, customer, channel, now }) => {
    if (!m.quietHours || !env) return null;
    const window = quietWindow(env.tenant, channel ?? env.defaultChannel, m.kind);
    const q = window.quietHours;
    if (!q) return null;
    const zone = customer?.timeZone ?? env.tenant.timeZone;
    const ends = quietHoursEnd(window, zone, now);
    if (!ends) return null;
    if (m.validUntil !== null && ends.getTime() > m.validUntil) {
      return skip("expired", "expired", `Quiet hours (${q.start}-${q.end} in ${zone}) last past valid_until`);
    }
    return defer(
      m,
      "quiet_hours_deferred",
      ends.getTime(),
      `Quiet hours ${q.start}-${q.end} in ${zone}; held until ${ends.toISOString()}`,
    );
  },
};

const channel: SendCheck = {
  name: "channel",
  check: (f) => (!f.channel || f.channel.archivedAt !== null ? skip("failed", "no_channel") : null),
};

/** Before rendering, in order. Past them the workspace, the recipient, a number and a channel are known. */
/** In an experiment's holdout: skipped when it falls due, so it is followed from the time it would have gone. */
const holdout: SendCheck = {
  name: "holdout",
  check: (f) => (f.m.arm === HOLDOUT ? skip("skipped", "holdout") : null),
};

/** In the workspace's control group this year: no marketing at all (notifications and replies still go). */
const controlGroup: SendCheck = {
  name: "control group",
  check: ({ m, env, now }) => {
    const cg = env?.tenant.controlGroup;
    if (!cg || cg.share <= 0 || m.kind !== "marketing" || m.isReply) return null;
    const year = localDate(now, env.tenant.timeZone).year;
    return inControlGroup(cg.share, env.tenant.id, year, m.customerId) ? skip("skipped", "control_group") : null;
  },
};

// The control group after the pause (a paused campaign's message is held, not skipped), the
// deletion, the validity and consent (those are skipped for their own reasons, not counted as
// held back by the group), and before quiet hours.
export const BEFORE_RENDER: readonly SendCheck[] = [
  holdout,
  campaignCancelled,
  alreadyConverted,
  shipmentReturned,
  campaignPaused,
  customerDeleted,
  validity,
  consent,
  controlGroup,
  quietHours,
  phoneNumber,
  channel,
];

/** What the checks on the text look at, besides the message's facts. */
export type ComposedInput = CheckInput & {
  env: TenantEnv;
  customer: CustomerRow;
  channel: ChannelRow;
  composed: Composed;
  /** The recipient's recent marketing sends, newest last. */
  recent: number[];
  /** The recipient's recent sends through this channel, when it caps sends per number. */
  numberSends: number[];
};

export type TextCheck = { name: string; check: (f: ComposedInput) => Outcome | null };

const length: TextCheck = {
  name: "length",
  // Refused here, not by the provider (Twilio's 21617 after a round trip, or a part lost).
  check: (f) => {
    const tooLong = tooLongFor(f.channel.provider, f.composed);
    return tooLong ? skip("skipped", "too_long", tooLong) : null;
  },
};

const quota: TextCheck = {
  name: "monthly quota",
  check: ({ m, env, composed }) => {
    const cap = env.tenant.monthlySegmentCap;
    if (m.isReply || cap === null || env.used + composed.segments <= cap) return null;
    return skip(
      "skipped",
      "over_quota",
      `${env.used} of ${cap} segments used this month; this message needs ${composed.segments}`,
    );
  },
};

/** The frequency cap's window for a marketing message; null when it does not apply. */
export function frequencyCapOf(m: MessageRow, env: TenantEnv) {
  return m.kind === "marketing" && !m.isReply ? env.tenant.frequencyCap : null;
}

/** The sends still inside the cap's window at `now`, oldest first. */
export function inWindow(recent: readonly number[], cap: { days: number }, now: number): number[] {
  return recent.filter((t) => t > now - cap.days * 86_400_000);
}

const frequency: TextCheck = {
  name: "frequency cap",
  // Over the cap, a marketing message waits until the oldest send in the window ages out (or,
  // if its validity ends first, is skipped).
  check: ({ m, env, now, recent }) => {
    const freq = frequencyCapOf(m, env);
    if (!freq) return null;
    const list = inWindow(recent, freq, now.getTime());
    if (list.length < freq.messages) return null;
    const fits = (list[list.length - freq.messages] as number) + freq.days * 86_400_000;
    const why = `${list.length} marketing messages in the last ${freq.days} days (cap ${freq.messages})`;
    if (m.validUntil !== null && fits > m.validUntil)
      return skip("skipped", "frequency_capped", `${why}; valid_until ends first`);
    return defer(m, "frequency_capped", fits, `${why}; held until ${new Date(fits).toISOString()}`);
  },
};

const numberCap: TextCheck = {
  name: "per-number cap",
  // The provider would refuse it: it waits until its number has room on this channel.
  check: ({ m, channel, now, numberSends }) => {
    const caps = numberCapsOf(channel);
    const wait = caps ? numberCapWait(caps, numberSends, now.getTime()) : null;
    if (!wait) return null;
    const why = `${wait.cap} messages a ${wait.window} to one number on ${channel.name}`;
    if (m.validUntil !== null && wait.until > m.validUntil)
      return skip("skipped", "number_capped", `${why}; valid_until ends first`);
    return defer(m, "number_capped", wait.until, `${why}; held until ${new Date(wait.until).toISOString()}`);
  },
};

/** After composing, in order: what depends on the text. */
export const AFTER_COMPOSE: readonly TextCheck[] = [length, quota, frequency, numberCap];

export function firstFailing<F>(checks: readonly { check: (f: F) => Outcome | null }[], f: F): Outcome | null {
  for (const c of checks) {
    const o = c.check(f);
    if (o) return o;
  }
  return null;
}
