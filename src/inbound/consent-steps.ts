// The opt-out, opt-in and help steps. An opt-out takes effect at once: the ledger entry (with
// the exact text), the profile, the cancellation of planned marketing and one confirmation are
// one atomic write. Only an opt-in word re-subscribes.

import { customerChange } from "../customers/service";
import type { CustomerRow } from "../db/schema";
import type { OptOutMatch } from "./compliance";
import type { Handled, Incoming } from "./step";

/** The profile's consent change by the customer's own SMS, with the exact text as evidence in the ledger. */
async function consentStatements(i: Incoming, customer: CustomerRow, state: "subscribed" | "unsubscribed") {
  const change = await customerChange(
    i.rules.ctx,
    await i.rules.customerEnv(),
    { consent: { state, evidence: i.row.body } },
    customer,
    false,
  );
  return change.statements;
}

export async function optOutStep(i: Incoming, match: NonNullable<OptOutMatch>): Promise<Handled> {
  const customer = await i.ensureCustomer();
  const detail = { word: match.word, how: match.how };
  // Already out (a second STOP, or a new number with an opt-out on record): nothing to confirm twice.
  if (customer.consentState === "unsubscribed") return { step: "opt_out", outcome: "already", detail };
  return {
    step: "opt_out",
    outcome: "success",
    statements: await consentStatements(i, customer, "unsubscribed"),
    replies: [{ reply: { template: "opt_out_confirmation" } }],
    detail,
  };
}

/**
 * An opt-in word counts from a customer who is not subscribed. YES is also how people answer a
 * yes/no question: while one is open, a YES from a never-asked customer is their answer, not
 * consent to marketing.
 */
export function takesOptIn(i: Incoming, word: string): boolean {
  const c = i.customer;
  if (c?.consentState === "subscribed") return false;
  if (word === "yes" && c?.consentState !== "unsubscribed") {
    const exp = i.attributed?.expects;
    if (exp?.type === "yes_no" && i.now <= (i.attributed?.expiresAt ?? 0)) return false;
  }
  return true;
}

export async function optInStep(i: Incoming, word: string): Promise<Handled> {
  const customer = await i.ensureCustomer();
  return {
    step: "opt_in",
    outcome: "success",
    statements: await consentStatements(i, customer, "subscribed"),
    replies: [{ reply: { template: "opt_in_confirmation" } }],
    detail: { word },
  };
}

export async function helpStep(i: Incoming, word: string): Promise<Handled> {
  await i.ensureCustomer();
  return {
    step: "help",
    outcome: "success",
    replies: [{ reply: { template: "help_reply", variables: { servicePhone: i.rules.settings.service_phone } } }],
    detail: { word },
  };
}
