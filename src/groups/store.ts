// The SQL of group membership, and the customer counts and samples a group's condition selects
// (the condition itself, for a segment, is compiled by ./segment).
import { type SQL, sql } from "drizzle-orm";
import type { Database, RawStatement } from "../db/client";
import { customers } from "../db/schema";

const MEMBER = "select 1 from group_members where tenant_id = ? and group_id = ? and customer_id = ?";

/** A condition (for timelineEntryIf) that the customer is, or is not, a member of the group. */
export function membershipTest(
  test: "exists" | "not exists",
  tenantId: string,
  groupId: string,
  customerId: string,
): RawStatement {
  return { sql: `${test} (${MEMBER})`, params: [tenantId, groupId, customerId] };
}

export function insertGroupMember(tenantId: string, groupId: string, customerId: string, now: number): RawStatement {
  return {
    sql: "insert or ignore into group_members (tenant_id, group_id, customer_id, added_at) values (?, ?, ?, ?)",
    params: [tenantId, groupId, customerId, now],
  };
}

export function deleteGroupMember(tenantId: string, groupId: string, customerId: string): RawStatement {
  return {
    sql: "delete from group_members where tenant_id = ? and group_id = ? and customer_id = ?",
    params: [tenantId, groupId, customerId],
  };
}

// `+tenant_id`: with a plain `tenant_id = ?` SQLite walked every customer of the workspace
// (through customers_birthday) for each membership change, a keyword JOIN included.
export const TOUCH_CUSTOMERS_SQL =
  "update customers set updated_at = ? where +tenant_id = ? and id in (select value from json_each(?))";

/** Marks the customers as changed at `now` (date campaigns look again at changed customers). */
export function touchCustomers(now: number, tenantId: string, customerIds: string[]): RawStatement {
  return {
    sql: TOUCH_CUSTOMERS_SQL,
    params: [now, tenantId, JSON.stringify(customerIds)],
  };
}

/** The SQL condition "customer c is a member of this static group". */
export function staticMemberCondition(tenantId: string, groupId: string): SQL {
  return sql`c.id in (select customer_id from group_members where tenant_id = ${tenantId} and group_id = ${groupId})`;
}

/** `customers.id` is a live customer `c` that meets the condition. */
export function liveCustomerIdIn(tenantId: string, cond: SQL): SQL {
  return sql`${customers.id} in (select c.id from customers c where c.tenant_id = ${tenantId} and c.deleted_at is null and ${cond})`;
}

/** 1 if the live customer `c` meets the condition, else 0. */
export async function countLiveCustomerMeeting(
  db: Database,
  tenantId: string,
  customerId: string,
  cond: SQL,
): Promise<{ n: number } | undefined> {
  return db.orm.get<{ n: number }>(
    sql`select count(*) as n from customers c where c.tenant_id = ${tenantId} and c.id = ${customerId} and c.deleted_at is null and ${cond}`,
  );
}

const liveMeeting = (tenantId: string, cond: SQL) =>
  sql`from customers c where c.tenant_id = ${tenantId} and c.deleted_at is null and ${cond}`;

/** How many live customers `c` meet the condition. */
export async function countLiveCustomersMeeting(
  db: Database,
  tenantId: string,
  cond: SQL,
): Promise<{ n: number } | undefined> {
  return db.orm.get<{ n: number }>(sql`select count(*) as n ${liveMeeting(tenantId, cond)}`);
}

/** The first `limit` live customers `c` (by id) that meet the condition. */
export async function liveCustomerIdsMeeting(
  db: Database,
  tenantId: string,
  cond: SQL,
  limit: number,
): Promise<{ id: string }[]> {
  return db.orm.all<{ id: string }>(sql`select c.id as id ${liveMeeting(tenantId, cond)} order by c.id limit ${limit}`);
}
