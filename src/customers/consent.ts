// The one writer of consent. Whatever the source (the API, the console, an import, a staff
// member, the customer's own SMS, a carrier that reports an opt-out), a change writes the same
// things in the same batch: the ledger entry, the profile's consent columns, and, for an
// opt-out, the customer's planned marketing skipped at once with the reason in its history.

import type { Ctx } from "../context";
import type { RawStatement } from "../db/client";
import { iso } from "../lib/time";
import { skipPending } from "../outbox/moves";
import { REASONS } from "../outbox/status";
import { eventStatement } from "../webhooks-out/events";

export type ConsentState = "subscribed" | "unsubscribed" | "never_asked";
export type ConsentSource = "import" | "api" | "keyword" | "staff" | "console" | "provider";

export type ConsentChange = {
  state: ConsentState;
  source: string | null;
  evidence: string | null;
  at: number | null;
};

/** An opt-out by the customer's own SMS (a keyword, or the carrier's STOP): only their opt-in undoes it. */
export function optedOutBySms(state: string, source: string | null): boolean {
  return state === "unsubscribed" && (source === "keyword" || source === "provider");
}

/**
 * What a consent change writes. `profile` says whether the caller writes the customer row with
 * its consent columns itself (a whole-row insert or update); otherwise they are written here.
 */
export function consentStatements(
  ctx: Pick<Ctx, "ids" | "clock">,
  customer: { tenantId: string; id: string; phone: string | null; consentState: string | null },
  change: ConsentChange,
  o: { profile: "written" | "write" },
): RawStatement[] {
  const out: RawStatement[] = [];
  if (o.profile === "write") {
    out.push({
      sql: "update customers set consent_state = ?, consent_source = ?, consent_at = ?, updated_at = ? where tenant_id = ? and id = ?",
      params: [change.state, change.source, change.at, change.at, customer.tenantId, customer.id],
    });
  }
  out.push({
    sql: "insert into consent_events (id, tenant_id, customer_id, phone, state, source, evidence, at) values (?, ?, ?, ?, ?, ?, ?, ?)",
    params: [
      ctx.ids.next("cns"),
      customer.tenantId,
      customer.id,
      customer.phone,
      change.state,
      change.source,
      change.evidence,
      change.at,
    ],
  });
  if (change.state === "unsubscribed" && customer.consentState !== "unsubscribed") {
    out.push(...cancelMarketing(ctx, customer.tenantId, customer.id));
  }
  out.push(
    eventStatement(
      { ids: ctx.ids, tenantId: customer.tenantId },
      "consent.changed",
      {
        customer_id: customer.id,
        phone: customer.phone,
        state: change.state,
        previous: customer.consentState,
        source: change.source,
        evidence: change.evidence,
        at: iso(change.at ?? ctx.clock.now().getTime()),
      },
      change.at ?? ctx.clock.now().getTime(),
    ),
  );
  return out;
}

/** The customer's unsent marketing, skipped with the opt-out as the reason. */
function cancelMarketing(ctx: Pick<Ctx, "ids" | "clock">, tenantId: string, customerId: string): RawStatement[] {
  return skipPending(
    ctx,
    "tenant_id = ? and customer_id = ? and kind = 'marketing'",
    [tenantId, customerId],
    "opted_out",
    REASONS.opted_out as string,
  );
}
