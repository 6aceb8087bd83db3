// The workspace's control group: a share of customers who get no marketing at all, so that what
// all its marketing together causes can be measured against them. Membership is the arms' hash
// under a key of the workspace and the calendar year (in the workspace's zone), so it is the
// same in SQL as in JavaScript, and a new year draws a new group.

import type { ControlGroup } from "../db/schema";
import { bucketOf, bucketSql, campaignHash } from "./assign";

/** Earlier shares kept for the reports. */
const KEPT = 20;

/** The group after a change of share (null: none), keeping what it was. */
export function changedGroup(old: ControlGroup | null, share: number | null, now: number): ControlGroup | null {
  const next = share ?? 0;
  if ((old?.share ?? 0) === next) return old;
  const past = [
    ...(old?.past ?? []),
    ...(old && old.share > 0 ? [{ share: old.share, since: old.since, until: now }] : []),
  ];
  return { share: next, since: now, ...(past.length > 0 && { past: past.slice(-KEPT) }) };
}

/** The latest period with a group that overlaps [from, to): its share and the part of the span it covers. */
export function groupDuring(g: ControlGroup | null, from: number, to: number) {
  const periods = [...(g?.past ?? []), ...(g && g.share > 0 ? [{ share: g.share, since: g.since, until: to }] : [])];
  const p = periods.filter((x) => x.since < to && x.until > from).at(-1);
  return p ? { share: p.share, from: Math.max(from, p.since), to: Math.min(to, p.until) } : null;
}

const keyOf = (tenantId: string, year: number) => campaignHash(`${tenantId}#control#${year}`);

export function inControlGroup(share: number, tenantId: string, year: number, customerId: string): boolean {
  return bucketOf(keyOf(tenantId, year), customerId) < share;
}

/** The same, as an SQL condition over a customer id column. */
export function controlGroupSql(share: number, tenantId: string, year: number, column: string): string {
  return `(${bucketSql(keyOf(tenantId, year), column)} < ${share})`;
}
