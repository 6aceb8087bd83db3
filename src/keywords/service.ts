// Keywords: CRUD, the built-in card-activation preset, conflict checks and analytics.

import { and, asc, eq } from "drizzle-orm";
import type { Ctx } from "../context";
import { type KeywordRow, keywords } from "../db/schema";
import { getGroup, staticGroupByRef } from "../groups/service";
import { complianceWords, matchOptOut, matchWhole } from "../inbound/compliance";
import { normalize } from "../inbound/normalize";
import { resolveInbound } from "../inbound/settings";
import { ConflictError, NotFoundError, ValidationError } from "../lib/errors";
import { iso } from "../lib/time";
import type { TemplateLibrary } from "../templates/library";
import { checkTemplateKey, localeChain } from "../templates/service";
import { getTenantRow } from "../tenants/store";
import { overlap } from "./match";
import type { KeywordCreate, KeywordPatch } from "./schemas";
import { inboundByPeriod, keywordUsesByPeriod, type StatsInterval } from "./store";
import type { KeywordAction, Reply } from "./types";

export type KeywordEnv = Ctx & { library: TemplateLibrary };

export function keywordView(k: KeywordRow) {
  return {
    id: k.id,
    name: k.name,
    words: k.words,
    match: k.match,
    argument: k.argument,
    actions: k.actions,
    failure_reply: k.failureReply,
    groups: k.groupIds,
    starts_at: iso(k.startsAt),
    ends_at: iso(k.endsAt),
    enabled: k.enabled,
    preset: k.preset,
    created_at: iso(k.createdAt),
    updated_at: iso(k.updatedAt),
  };
}

/** ACT 1234 / 激活1234: the built-in activation keyword (a card team's customers activate by SMS). */
const PRESETS: Record<string, Required<Omit<KeywordCreate, "preset" | "starts_at" | "ends_at">>> = {
  card_activation: {
    name: "Card activation",
    words: ["ACT", "激活"],
    match: "prefix",
    argument: { type: "digits", min_length: 4, max_length: 4, required: true },
    actions: [{ type: "activate_card" }],
    failure_reply: { template: "card_activation_usage" },
    groups: [],
    enabled: true,
  },
};

async function row(ctx: Ctx, id: string): Promise<KeywordRow> {
  const r = await ctx.db.orm
    .select()
    .from(keywords)
    .where(and(eq(keywords.tenantId, ctx.tenantId), eq(keywords.id, id)))
    .get();
  if (!r) throw new NotFoundError("keyword", id);
  return r;
}

export async function listKeywords(ctx: Ctx) {
  const rows = await ctx.db.orm
    .select()
    .from(keywords)
    .where(eq(keywords.tenantId, ctx.tenantId))
    .orderBy(asc(keywords.id))
    .all();
  return { data: rows.map(keywordView) };
}

export async function getKeyword(ctx: Ctx, id: string) {
  return keywordView(await row(ctx, id));
}

/** Enabled keywords whose window holds `now`, oldest first (the first match wins). */
export async function activeKeywords(ctx: Ctx, now: number): Promise<KeywordRow[]> {
  const rows = await ctx.db.orm
    .select()
    .from(keywords)
    .where(and(eq(keywords.tenantId, ctx.tenantId), eq(keywords.enabled, true)))
    .orderBy(asc(keywords.id))
    .all();
  return rows.filter((k) => (k.startsAt === null || k.startsAt <= now) && (k.endsAt === null || now < k.endsAt));
}

type Draft = Omit<KeywordRow, "id" | "tenantId" | "createdAt" | "updatedAt">;

async function checkTemplate(env: KeywordEnv, key: string, field: string, locale: string) {
  await checkTemplateKey(env, env.library, key, localeChain(null, locale), field);
}

async function checkReply(env: KeywordEnv, r: Reply | null | undefined, field: string, locale: string) {
  if (r?.template) await checkTemplate(env, r.template, `${field}.template`, locale);
}

/** Validates a draft against the workspace: words, groups, templates, and conflicts. */
async function validate(env: KeywordEnv, d: Draft, selfId: string | null) {
  const tenant = await getTenantRow(env.db, env.tenantId);
  if (d.startsAt !== null && d.endsAt !== null && d.endsAt <= d.startsAt)
    throw ValidationError.field("ends_at", "must be after starts_at");
  if (d.argument?.type === "digits" && d.argument.min_length > d.argument.max_length)
    throw ValidationError.field("argument.min_length", "must not exceed max_length");
  for (const [i, w] of d.words.entries()) {
    if (!w) throw ValidationError.field(`words.${i}`, "is empty once folded (only punctuation or spaces)");
  }
  if (new Set(d.words).size !== d.words.length) throw ValidationError.field("words", "repeats a word");
  // Groups were resolved to ids already (groupIds, actionsWithIds).
  for (const [i, a] of d.actions.entries()) {
    const at = `actions.${i}`;
    if (a.type === "reply") await checkReply(env, a, at, tenant.locale);
    if (a.type === "start_survey") {
      await checkTemplate(env, a.template, `${at}.template`, tenant.locale);
      await checkReply(env, a.expects.thanks, `${at}.expects.thanks`, tenant.locale);
    }
    if (a.type === "activate_card" && d.argument?.type !== "digits")
      throw ValidationError.field("argument", "activate_card needs a digits argument (the card's last 4 digits)");
  }
  await checkReply(env, d.failureReply, "failure_reply", tenant.locale);

  // A keyword must never catch what a compliance word means: TD as "today's deals" would opt
  // people out, and a keyword that looks like STOP would leave them texting in vain.
  const words = complianceWords(resolveInbound(tenant.inbound));
  for (const w of d.words) {
    const n = normalize(w);
    const out = matchOptOut(n, words);
    const hit: [string, string] | null =
      (out && out.how !== "negated" ? ["opt_out", out.word] : null) ??
      (matchWhole(n, words.optIn) ? ["opt_in", n.text] : null) ??
      (matchWhole(n, words.help) ? ["help", n.text] : null);
    if (hit) {
      const [which, other] = hit;
      throw new ConflictError(`The keyword '${w}' shadows the ${which.replace("_", "-")} word '${other}'`, {
        field: "words",
        word: w,
        reason: "keyword_shadows",
        which,
        other,
      });
    }
    for (const [list, what] of [
      [words.optOut, "opt_out"],
      [words.optIn, "opt_in"],
      [words.help, "help"],
    ] as const) {
      for (const c of list) {
        if (overlap({ words: [w], match: d.match }, { words: [c], match: "whole" }))
          throw new ConflictError(`The keyword '${w}' would catch the ${what.replace("_", "-")} word '${c}'`, {
            field: "words",
            word: w,
            conflicts_with: c,
            reason: "keyword_shadows",
            which: what,
            other: c,
          });
      }
    }
  }
  const others = await env.db.orm.select().from(keywords).where(eq(keywords.tenantId, env.tenantId)).all();
  for (const o of others) {
    if (o.id === selfId || !o.enabled || !d.enabled) continue;
    const disjoint =
      (d.endsAt !== null && o.startsAt !== null && d.endsAt <= o.startsAt) ||
      (o.endsAt !== null && d.startsAt !== null && o.endsAt <= d.startsAt);
    const hit = disjoint ? null : overlap(d, o);
    if (hit)
      throw new ConflictError(`The word '${hit.word}' overlaps '${hit.other}' of keyword '${o.name}'`, {
        field: "words",
        keyword_id: o.id,
        word: hit.word,
        reason: "keyword_overlap",
        other: hit.other,
        keyword: o.name,
      });
  }
}

async function groupIds(env: KeywordEnv, refs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const [i, g] of refs.entries()) {
    const found = await getGroup(env, g).catch(() => {
      throw ValidationError.field(`groups.${i}`, `no group ${g} in this workspace`);
    });
    out.push(found.id);
  }
  return out;
}

/** Group actions name groups by id, so a later code change does not move them. */
async function actionsWithIds(env: KeywordEnv, actions: KeywordAction[]): Promise<KeywordAction[]> {
  const out: KeywordAction[] = [];
  for (const [i, a] of actions.entries()) {
    if (a.type === "add_to_group" || a.type === "remove_from_group") {
      const g = await staticGroupByRef(env, a.group).catch(() => {
        throw ValidationError.field(`actions.${i}.group`, `no static group ${a.group} in this workspace`);
      });
      out.push({ ...a, group: g.id });
    } else out.push(a);
  }
  return out;
}

const folded = (words: string[]) => words.map((w) => normalize(w).text);
const instant = (s: string | null | undefined) => (s === null || s === undefined ? null : Date.parse(s));

export async function createKeyword(env: KeywordEnv, input: KeywordCreate) {
  const preset = input.preset ? PRESETS[input.preset] : undefined;
  const merged = { ...(preset ?? {}), ...input };
  for (const f of ["name", "words", "actions"] as const) {
    if (merged[f] === undefined) throw ValidationError.field(f, "is required (or start from a preset)");
  }
  const draft: Draft = {
    name: merged.name as string,
    words: folded(merged.words as string[]),
    match: merged.match ?? "first_word",
    argument: merged.argument ?? null,
    actions: await actionsWithIds(env, merged.actions as KeywordAction[]),
    failureReply: merged.failure_reply ?? null,
    groupIds: await groupIds(env, merged.groups ?? []),
    startsAt: instant(merged.starts_at),
    endsAt: instant(merged.ends_at),
    enabled: merged.enabled ?? true,
    preset: input.preset ?? null,
  };
  await validate(env, draft, null);
  const now = env.clock.now().getTime();
  const r: KeywordRow = { ...draft, id: env.ids.next("kwd"), tenantId: env.tenantId, createdAt: now, updatedAt: now };
  await env.db.batch([env.db.orm.insert(keywords).values(r)]);
  return keywordView(r);
}

export async function updateKeyword(env: KeywordEnv, id: string, patch: KeywordPatch) {
  const current = await row(env, id);
  const draft: Draft = {
    name: patch.name ?? current.name,
    words: patch.words ? folded(patch.words) : current.words,
    match: patch.match ?? current.match,
    argument: patch.argument !== undefined ? patch.argument : current.argument,
    actions: patch.actions ? await actionsWithIds(env, patch.actions) : current.actions,
    failureReply: patch.failure_reply !== undefined ? patch.failure_reply : current.failureReply,
    groupIds: patch.groups ? await groupIds(env, patch.groups) : current.groupIds,
    startsAt: patch.starts_at !== undefined ? instant(patch.starts_at) : current.startsAt,
    endsAt: patch.ends_at !== undefined ? instant(patch.ends_at) : current.endsAt,
    enabled: patch.enabled ?? current.enabled,
    preset: current.preset,
  };
  await validate(env, draft, id);
  const next: KeywordRow = { ...current, ...draft, updatedAt: env.clock.now().getTime() };
  await env.db.batch([
    env.db.orm
      .update(keywords)
      .set(next)
      .where(and(eq(keywords.tenantId, env.tenantId), eq(keywords.id, id))),
  ]);
  return keywordView(next);
}

/** Deletes the keyword; its uses stay in the inbound log (and its analytics under its id). */
export async function deleteKeyword(ctx: Ctx, id: string) {
  await row(ctx, id);
  await ctx.db.batch([
    ctx.db.orm.delete(keywords).where(and(eq(keywords.tenantId, ctx.tenantId), eq(keywords.id, id))),
  ]);
}

/**
 * Uses, successes and failures per keyword per period, and how much of what came in matched
 * nothing (went to the inbox). Periods are UTC.
 */
export async function keywordStats(ctx: Ctx, q: { from?: string; to?: string; interval: StatsInterval }) {
  const now = ctx.clock.now().getTime();
  const to = q.to ? Date.parse(q.to) : now;
  const from = q.from ? Date.parse(q.from) : to - 30 * 86_400_000;
  if (from >= to) throw ValidationError.field("from", "must be before to");
  const per = await keywordUsesByPeriod(ctx.db, ctx.tenantId, q.interval, from, to);
  const totals = await inboundByPeriod(ctx.db, ctx.tenantId, q.interval, from, to);
  const names = new Map((await listKeywords(ctx)).data.map((k) => [k.id, k.name]));
  const byKeyword = new Map<
    string,
    { keyword_id: string; name: string | null; periods: unknown[]; uses: number; successes: number; failures: number }
  >();
  for (const r of per) {
    let k = byKeyword.get(r.keyword_id);
    if (!k) {
      k = {
        keyword_id: r.keyword_id,
        name: names.get(r.keyword_id) ?? null,
        periods: [],
        uses: 0,
        successes: 0,
        failures: 0,
      };
      byKeyword.set(r.keyword_id, k);
    }
    k.periods.push({ period: r.period, uses: r.uses, successes: r.successes, failures: r.failures });
    k.uses += r.uses;
    k.successes += r.successes;
    k.failures += r.failures;
  }
  const inbound = totals.reduce((s, r) => s + r.inbound, 0);
  const unmatched = totals.reduce((s, r) => s + r.unmatched, 0);
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    interval: q.interval,
    keywords: [...byKeyword.values()],
    inbound,
    unmatched,
    unmatched_rate: inbound === 0 ? null : unmatched / inbound,
    periods: totals.map((r) => ({ ...r, unmatched_rate: r.inbound === 0 ? null : r.unmatched / r.inbound })),
  };
}
