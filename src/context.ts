import type { Database } from "./db/client";
import type { Clock } from "./lib/clock";
import type { IdGenerator } from "./lib/ids";

/** What a service function needs to act for one tenant. */
export type Ctx = {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  tenantId: string;
  /** Where the service's short links point from when the workspace names no link domain (previews count them). */
  linkUrl?: string;
};
