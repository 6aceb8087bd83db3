// The keyword step: a keyword's actions, in order. Events go first through the events service (keyed by
// the inbound id, so a retry records them once; they may trigger the next campaign), then the
// profile is re-read so attribute and tag changes apply on top of what the events changed.

import { customerChange, getCustomerRow } from "../customers/service";
import type { Statement } from "../db/client";
import type { CustomerRow, KeywordRow } from "../db/schema";
import { recordEvent } from "../events/service";
import { membershipStatements } from "../groups/service";
import { responseStatement } from "../inbound/conversation";
import type { Handled, Incoming } from "../inbound/step";
import { inboxStatement } from "../inbox/service";
import { checkArgument, type KeywordHit } from "./match";
import { cardShipments } from "./store";
import type { Expectation, Reply } from "./types";

type Work = {
  outcome: string;
  statements: Statement[];
  replies: { reply: Reply; expects?: Expectation | null }[];
  events: { type: string; properties: Record<string, string | number | boolean | null> }[];
  attributes: Record<string, string | number | boolean | null>;
  tags: string[];
  detail: Record<string, unknown>;
};

export async function runKeyword(i: Incoming, customer: CustomerRow, k: KeywordRow, hit: KeywordHit): Promise<Handled> {
  const arg = checkArgument(k.argument, hit.rest);
  if (!arg.ok) {
    return {
      step: "keyword",
      outcome: "failure",
      keywordId: k.id,
      replies: k.failureReply ? [{ reply: k.failureReply }] : [],
      detail: { word: hit.word, argument: hit.rest, why: arg.why },
    };
  }
  const w: Work = {
    outcome: "success",
    statements: [],
    replies: [],
    events: [],
    attributes: {},
    tags: [],
    detail: { word: hit.word, argument: arg.value },
  };
  const ctx = i.rules.ctx;
  for (const a of k.actions) {
    switch (a.type) {
      case "reply":
        w.replies.push({ reply: a });
        break;
      case "start_survey":
        w.replies.push({ reply: { template: a.template }, expects: a.expects });
        break;
      case "add_to_group":
      case "remove_from_group": {
        const g = await ctx.db.orm.query.groups.findFirst({
          where: (x, { and, eq }) => and(eq(x.tenantId, ctx.tenantId), eq(x.id, a.group)),
        });
        // The group was deleted since: the keyword keeps working for its other actions.
        if (g)
          w.statements.push(
            ...membershipStatements(ctx, g, [customer.id], a.type === "add_to_group" ? "join" : "leave"),
          );
        else w.detail.missing_group = a.group;
        break;
      }
      case "set_attribute":
        w.attributes[a.key] = a.value === "$argument" ? arg.value : a.value;
        break;
      case "record_response":
        w.statements.push(
          responseStatement(i, {
            customerId: customer.id,
            keywordId: k.id,
            question: a.question,
            type: "text",
            number: arg.value !== null && /^-?\d+$/.test(arg.value) ? Number(arg.value) : null,
            text: arg.value ?? i.row.body,
          }),
        );
        break;
      case "record_event":
        w.events.push({
          type: a.event,
          properties: {
            channel: "sms",
            keyword: hit.word,
            ...(arg.value ? { argument: arg.value } : {}),
            ...a.properties,
          },
        });
        break;
      case "activate_card":
        await activateCard(i, customer, arg.value ?? "", w);
        break;
    }
  }
  for (const [n, e] of w.events.entries()) {
    await recordEvent(ctx, {
      customer_id: customer.id,
      type: e.type,
      properties: e.properties,
      event_id: `inb:${i.row.id}:${n}`,
    });
  }
  if (Object.keys(w.attributes).length > 0 || w.tags.length > 0) {
    const fresh = w.events.length > 0 ? await getCustomerRow(ctx, customer.id) : customer;
    const change = await customerChange(
      ctx,
      await i.rules.customerEnv(),
      {
        ...(Object.keys(w.attributes).length > 0 && { attributes: w.attributes }),
        ...(w.tags.length > 0 && { tags: [...new Set([...fresh.tags, ...w.tags])] }),
      },
      fresh,
      false,
    );
    w.statements.push(...change.statements);
  }
  return {
    step: "keyword",
    outcome: w.outcome,
    keywordId: k.id,
    statements: w.statements,
    replies: w.replies,
    detail: w.detail,
  };
}

const LOCK_TAG = "needs_human";

/**
 * The cards a customer can activate: the references of their card shipments (not returned),
 * newest first, with whether each is already active; else the card_last4 attribute.
 */
async function cardsOf(
  i: Incoming,
  customer: CustomerRow,
): Promise<{ last4: string; active: boolean; shipment?: string }[]> {
  const ctx = i.rules.ctx;
  const shipped = await cardShipments(ctx.db, ctx.tenantId, customer.id);
  if (shipped.length > 0)
    return shipped.map((s) => ({ last4: s.reference.slice(-4), active: s.converted_at !== null, shipment: s.id }));
  const raw = customer.attributes.card_last4;
  if (raw === undefined || raw === null) return [];
  return [{ last4: String(raw).padStart(4, "0"), active: Boolean(customer.attributes.card_activated_on) }];
}

/**
 * ACT 1234: the digits must be the last 4 of a card shipped to the customer (shipments, else
 * the card_last4 attribute). A match records card.activated (channel sms), which closes the
 * shipment (its prompts stop) and which the PIN-guide campaign can follow. Wrong
 * digits count (attribute activation_failures); at the workspace's limit the customer is
 * tagged needs_human, an inbox item is opened, and SMS activation stops until staff reset the
 * count: guessing 4 digits by SMS must not be possible.
 */
async function activateCard(i: Incoming, customer: CustomerRow, digits: string, w: Work) {
  const s = i.rules.settings;
  const failures = Number(customer.attributes.activation_failures ?? 0) || 0;
  const servicePhone = s.service_phone;
  const cards = await cardsOf(i, customer);
  w.detail.failures = failures;
  if (failures >= s.activation_max_failures) {
    w.outcome = "locked";
    w.replies.push({ reply: { template: "card_activation_locked", variables: { servicePhone } } });
    return;
  }
  if (cards.length === 0) {
    w.outcome = "failure";
    w.detail.why = "no_card";
    w.replies.push({ reply: { template: "card_activation_no_card", variables: { servicePhone } } });
    return;
  }
  // The card not yet active first: a replacement card shares nothing with the old one but may share digits.
  const match = cards.find((c) => c.last4 === digits && !c.active) ?? cards.find((c) => c.last4 === digits);
  if (match) {
    const card = { last4: match.last4 };
    if (match.active) {
      w.outcome = "already";
    } else {
      w.events.push({
        type: "card.activated",
        properties: { channel: "sms", last4: match.last4, ...(match.shipment && { shipment_id: match.shipment }) },
      });
      if (failures > 0) w.attributes.activation_failures = 0;
    }
    w.replies.push({ reply: { template: "card_activation_confirmation", variables: { card, servicePhone } } });
    return;
  }
  const now = failures + 1;
  w.attributes.activation_failures = now;
  w.detail.failures = now;
  w.detail.why = "mismatch";
  if (now >= s.activation_max_failures) {
    w.outcome = "locked";
    w.tags.push(LOCK_TAG);
    w.statements.push(inboxStatement(i, customer, "question", "activation_locked"));
    w.replies.push({ reply: { template: "card_activation_locked", variables: { servicePhone } } });
    return;
  }
  w.outcome = "failure";
  w.replies.push({
    reply: {
      template: "card_activation_mismatch",
      variables: { attemptsLeft: s.activation_max_failures - now, servicePhone },
    },
  });
}
