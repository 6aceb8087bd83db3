// The inbound pipeline. Stored messages (store.ts) are claimed with a lease, like the outbox,
// and each goes through STEPS in order; the first step that takes it decides what happens:
//
//   opt-out, opt-in, help, staff commands, open conversation, keywords, inbox
//
// A step is given an Incoming and answers a Handled (step.ts). To add one, write it in a file of
// its own and put it in STEPS where it belongs.
// A step's changes (consent, responses, group members, the inbox item, replies) and the
// message's "processed" mark are one atomic write. What a step does through another service
// before that (a prospect profile, a conversion event, a staff broadcast campaign) is keyed by
// the inbound id, so a message handled twice after a crash changes nothing twice.

import type { Ctx } from "../context";
import { emptyRow, type PrepareEnv } from "../customers/model";
import { customerChange } from "../customers/service";
import { liveCustomersWhereIn, loadPrepareEnv, optedOutPhones } from "../customers/store";
import { timelineEntry } from "../customers/timeline";
import type { Statement } from "../db/client";
import { type CustomerRow, customers, type InboundRow, type KeywordRow } from "../db/schema";
import { customerInGroup } from "../groups/service";
import { categorize } from "../inbox/categorize";
import { inboxStatement } from "../inbox/service";
import { runKeyword } from "../keywords/actions";
import { findKeyword } from "../keywords/match";
import { activeKeywords } from "../keywords/service";
import { isCountry, normalizePhone } from "../lib/phone";
import { iso } from "../lib/time";
import { getTenantRow } from "../tenants/store";
import { eventStatement } from "../webhooks-out/events";
import { complianceWords, matchOptOut, matchWhole, type OptOutMatch } from "./compliance";
import { helpStep, optInStep, optOutStep, takesOptIn } from "./consent-steps";
import { answerOf, attributed, responseStatement } from "./conversation";
import { normalize } from "./normalize";
import { replyStatements } from "./replies";
import { resolveInbound } from "./settings";
import { handleStaffCommand, staffPhones } from "./staff-commands";
import { parseStaffCommand } from "./staff-parse";
import type { Handled, InboundDeps, Incoming, Step, TenantRules } from "./step";
import { claimInbound, giveUpStatement, processedStatement } from "./store";

const DEFAULTS = { batch: 200, leaseMs: 60_000, maxAttempts: 3 };

async function rulesFor(deps: InboundDeps, tenantId: string): Promise<TenantRules> {
  const ctx: Ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId };
  const tenant = await getTenantRow(deps.db, tenantId);
  const settings = resolveInbound(tenant.inbound);
  let env: PrepareEnv | null = null;
  return {
    ctx,
    tenant,
    settings,
    words: complianceWords(settings),
    staff: await staffPhones(ctx),
    keywords: await activeKeywords(ctx, deps.clock.now().getTime()),
    async customerEnv() {
      env ??= await loadPrepareEnv(ctx, "keyword");
      env.now = deps.clock.now();
      return env;
    },
  };
}

async function claim(deps: InboundDeps, opts: typeof DEFAULTS): Promise<InboundRow[]> {
  const now = deps.clock.now().getTime();
  const rows = await claimInbound(deps.db, now, opts.leaseMs, opts.batch);
  return rows.sort((a, b) => a.receivedAt - b.receivedAt || (a.id < b.id ? -1 : 1));
}

/**
 * Handles every stored message that is waiting; returns how many were handled. The final writes
 * of consecutive messages are committed together (one transaction, not one per message); a
 * message from a sender already in the group commits what is pending first, and a staff
 * message is committed on its own, so every message reads what the ones before it wrote.
 */
export async function processInbound(deps: InboundDeps, options: Partial<typeof DEFAULTS> = {}) {
  const opts = { ...DEFAULTS, ...options };
  const rules = new Map<string, TenantRules>();
  const stats = { processed: 0, failed: 0, replies: 0 };
  let kicked = 0;
  for (;;) {
    await deps.intake?.();
    if (deps.signal?.aborted) break;
    const rows = await claim(deps, opts);
    if (rows.length === 0) break;
    let pending: { row: InboundRow; statements: Statement[]; replies: number }[] = [];
    const senders = new Set<string>();
    const flush = async () => {
      if (pending.length > 0) await commit(deps, pending, stats, opts);
      pending = [];
      senders.clear();
    };
    for (const row of rows) {
      let r = rules.get(row.tenantId);
      if (!r) {
        r = await rulesFor(deps, row.tenantId);
        rules.set(row.tenantId, r);
      }
      const phone = senderPhone(r, row.fromPhone);
      // A staff command changes other people (numbers added to a group): it is committed alone.
      const staff = r.staff.has(phone);
      if (senders.has(`${row.tenantId}:${phone}`) || staff) await flush();
      try {
        pending.push({ row, ...(await processOne(deps, r, row, phone)) });
        senders.add(`${row.tenantId}:${phone}`);
      } catch (e) {
        await failed(deps, row, e, stats, opts);
      }
      if (staff) await flush();
    }
    await flush();
    if (rows.length < opts.batch) break;
    // A backlog (a storm's journal) is many batches: this batch's replies go out now, not after
    // the last one, and the event loop gets a turn, so the other jobs' timers and kicks (the
    // dispatcher sending those replies) run between batches instead of after the whole backlog.
    if (stats.replies > kicked) {
      kicked = stats.replies;
      deps.onMessageDue?.();
    }
    await new Promise((r) => setTimeout(r, 0));
  }
  if (stats.replies > kicked) deps.onMessageDue?.();
  return stats;
}

/** Commits a group's final writes at once; if that fails, message by message, so one bad message holds up no other. */
async function commit(
  deps: InboundDeps,
  group: { row: InboundRow; statements: Statement[]; replies: number }[],
  stats: { processed: number; failed: number; replies: number },
  opts: typeof DEFAULTS,
) {
  try {
    await deps.db.batch(group.flatMap((g) => g.statements));
    stats.processed += group.length;
    stats.replies += group.reduce((n, g) => n + g.replies, 0);
    return;
  } catch (e) {
    if (group.length === 1) return failed(deps, group[0]?.row as InboundRow, e, stats, opts);
  }
  for (const g of group) await commit(deps, [g], stats, opts);
}

async function failed(
  deps: InboundDeps,
  row: InboundRow,
  e: unknown,
  stats: { failed: number },
  opts: typeof DEFAULTS,
) {
  stats.failed++;
  // A message that keeps failing is set aside instead of going round and round.
  if (row.attempts >= opts.maxAttempts) await giveUp(deps, row, e);
  else console.error(`inbound ${row.id} failed (attempt ${row.attempts}):`, e);
}

function senderPhone(rules: TenantRules, from: string): string {
  // Providers send E.164 already: no need to parse it again (libphonenumber is the slow part).
  if (/^\+[1-9]\d{6,14}$/.test(from)) return from;
  const country = isCountry(rules.tenant.defaultCountry) ? rules.tenant.defaultCountry : "CN";
  const parsed = normalizePhone(from, country);
  return parsed.ok ? parsed.e164 : from;
}

async function customerByPhone(ctx: Ctx, phone: string): Promise<CustomerRow | null> {
  const [row] = await liveCustomersWhereIn(ctx, customers.phone, [phone]);
  return row ?? null;
}

/** Works out what a message does; returns its final writes (committed by the caller). */
async function processOne(
  deps: InboundDeps,
  rules: TenantRules,
  row: InboundRow,
  phone: string,
): Promise<{ statements: Statement[]; replies: number }> {
  const { ctx } = rules;
  const now = deps.clock.now().getTime();
  const valid = phone.startsWith("+");
  let customer = await customerByPhone(ctx, phone);
  const staff = rules.staff.get(phone) ?? null;
  const text = normalize(row.body);
  const i: Incoming = {
    deps,
    row,
    n: text,
    phone,
    rules,
    now,
    customer,
    attributed: customer ? await attributed(ctx, customer.id, now, rules.settings) : null,
    staff,
    command: staff ? parseStaffCommand(row.toPhone, row.body, await serviceNumber(deps, row)) : null,
    optOut: matchOptOut(text, rules.words),
    async ensureCustomer() {
      if (customer) return customer;
      // The workspace's rules are loaded once per run; only this phone's opt-out history is new.
      const prior = await optedOutPhones(ctx, valid ? [phone] : []);
      const env: PrepareEnv = { ...(await rules.customerEnv()), priorOptOut: (p) => prior.get(p) };
      const change = await customerChange(
        ctx,
        env,
        valid ? { phone } : {},
        emptyRow(ctx.ids.next("cus"), env, "inbound"),
        true,
      );
      await ctx.db.batch(change.statements);
      customer = change.row;
      i.customer = customer;
      return customer;
    },
  };
  // A sender that is no phone number (a short code, a name) cannot be a customer or be answered:
  // kept in the log, for a person to look at.
  const handled: Handled = valid ? await route(i) : { step: "ignored", outcome: "invalid_sender" };
  const who = i.customer;
  const statements: Statement[] = [...(handled.statements ?? [])];
  let n = 0;
  for (const r of handled.replies ?? []) {
    const to = r.to ?? who?.id;
    if (!to) continue;
    statements.push(
      ...replyStatements(
        deps.ids.next("msg"),
        { tenantId: row.tenantId, inboundId: row.id, customerId: to, channelId: row.channelId, now },
        r.reply,
        `inb:${row.id}:reply:${n++}`,
        { expects: r.expects ?? null },
      ),
    );
  }
  if (who) {
    statements.push(
      timelineEntry(deps.ids, row.tenantId, who.id, row.receivedAt, "inbound", {
        inbound_id: row.id,
        text: row.body,
        step: handled.step,
        outcome: handled.outcome,
        keyword_id: handled.keywordId ?? null,
        message_id: i.attributed?.id ?? null,
        campaign_id: i.attributed?.campaignId ?? null,
      }),
    );
  }
  // Told to integrators once: only while the message is still unprocessed (the batch's
  // next statement marks it).
  statements.push(
    eventStatement(
      { ids: deps.ids, tenantId: row.tenantId },
      "inbound.received",
      {
        inbound_id: row.id,
        customer_id: who?.id ?? null,
        from: row.fromPhone,
        text: row.body,
        step: handled.step,
        outcome: handled.outcome,
        keyword_id: handled.keywordId ?? null,
        in_reply_to: { message_id: i.attributed?.id ?? null, campaign_id: i.attributed?.campaignId ?? null },
        received_at: iso(row.receivedAt),
      },
      now,
      { table: "inbound_messages", id: row.id, status: "received" },
    ),
    processedStatement(row.id, now, {
      customerId: who?.id ?? null,
      step: handled.step,
      outcome: handled.outcome,
      keywordId: handled.keywordId ?? null,
      messageId: i.attributed?.id ?? null,
      campaignId: i.attributed?.campaignId ?? null,
      detail: handled.detail,
    }),
  );
  return { statements, replies: n };
}

/** The steps, in order; the first that takes the message decides what happens. */
export const STEPS: readonly Step[] = [
  // A staff command's text may hold an opt-out word ("102 01 Stop by the desk"): from a staff
  // phone, what parses as a command is one. A whole-message STOP never parses as a command.
  {
    name: "opt_out",
    run: (i) => (i.optOut && i.optOut.how !== "negated" && !i.command ? optOutStep(i, i.optOut) : null),
  },
  {
    name: "opt_in",
    run: (i) => {
      const optIn = matchWhole(i.n, i.rules.words.optIn);
      return optIn && takesOptIn(i, optIn) ? optInStep(i, optIn) : null;
    },
  },
  {
    name: "help",
    run: (i) => {
      const help = matchWhole(i.n, i.rules.words.help);
      return help ? helpStep(i, help) : null;
    },
  },
  { name: "staff", run: (i) => (i.staff && i.command ? handleStaffCommand(i, i.staff, i.command) : null) },
  { name: "conversation", run: conversationStep },
  {
    name: "keyword",
    run: async (i) => {
      const customer = await i.ensureCustomer();
      const hit = findKeyword(i.n, await keywordsFor(i, customer));
      return hit ? runKeyword(i, customer, hit.keyword, hit.hit) : null;
    },
  },
  { name: "inbox", run: async (i) => inbox(i, await i.ensureCustomer(), i.optOut) },
];

async function route(i: Incoming): Promise<Handled> {
  for (const step of STEPS) {
    const handled = await step.run(i);
    if (handled) return handled;
  }
  throw new Error("the inbox step takes every message");
}

/** An answer to the open question of the message it replies to (a survey score, Y/N). */
async function conversationStep(i: Incoming): Promise<Handled | null> {
  const customer = await i.ensureCustomer();
  const exp = i.attributed?.expects;
  const answer = exp && i.now <= (i.attributed?.expiresAt ?? 0) ? answerOf(i.n, exp) : null;
  if (!answer || !exp) return null;
  return {
    step: "conversation",
    outcome: "answered",
    statements: [
      responseStatement(i, {
        customerId: customer.id,
        question: exp.question,
        type: answer.type,
        number: answer.number,
        text: String(answer.value),
      }),
    ],
    replies: exp.thanks ? [{ reply: exp.thanks }] : [],
    detail: { question: exp.question, answer: answer.value },
  };
}

/** Keywords scoped to groups are only for their members. */
async function keywordsFor(i: Incoming, customer: CustomerRow): Promise<KeywordRow[]> {
  const all = i.rules.keywords;
  if (!all.some((k) => k.groupIds.length > 0)) return all;
  const member = new Set<string>();
  for (const k of all) {
    for (const g of k.groupIds) {
      if (member.has(g)) continue;
      if (await customerInGroup(i.rules.ctx, g, customer.id)) member.add(g);
    }
  }
  return all.filter((k) => k.groupIds.length === 0 || k.groupIds.some((g) => member.has(g)));
}

function inbox(i: Incoming, customer: CustomerRow, optOut: OptOutMatch): Handled {
  const category = categorize(i.n, i.rules.settings, i.row.body);
  const flag = optOut?.how === "negated" ? "possible_opt_out" : null;
  return {
    step: "inbox",
    outcome: category,
    statements: [inboxStatement(i, customer, category, flag)],
    detail: flag ? { flag, word: optOut?.word } : { category },
  };
}

async function serviceNumber(deps: InboundDeps, row: InboundRow): Promise<string | null> {
  const ch = await deps.db.orm.query.channels.findFirst({
    where: (c, { and, eq }) => and(eq(c.tenantId, row.tenantId), eq(c.id, row.channelId)),
  });
  const config = (ch?.config ?? {}) as Record<string, unknown>;
  const n = config.from ?? config.source_addr ?? config.number;
  return typeof n === "string" ? n : null;
}

/** After repeated failures: set aside with the error (GET /v1/inbound?outcome=error lists them). */
async function giveUp(deps: InboundDeps, row: InboundRow, e: unknown) {
  const why = e instanceof Error ? e.message : String(e);
  console.error(`inbound ${row.id} failed ${row.attempts} times; set aside:`, e);
  const now = deps.clock.now().getTime();
  await deps.db.batch([giveUpStatement(row.id, why.slice(0, 500), now)]);
}
