// Segment filters: JSON in, one SQL condition on `customers` out. Counting never loads
// customers into JS. Relative dates ("within the next 7 days") are taken in each customer's
// own calendar by grouping the workspace's time zones by their local date.

import { type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { AttributeType } from "../db/schema";
import { inList } from "../db/sql";
import { type ErrorDetail, ValidationError } from "../lib/errors";
import { lunarMonthDays } from "../lib/lunar";
import { addDays, type CivilDate, formatCivil, isLeapYear, localDate, parseCivilDate } from "../lib/time";

export type SegmentContext = {
  tenantId: string;
  now: Date;
  tiers: readonly string[];
  attributeTypes: ReadonlyMap<string, AttributeType>;
  /** The workspace's default zone first, then every zone its customers use. */
  timeZones: readonly string[];
  /** Resolves a group id or code to a static group id (or a compiled segment), or null. */
  resolveGroup: (
    ref: string,
  ) => { kind: "static"; id: string } | { kind: "segment"; filter: unknown; id: string } | null;
};

type Kind = "string" | "enum" | "number" | "boolean" | "date" | "instant" | "birthday" | "tags" | "groups";

const OPS: Record<Kind, readonly string[]> = {
  string: ["eq", "neq", "in", "not_in", "contains", "starts_with", "exists", "not_exists"],
  enum: ["eq", "neq", "in", "not_in", "exists", "not_exists"],
  number: ["eq", "neq", "gt", "gte", "lt", "lte", "in", "not_in", "exists", "not_exists"],
  boolean: ["eq", "neq", "exists", "not_exists"],
  date: [
    "eq",
    "before",
    "after",
    "on_or_before",
    "on_or_after",
    "older_than",
    "within_last",
    "within_next",
    "exists",
    "not_exists",
  ],
  instant: ["before", "after", "older_than", "within_last", "exists", "not_exists"],
  birthday: ["within_next", "is_today", "month_is", "exists", "not_exists"],
  tags: ["has", "has_any", "has_all"],
  groups: ["member_of", "member_of_any"],
};

const BUILTIN: Record<string, { kind: Kind; column: string }> = {
  name: { kind: "string", column: "c.name" },
  phone: { kind: "string", column: "c.phone" },
  external_id: { kind: "string", column: "c.external_id" },
  locale: { kind: "string", column: "c.locale" },
  time_zone: { kind: "string", column: "c.time_zone" },
  source: { kind: "string", column: "c.source" },
  owner_id: { kind: "string", column: "c.owner_id" },
  tier: { kind: "enum", column: "c.tier" },
  consent: { kind: "enum", column: "c.consent_state" },
  created_at: { kind: "instant", column: "c.created_at" },
  updated_at: { kind: "instant", column: "c.updated_at" },
  consent_at: { kind: "instant", column: "c.consent_at" },
  birthday: { kind: "birthday", column: "" },
  tags: { kind: "tags", column: "" },
  groups: { kind: "groups", column: "" },
};

const CONSENT_STATES = ["subscribed", "unsubscribed", "never_asked"];
const MAX_DEPTH = 8;
const MAX_CONDITIONS = 50;
const DAY_MS = 86_400_000;

export const FILTER_DOC = `A segment filter is a condition or a nesting of them:
- \`{ "and": [f, ...] }\`, \`{ "or": [f, ...] }\`, \`{ "not": f }\`
- \`{ "field": "tier", "op": "in", "value": ["gold", "diamond"] }\`

Fields: name, phone, external_id, locale, time_zone, source, owner_id (string ops: eq, neq, in, not_in, contains, starts_with, exists, not_exists); tier, consent (eq, neq, in, not_in); created_at, updated_at, consent_at (before, after, older_than, within_last: value in days); birthday (within_next: days, is_today, month_is: 1-12; lunar birthdays by the lunar calendar; 29 Feb falls on 28 Feb in other years); tags (has, has_any, has_all); groups (member_of, member_of_any: group ids or codes); attributes.<key> by its type: number (eq, neq, gt, gte, lt, lte, in, not_in), boolean (eq, neq), date (eq, before, after, on_or_before, on_or_after, older_than, within_last, within_next: days in the customer's own calendar), string as above. Every field also has exists / not_exists (tags and groups excepted).`;

class Compiler {
  private readonly errors: ErrorDetail[] = [];
  private conditions = 0;
  private dateGroups: { date: CivilDate; zones: string[] }[] | null = null;
  private readonly groupStack: string[] = [];

  constructor(private readonly ctx: SegmentContext) {}

  run(filter: unknown, path: string): SQL {
    const out = this.node(filter, path, 0);
    if (this.errors.length > 0) {
      throw new ValidationError(
        `Invalid filter: ${this.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
        this.errors,
      );
    }
    return out;
  }

  private err(path: string, message: string): SQL {
    this.errors.push({ path, message });
    return sql`0`;
  }

  private node(f: unknown, path: string, depth: number): SQL {
    if (depth > MAX_DEPTH) return this.err(path, `nesting is limited to ${MAX_DEPTH} levels`);
    if (typeof f !== "object" || f === null || Array.isArray(f)) {
      return this.err(path, "must be an object: a condition {field, op, value} or {and|or|not}");
    }
    const obj = f as Record<string, unknown>;
    const keys = Object.keys(obj);
    for (const logical of ["and", "or"] as const) {
      if (logical in obj) {
        if (keys.length !== 1) return this.err(path, `'${logical}' must be the only key of its object`);
        const list = obj[logical];
        if (!Array.isArray(list) || list.length === 0 || list.length > MAX_CONDITIONS) {
          return this.err(`${path}.${logical}`, `must be a list of 1-${MAX_CONDITIONS} filters`);
        }
        // SQLite tests the terms in the order written and stops at the first that decides, so
        // cheap column tests go before JSON reads and subqueries (the result is the same).
        const parts = list
          .map((item, i) => ({ cost: cost(item), sql: this.node(item, `${path}.${logical}[${i}]`, depth + 1) }))
          .sort((a, b) => a.cost - b.cost)
          .map((p) => p.sql);
        return sql`(${sql.join(parts, logical === "and" ? sql` and ` : sql` or `)})`;
      }
    }
    if ("not" in obj) {
      if (keys.length !== 1) return this.err(path, "'not' must be the only key of its object");
      // coalesce keeps NOT two-valued: "not tier = gold" includes customers with no tier.
      return sql`(not coalesce(${this.node(obj.not, `${path}.not`, depth + 1)}, 0))`;
    }
    const unknown = keys.filter((k) => !["field", "op", "value"].includes(k));
    if (unknown.length > 0)
      return this.err(`${path}.${unknown[0]}`, "is not a known key (expected field, op, value, or and/or/not)");
    if (++this.conditions > MAX_CONDITIONS)
      return this.err(path, `a filter may hold at most ${MAX_CONDITIONS} conditions`);
    return this.condition(obj, path);
  }

  private condition(obj: Record<string, unknown>, path: string): SQL {
    const { field, op, value } = obj;
    if (typeof field !== "string") return this.err(`${path}.field`, "is required and must be a string");
    if (typeof op !== "string") return this.err(`${path}.op`, "is required and must be a string");
    let kind: Kind;
    let column: SQL;
    if (field.startsWith("attributes.")) {
      const key = field.slice("attributes.".length);
      const type = this.ctx.attributeTypes.get(key);
      if (!type) return this.err(`${path}.field`, `'${key}' is not a defined attribute`);
      kind = type;
      // key is a defined attribute, so it matches ^[a-z][a-z0-9_]*$ and is safe inline.
      column = sql.raw(`json_extract(c.attributes, '$.${key}')`);
    } else {
      // Own fields only: "__proto__" or "toString" is no field.
      const b = Object.hasOwn(BUILTIN, field) ? BUILTIN[field] : undefined;
      if (!b) return this.err(`${path}.field`, `'${field}' is not a known field`);
      kind = b.kind;
      column = sql.raw(b.column);
    }
    if (!OPS[kind].includes(op)) {
      return this.err(`${path}.op`, `'${op}' does not apply to ${field} (use ${OPS[kind].join(", ")})`);
    }
    const vpath = `${path}.value`;
    if (op === "exists" || op === "not_exists") {
      if (value !== undefined) return this.err(vpath, `is not used with ${op}`);
      if (kind === "birthday")
        return op === "exists" ? sql`(c.birthday_month is not null)` : sql`(c.birthday_month is null)`;
      return op === "exists" ? sql`(${column} is not null)` : sql`(${column} is null)`;
    }
    switch (kind) {
      case "string":
      case "enum":
        return this.textual(field, kind, column, op, value, vpath);
      case "number":
        return this.numeric(column, op, value, vpath);
      case "boolean": {
        if (typeof value !== "boolean") return this.err(vpath, "must be true or false");
        const v = sql.raw(value ? "1" : "0");
        return op === "eq" ? sql`(${column} = ${v})` : sql`(${column} is not ${v})`;
      }
      case "date":
        return this.date(column, op, value, vpath);
      case "instant":
        return this.instant(column, op, value, vpath);
      case "birthday":
        return this.birthday(op, value, vpath);
      case "tags":
        return this.tags(op, value, vpath);
      case "groups":
        return this.groups(op, value, vpath);
    }
  }

  private textual(field: string, kind: Kind, column: SQL, op: string, value: unknown, vpath: string): SQL {
    const allowed = field === "tier" ? this.ctx.tiers : field === "consent" ? CONSENT_STATES : null;
    const check = (v: unknown, p: string): v is string => {
      const problem =
        typeof v !== "string"
          ? "must be a string"
          : allowed && !allowed.includes(v)
            ? `'${v}' is not one of ${allowed.join(", ")}`
            : null;
      if (problem) this.err(p, problem);
      return problem === null;
    };
    if (op === "in" || op === "not_in") {
      if (!Array.isArray(value) || value.length === 0 || value.length > 500)
        return this.err(vpath, "must be a list of 1-500 values");
      if (!value.every((v, i) => check(v, `${vpath}[${i}]`))) return sql`0`;
      return membership(column, op, value);
    }
    if (!check(value, vpath)) return sql`0`;
    switch (op) {
      case "eq":
        return sql`(${column} = ${value})`;
      case "neq":
        return sql`(${column} is not ${value})`;
      case "contains":
        return sql`(instr(lower(${column}), lower(${value})) > 0)`;
      default: // starts_with
        return kind === "string" ? sql`(substr(${column}, 1, ${value.length}) = ${value})` : sql`0`;
    }
  }

  private numeric(column: SQL, op: string, value: unknown, vpath: string): SQL {
    if (op === "in" || op === "not_in") {
      if (
        !Array.isArray(value) ||
        value.length === 0 ||
        !value.every((v) => typeof v === "number" && Number.isFinite(v))
      ) {
        return this.err(vpath, "must be a non-empty list of numbers");
      }
      return membership(column, op, value as number[]);
    }
    if (typeof value !== "number" || !Number.isFinite(value)) return this.err(vpath, "must be a number");
    const cmp = { eq: "=", neq: "is not", gt: ">", gte: ">=", lt: "<", lte: "<=" }[op] as string;
    return sql`(${column} ${sql.raw(cmp)} ${value})`;
  }

  private days(value: unknown, vpath: string, max = 36_600): number | null {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
      this.err(vpath, `must be a whole number of days, 0-${max}`);
      return null;
    }
    return value;
  }

  /** Calendar-date attributes: compared as YYYY-MM-DD text against each zone's local today. */
  private date(column: SQL, op: string, value: unknown, vpath: string): SQL {
    const absolute = { eq: "=", before: "<", after: ">", on_or_before: "<=", on_or_after: ">=" }[op];
    if (absolute) {
      if (typeof value !== "string" || !parseCivilDate(value)) return this.err(vpath, "must be a date YYYY-MM-DD");
      return sql`(${column} ${sql.raw(absolute)} ${value})`;
    }
    const n = this.days(value, vpath);
    if (n === null) return sql`0`;
    return this.perLocalDate((today) => {
      const t = formatCivil(today);
      if (op === "older_than") return sql`(${column} < ${formatCivil(addDays(today, -n))})`;
      if (op === "within_last") return sql`(${column} >= ${formatCivil(addDays(today, -n))} and ${column} <= ${t})`;
      return sql`(${column} >= ${t} and ${column} <= ${formatCivil(addDays(today, n))})`;
    });
  }

  private instant(column: SQL, op: string, value: unknown, vpath: string): SQL {
    if (op === "before" || op === "after") {
      const d = typeof value === "string" ? new Date(value) : null;
      if (!d || Number.isNaN(d.getTime())) return this.err(vpath, "must be an ISO 8601 date-time");
      return sql`(${column} ${sql.raw(op === "before" ? "<" : ">")} ${d.getTime()})`;
    }
    const n = this.days(value, vpath);
    if (n === null) return sql`0`;
    const cutoff = this.ctx.now.getTime() - n * DAY_MS;
    return op === "older_than" ? sql`(${column} < ${cutoff})` : sql`(${column} >= ${cutoff})`;
  }

  private birthday(op: string, value: unknown, vpath: string): SQL {
    if (op === "month_is") {
      if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 12)
        return this.err(vpath, "must be a month 1-12");
      return sql`(c.birthday_lunar = 0 and c.birthday_month = ${value})`;
    }
    let n = 0;
    if (op === "is_today") {
      if (value !== undefined) return this.err(vpath, "is not used with is_today");
    } else {
      const d = this.days(value, vpath, 366);
      if (d === null) return sql`0`;
      n = d;
    }
    return this.perLocalDate((today) => {
      const solar = new Set<number>();
      const lunar = new Set<number>();
      for (let i = 0; i <= n; i++) {
        const d = addDays(today, i);
        solar.add(d.month * 100 + d.day);
        // 29 February birthdays fall on 28 February in common years.
        if (d.month === 2 && d.day === 28 && !isLeapYear(d.year)) solar.add(229);
        for (const md of lunarMonthDays(d)) lunar.add(md);
      }
      const md = sql.raw("(c.birthday_month * 100 + c.birthday_day)");
      const inList = (s: Set<number>) => sql.raw(`(${[...s].join(",")})`);
      return sql`((c.birthday_lunar = 0 and ${md} in ${inList(solar)}) or (c.birthday_lunar = 1 and ${md} in ${inList(lunar)}))`;
    });
  }

  private tags(op: string, value: unknown, vpath: string): SQL {
    const column = sql.raw("c.tags");
    if (op === "has") {
      if (typeof value !== "string" || value === "") return this.err(vpath, "must be a tag");
      return sql`(${hasTag(column, value)})`;
    }
    if (
      !Array.isArray(value) ||
      value.length === 0 ||
      value.length > 50 ||
      !value.every((v) => typeof v === "string")
    ) {
      return this.err(vpath, "must be a list of 1-50 tags");
    }
    return sql`(${sql.join(
      value.map((t) => hasTag(column, t as string)),
      op === "has_any" ? sql` or ` : sql` and `,
    )})`;
  }

  private groups(op: string, value: unknown, vpath: string): SQL {
    const refs = op === "member_of" ? [value] : value;
    if (!Array.isArray(refs) || refs.length === 0 || refs.length > 50)
      return this.err(vpath, "must be a list of 1-50 group ids or codes");
    const parts = refs.map((ref, i) => {
      const p = op === "member_of" ? vpath : `${vpath}[${i}]`;
      if (typeof ref !== "string") return this.err(p, "must be a group id or code");
      const g = this.ctx.resolveGroup(ref);
      if (!g) return this.err(p, `no group '${ref}' in this workspace`);
      if (g.kind === "static") {
        // One primary-key probe per row that gets this far (terms are ordered so few do); an
        // IN subquery would first copy the whole group into a temporary index on every count.
        return sql`exists (select 1 from group_members gm where gm.group_id = ${g.id} and gm.customer_id = c.id and gm.tenant_id = ${this.ctx.tenantId})`;
      }
      if (this.groupStack.includes(g.id)) return this.err(p, `segment '${ref}' refers to itself`);
      this.groupStack.push(g.id);
      const inner = this.node(g.filter, `${p}(segment ${ref})`, this.groupStack.length);
      this.groupStack.pop();
      return inner;
    });
    return sql`(${sql.join(parts, sql` or `)})`;
  }

  /**
   * Builds one condition per distinct local date among the workspace's zones. Most workspaces
   * sit in one date at a time, so this is usually a single branch with no zone test at all.
   */
  private perLocalDate(build: (today: CivilDate) => SQL): SQL {
    if (!this.dateGroups) {
      const byDate = new Map<string, { date: CivilDate; zones: string[] }>();
      for (const zone of this.ctx.timeZones) {
        const date = localDate(this.ctx.now, zone);
        const key = formatCivil(date);
        const entry = byDate.get(key) ?? { date, zones: [] };
        entry.zones.push(zone);
        byDate.set(key, entry);
      }
      this.dateGroups = [...byDate.values()];
    }
    const groups = this.dateGroups;
    if (groups.length === 1 && groups[0]) return build(groups[0].date);
    // The default zone's group (first) takes every zone not listed elsewhere.
    const others = groups.slice(1).flatMap((g) => g.zones);
    return sql`(${sql.join(
      groups.map((g, i) => {
        const zones = i === 0 ? others : g.zones;
        const list = sql.raw(`(${zones.map(quote).join(",")})`);
        return i === 0
          ? sql`(c.time_zone not in ${list} and ${build(g.date)})`
          : sql`(c.time_zone in ${list} and ${build(g.date)})`;
      }),
      sql` or `,
    )})`;
  }
}

/**
 * "The tags JSON array holds this tag", as a substring test on the stored text: tags are written
 * with JSON.stringify and may not contain quotes or backslashes, so the quoted tag only matches
 * a whole element. A scan of a million rows this way beats keeping a second table of tags.
 */
export function hasTag(column: SQLWrapper, tag: string): SQL {
  return sql`instr(${column}, ${JSON.stringify(tag)}) > 0`;
}

/** Zone names are validated IANA names, but quote defensively all the same. */
export function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export function compileFilter(filter: unknown, ctx: SegmentContext, path = "filter"): SQL {
  return new Compiler(ctx).run(filter, path);
}

/** `in` / `not_in` a list; `not_in` counts a missing value as not in the list. */
function membership(column: SQL, op: string, values: (string | number)[]): SQL {
  return op === "in" ? sql`(${inList(column, values)})` : sql`(${column} is null or not (${inList(column, values)}))`;
}

/** A rough price of testing a filter on one row, to order terms cheapest first. */
function cost(f: unknown): number {
  if (typeof f !== "object" || f === null) return 1;
  const o = f as Record<string, unknown>;
  if (Array.isArray(o.and) || Array.isArray(o.or))
    return ((o.and ?? o.or) as unknown[]).reduce<number>((n, x) => n + cost(x), 0);
  if ("not" in o) return cost(o.not);
  const field = typeof o.field === "string" ? o.field : "";
  if (field.startsWith("attributes.")) return 5;
  // An index probe per row for a static group (a segment named here is priced the same).
  if (field === "groups") return 12;
  if (field === "tags" || field === "birthday" || o.op === "contains") return 3;
  return 1;
}

/** Group ids or codes a filter names in `groups` conditions. */
export function referencedGroups(filter: unknown): string[] {
  if (typeof filter !== "object" || filter === null) return [];
  if (Array.isArray(filter)) return filter.flatMap(referencedGroups);
  const f = filter as Record<string, unknown>;
  if (f.field === "groups") return ([] as unknown[]).concat(f.value).filter((v): v is string => typeof v === "string");
  return [f.and, f.or, f.not].flatMap(referencedGroups);
}
