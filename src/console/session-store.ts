// The raw SQL of console sign-in: the failed password tries kept per workspace and email (the
// limits and the window are the caller's, ./sessions).
import type { Database, RawStatement } from "../db/client";

/**
 * Reserves a try's place among the failures in one atomic statement: inserted (one row returned)
 * only while the member has fewer than `perMember` failures since `since` and the workspace
 * fewer than `perWorkspace`, so a burst of parallel guesses cannot all pass the check.
 */
export async function reserveLoginFailure(
  db: Database,
  tenantId: string,
  email: string,
  now: number,
  since: number,
  perMember: number,
  perWorkspace: number,
): Promise<{ at: number }[]> {
  return db.rawAll<{ at: number }>(
    `insert into console_login_failures (tenant_id, email, at)
     select ?, ?, ?
     where (select count(*) from console_login_failures where tenant_id = ? and email = ? and at > ?) < ?
       and (select count(*) from console_login_failures where tenant_id = ? and at > ?) < ?
     returning at`,
    [tenantId, email, now, tenantId, email, since, perMember, tenantId, since, perWorkspace],
  );
}

/** The member's failures since `since`: how many, and the oldest. */
export async function memberLoginFailures(
  db: Database,
  tenantId: string,
  email: string,
  since: number,
): Promise<{ member: number; oldest: number | null }[]> {
  return db.rawAll<{ member: number; oldest: number | null }>(
    `select count(*) as member, min(at) as oldest
     from console_login_failures where tenant_id = ? and email = ? and at > ?`,
    [tenantId, email, since],
  );
}

/** Deletes the workspace's failures older than `before`. */
export function deleteLoginFailuresBefore(tenantId: string, before: number): RawStatement {
  return {
    sql: "delete from console_login_failures where tenant_id = ? and at < ?",
    params: [tenantId, before],
  };
}

/** Deletes the member's failures (a right password takes them back). */
export function deleteMemberLoginFailures(tenantId: string, email: string): RawStatement {
  return { sql: "delete from console_login_failures where tenant_id = ? and email = ?", params: [tenantId, email] };
}
