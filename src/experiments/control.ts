// The workspace's control group: a share of customers who get no marketing at all, so that what
// all its marketing together causes can be measured against them. Membership is the arms' hash
// under a key of the workspace and the calendar year (in the workspace's zone), so it is the
// same in SQL as in JavaScript, and a new year draws a new group.

import { bucketOf, bucketSql, campaignHash } from "./assign";

const keyOf = (tenantId: string, year: number) => campaignHash(`${tenantId}#control#${year}`);

export function inControlGroup(share: number, tenantId: string, year: number, customerId: string): boolean {
  return bucketOf(keyOf(tenantId, year), customerId) < share;
}

/** The same, as an SQL condition over a customer id column. */
export function controlGroupSql(share: number, tenantId: string, year: number, column: string): string {
  return `(${bucketSql(keyOf(tenantId, year), column)} < ${share})`;
}
