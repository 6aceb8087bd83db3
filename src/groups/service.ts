import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import { nudgeDateCampaigns, replanDateCampaigns } from "../campaigns/nudge";
import type { Ctx } from "../context";
import { liveCustomersWhereIn } from "../customers/store";
import { timelineEntryIf } from "../customers/timeline";
import { toView as customerView } from "../customers/view";
import type { RawStatement } from "../db/client";
import { attributeDefinitions, customers, type GroupRow, groupMembers, groups, tenantTimeZones } from "../db/schema";
import { inList } from "../db/sql";
import { ConflictError, NotFoundError, ValidationError } from "../lib/errors";
import { isCountry, normalizePhone } from "../lib/phone";
import { getTenantRow } from "../tenants/store";
import { compileFilter, referencedGroups, type SegmentContext } from "./segment";
import {
  countLiveCustomerMeeting,
  countLiveCustomersMeeting,
  deleteGroupMember,
  insertGroupMember,
  liveCustomerIdIn,
  liveCustomerIdsMeeting,
  membershipTest,
  staticMemberCondition,
  touchCustomers,
} from "./store";

export type GroupInput = {
  name: string;
  code?: string | null;
  description?: string | null;
  kind: "static" | "segment";
  filter?: unknown;
};

export type GroupPatch = Partial<Omit<GroupInput, "kind">>;

export type MemberRefs = { customer_ids?: string[]; external_ids?: string[]; phones?: string[] };

const CODE = /^(0[1-9]|[1-9]\d)$/;

function toView(g: GroupRow, memberCount: number | null) {
  return {
    id: g.id,
    code: g.code,
    name: g.name,
    description: g.description,
    kind: g.kind,
    filter: g.kind === "segment" ? g.filter : null,
    member_count: memberCount,
    created_at: new Date(g.createdAt).toISOString(),
    updated_at: new Date(g.updatedAt).toISOString(),
  };
}

export async function segmentContext(ctx: Ctx): Promise<SegmentContext> {
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const t = ctx.tenantId;
  const defs = await ctx.db.orm.select().from(attributeDefinitions).where(eq(attributeDefinitions.tenantId, t)).all();
  const zones = await ctx.db.orm.select().from(tenantTimeZones).where(eq(tenantTimeZones.tenantId, t)).all();
  const all = await ctx.db.orm.select().from(groups).where(eq(groups.tenantId, t)).all();
  return {
    tenantId: ctx.tenantId,
    now: ctx.clock.now(),
    tiers: tenant.tiers,
    attributeTypes: new Map(defs.map((d) => [d.key, d.type])),
    timeZones: [tenant.timeZone, ...zones.map((z) => z.timeZone).filter((z) => z !== tenant.timeZone)],
    resolveGroup: (ref) => {
      const g = all.find((x) => x.id === ref || x.code === ref);
      if (!g) return null;
      return g.kind === "static" ? { kind: "static", id: g.id } : { kind: "segment", id: g.id, filter: g.filter };
    },
  };
}

async function groupRow(ctx: Ctx, ref: string): Promise<GroupRow> {
  const row = await ctx.db.orm
    .select()
    .from(groups)
    .where(and(eq(groups.tenantId, ctx.tenantId), sql`(${groups.id} = ${ref} or ${groups.code} = ${ref})`))
    .get();
  if (!row) throw new NotFoundError("group", ref);
  return row;
}

async function memberCount(ctx: Ctx, g: GroupRow): Promise<number | null> {
  if (g.kind !== "static") return null;
  const r = await ctx.db.orm
    .select({ n: sql<number>`count(*)` })
    .from(groupMembers)
    .where(and(eq(groupMembers.tenantId, ctx.tenantId), eq(groupMembers.groupId, g.id)))
    .get();
  return r?.n ?? 0;
}

/** Static groups always get a code (SMS staff commands address them by it): the lowest free one. */
async function freeCode(ctx: Ctx): Promise<string> {
  const used = new Set(
    (await ctx.db.orm.select({ code: groups.code }).from(groups).where(eq(groups.tenantId, ctx.tenantId)).all()).map(
      (r) => r.code,
    ),
  );
  for (let i = 1; i <= 99; i++) {
    const code = String(i).padStart(2, "0");
    if (!used.has(code)) return code;
  }
  throw new ConflictError("All group codes 01-99 are taken; delete a group or give segments no code");
}

async function assertCodeFree(ctx: Ctx, code: string, exceptId?: string) {
  if (!CODE.test(code)) throw ValidationError.field("code", "must be two digits 01-99");
  const other = await ctx.db.orm
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.tenantId, ctx.tenantId), eq(groups.code, code)))
    .get();
  if (other && other.id !== exceptId)
    throw new ConflictError(`Group code ${code} is already used`, {
      field: "code",
      group_id: other.id,
      reason: "taken",
      value: code,
    });
}

async function checkFilter(ctx: Ctx, filter: unknown, selfId?: string) {
  const sctx = await segmentContext(ctx);
  if (selfId) {
    // A segment may refer to other groups, but not (through them) to itself.
    const resolve = sctx.resolveGroup;
    sctx.resolveGroup = (ref) => {
      const g = resolve(ref);
      return g && g.id === selfId ? { kind: "segment", id: selfId, filter } : g;
    };
  }
  compileFilter(filter, sctx);
}

export async function createGroup(ctx: Ctx, input: GroupInput) {
  if (input.kind === "segment" && input.filter === undefined)
    throw ValidationError.field("filter", "is required for a segment");
  if (input.kind === "static" && input.filter !== undefined)
    throw ValidationError.field("filter", "only segments have a filter");
  const id = ctx.ids.next("grp");
  if (input.kind === "segment") await checkFilter(ctx, input.filter, id);
  let code = input.code ?? null;
  if (code) await assertCodeFree(ctx, code);
  else if (input.kind === "static") code = await freeCode(ctx);
  const now = ctx.clock.now().getTime();
  const row: GroupRow = {
    id,
    tenantId: ctx.tenantId,
    code,
    name: input.name,
    description: input.description ?? null,
    kind: input.kind,
    filter: input.kind === "segment" ? input.filter : null,
    createdAt: now,
    updatedAt: now,
  };
  await ctx.db.batch([ctx.db.orm.insert(groups).values(row)]);
  return toView(row, input.kind === "static" ? 0 : null);
}

export async function listGroups(ctx: Ctx) {
  const rows = await ctx.db.orm
    .select()
    .from(groups)
    .where(eq(groups.tenantId, ctx.tenantId))
    .orderBy(sql`${groups.code} is null`, asc(groups.code), asc(groups.id))
    .all();
  const counts = await ctx.db.orm
    .select({ id: groupMembers.groupId, n: sql<number>`count(*)` })
    .from(groupMembers)
    .where(eq(groupMembers.tenantId, ctx.tenantId))
    .groupBy(groupMembers.groupId)
    .all();
  const byId = new Map(counts.map((c) => [c.id, c.n]));
  return { data: rows.map((g) => toView(g, g.kind === "static" ? (byId.get(g.id) ?? 0) : null)) };
}

export async function getGroup(ctx: Ctx, ref: string) {
  const g = await groupRow(ctx, ref);
  return toView(g, await memberCount(ctx, g));
}

export async function updateGroup(ctx: Ctx, ref: string, patch: GroupPatch) {
  const g = await groupRow(ctx, ref);
  if (patch.filter !== undefined) {
    if (g.kind !== "segment") throw ValidationError.field("filter", "only segments have a filter");
    await checkFilter(ctx, patch.filter, g.id);
  }
  if (patch.code) await assertCodeFree(ctx, patch.code, g.id);
  if (patch.code === null && g.kind === "static") throw ValidationError.field("code", "a static group keeps a code");
  const next: GroupRow = {
    ...g,
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.code !== undefined && { code: patch.code }),
    ...(patch.description !== undefined && { description: patch.description }),
    ...(patch.filter !== undefined && { filter: patch.filter }),
    updatedAt: ctx.clock.now().getTime(),
  };
  await ctx.db.batch([
    ctx.db.orm
      .update(groups)
      .set(next)
      .where(and(eq(groups.tenantId, ctx.tenantId), eq(groups.id, g.id))),
    ...(patch.filter !== undefined ? [replanDateCampaigns(ctx.tenantId, next.updatedAt)] : []),
  ]);
  return toView(next, await memberCount(ctx, next));
}

export async function deleteGroup(ctx: Ctx, ref: string) {
  const g = await groupRow(ctx, ref);
  const segments = await ctx.db.orm
    .select()
    .from(groups)
    .where(and(eq(groups.tenantId, ctx.tenantId), eq(groups.kind, "segment")))
    .all();
  const inUse = segments.filter(
    (s) => s.id !== g.id && referencedGroups(s.filter).some((r) => r === g.id || r === g.code),
  );
  if (inUse.length > 0) {
    throw new ConflictError(`Segments refer to this group: ${inUse.map((s) => s.name).join(", ")}`, {
      segments: inUse.map((s) => s.id),
    });
  }
  await ctx.db.batch([
    ctx.db.orm.delete(groupMembers).where(and(eq(groupMembers.tenantId, ctx.tenantId), eq(groupMembers.groupId, g.id))),
    ctx.db.orm.delete(groups).where(and(eq(groups.tenantId, ctx.tenantId), eq(groups.id, g.id))),
  ]);
}

/** Resolves customer references in bulk; unknown ones are reported by their reference. */
async function resolveMembers(ctx: Ctx, refs: MemberRefs) {
  const total = (refs.customer_ids?.length ?? 0) + (refs.external_ids?.length ?? 0) + (refs.phones?.length ?? 0);
  if (total === 0) throw ValidationError.field("customer_ids", "give customer_ids, external_ids or phones");
  if (total > 10_000) throw ValidationError.field("customer_ids", "at most 10,000 customers per request");
  const tenant = await getTenantRow(ctx.db, ctx.tenantId);
  const country = isCountry(tenant.defaultCountry) ? tenant.defaultCountry : "CN";
  const phoneMap = new Map<string, string>();
  const notFound: { ref: string; reason: string }[] = [];
  for (const p of refs.phones ?? []) {
    const r = normalizePhone(p, country);
    if (r.ok) phoneMap.set(r.e164, p);
    else notFound.push({ ref: p, reason: `phone ${r.reason}` });
  }
  // One indexed lookup per kind of reference (an OR across them would scan the workspace).
  const rows = [
    ...(await liveCustomersWhereIn(ctx, customers.id, refs.customer_ids ?? [])),
    ...(await liveCustomersWhereIn(ctx, customers.externalId, refs.external_ids ?? [])),
    ...(await liveCustomersWhereIn(ctx, customers.phone, [...phoneMap.keys()])),
  ];
  const ids = new Set(rows.map((r) => r.id));
  const ext = new Set(rows.map((r) => r.externalId));
  const phones = new Set(rows.map((r) => r.phone));
  for (const id of refs.customer_ids ?? []) if (!ids.has(id)) notFound.push({ ref: id, reason: "no such customer" });
  for (const e of refs.external_ids ?? [])
    if (!ext.has(e)) notFound.push({ ref: e, reason: "no customer with this external id" });
  for (const [e164, raw] of phoneMap)
    if (!phones.has(e164)) notFound.push({ ref: raw, reason: "no customer with this phone" });
  return { ids: [...ids], notFound };
}

async function currentMembers(ctx: Ctx, groupId: string, ids: string[]): Promise<Set<string>> {
  const rows = await ctx.db.orm
    .select({ id: groupMembers.customerId })
    .from(groupMembers)
    .where(
      and(
        eq(groupMembers.tenantId, ctx.tenantId),
        eq(groupMembers.groupId, groupId),
        inList(groupMembers.customerId, ids),
      ),
    )
    .all();
  return new Set(rows.map((r) => r.id));
}

function staticGroup(g: GroupRow) {
  if (g.kind !== "static")
    throw new ConflictError("A segment's members come from its filter; add members to a static group");
}

/** A static group by id or code (two digits), for callers that add or remove members. */
export async function staticGroupByRef(ctx: Ctx, ref: string): Promise<GroupRow> {
  const g = await groupRow(ctx, ref);
  staticGroup(g);
  return g;
}

/**
 * Statements that put customers in (or take them out of) a static group, each change on the
 * customer's timeline. Safe to run twice: only a real change writes a timeline entry.
 */
export function membershipStatements(ctx: Ctx, g: GroupRow, customerIds: Iterable<string>, op: "join" | "leave") {
  const now = ctx.clock.now().getTime();
  const data = JSON.stringify({ group_id: g.id, code: g.code, name: g.name });
  const statements: RawStatement[] = [];
  const ids: string[] = [];
  for (const id of customerIds) {
    ids.push(id);
    statements.push(
      timelineEntryIf(
        ctx.ids,
        ctx.tenantId,
        id,
        now,
        op === "join" ? "group.joined" : "group.left",
        data,
        membershipTest(op === "join" ? "not exists" : "exists", ctx.tenantId, g.id, id),
      ),
    );
    statements.push(
      op === "join" ? insertGroupMember(ctx.tenantId, g.id, id, now) : deleteGroupMember(ctx.tenantId, g.id, id),
    );
  }
  // A date campaign for this group looks again at the customers changed since it planned:
  // someone who joined after today's greetings went out still gets one (late, if its catch-up
  // allows). Their groups changed, so they count as changed.
  if (ids.length > 0) {
    statements.push(touchCustomers(now, ctx.tenantId, ids), nudgeDateCampaigns(ctx.tenantId, now));
  }
  return statements;
}

/** The static groups a customer is in, by code then name (404 for no such customer). */
export async function groupsOfCustomer(ctx: Ctx, customerId: string) {
  const [found] = await liveCustomersWhereIn(ctx, customers.id, [customerId]);
  if (!found) throw new NotFoundError("customer", customerId);
  const rows = await ctx.db.orm
    .select({ g: groups })
    .from(groupMembers)
    .innerJoin(groups, and(eq(groups.tenantId, groupMembers.tenantId), eq(groups.id, groupMembers.groupId)))
    .where(and(eq(groupMembers.tenantId, ctx.tenantId), eq(groupMembers.customerId, customerId)))
    .orderBy(asc(groups.code), asc(groups.name))
    .all();
  return { data: rows.map(({ g }) => toView(g, null)) };
}

export async function addMembers(ctx: Ctx, ref: string, refs: MemberRefs) {
  const g = await staticGroupByRef(ctx, ref);
  const { ids, notFound } = await resolveMembers(ctx, refs);
  const already = await currentMembers(ctx, g.id, ids);
  await ctx.db.batch(
    membershipStatements(
      ctx,
      g,
      ids.filter((id) => !already.has(id)),
      "join",
    ),
  );
  return {
    added: ids.length - already.size,
    already_members: already.size,
    not_found: notFound,
    member_count: await memberCount(ctx, g),
  };
}

export async function removeMembers(ctx: Ctx, ref: string, refs: MemberRefs) {
  const g = await staticGroupByRef(ctx, ref);
  const { ids, notFound } = await resolveMembers(ctx, refs);
  const members = await currentMembers(ctx, g.id, ids);
  await ctx.db.batch(membershipStatements(ctx, g, members, "leave"));
  return {
    removed: members.size,
    not_members: ids.length - members.size,
    not_found: notFound,
    member_count: await memberCount(ctx, g),
  };
}

/** The SQL condition "customer c belongs to this group" (static membership or segment filter). */
async function groupCondition(ctx: Ctx, g: GroupRow): Promise<SQL> {
  if (g.kind === "static") {
    return staticMemberCondition(ctx.tenantId, g.id);
  }
  return compileFilter(g.filter, await segmentContext(ctx));
}

/** Whether a customer is in a group (a static one's members, or a segment's filter now); false if the group is gone. */
export async function customerInGroup(ctx: Ctx, groupId: string, customerId: string): Promise<boolean> {
  const g = await groupRow(ctx, groupId).catch(() => null);
  if (!g) return false;
  const cond = await groupCondition(ctx, g);
  const row = await countLiveCustomerMeeting(ctx.db, ctx.tenantId, customerId, cond);
  return (row?.n ?? 0) > 0;
}

/** For customer listings: `customers.id` belongs to the group given by id or code. */
export async function customerFilterSql(ctx: Ctx, ref: string): Promise<SQL> {
  const cond = await groupCondition(ctx, await groupRow(ctx, ref));
  return liveCustomerIdIn(ctx.tenantId, cond);
}

/** For customer listings: `customers.id` meets a segment filter given as JSON. */
export async function customerMatchSql(ctx: Ctx, filter: unknown): Promise<SQL> {
  return liveCustomerIdIn(ctx.tenantId, compileFilter(filter, await segmentContext(ctx)));
}

async function countAndSample(ctx: Ctx, cond: SQL, sampleSize: number) {
  const count = await countLiveCustomersMeeting(ctx.db, ctx.tenantId, cond);
  const ids = sampleSize > 0 ? await liveCustomerIdsMeeting(ctx.db, ctx.tenantId, cond, sampleSize) : [];
  const sample =
    ids.length > 0
      ? await ctx.db.orm
          .select()
          .from(customers)
          .where(
            and(
              eq(customers.tenantId, ctx.tenantId),
              inList(
                customers.id,
                ids.map((r) => r.id),
              ),
            ),
          )
          .orderBy(asc(customers.id))
          .all()
      : [];
  return { count: count?.n ?? 0, sample: sample.map(customerView) };
}

export async function previewGroup(ctx: Ctx, ref: string, sampleSize: number) {
  const g = await groupRow(ctx, ref);
  return countAndSample(ctx, await groupCondition(ctx, g), sampleSize);
}

export async function previewFilter(ctx: Ctx, filter: unknown, sampleSize: number) {
  return countAndSample(ctx, compileFilter(filter, await segmentContext(ctx)), sampleSize);
}

/** Counts a segment filter; used by the bench and by later campaign planning. */
export async function countFilter(ctx: Ctx, filter: unknown): Promise<number> {
  return (await countAndSample(ctx, compileFilter(filter, await segmentContext(ctx)), 0)).count;
}
