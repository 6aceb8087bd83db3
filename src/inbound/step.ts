// The contract between the inbound pipeline (process.ts) and its steps: what a step is given
// (Incoming) and what it answers (Handled). Steps import these types from here, never the
// pipeline itself.

import type { Ctx } from "../context";
import type { PrepareEnv } from "../customers/model";
import type { Database, Statement } from "../db/client";
import type { CustomerRow, InboundRow, InboundStep, KeywordRow, TenantRow } from "../db/schema";
import type { Expectation, Reply } from "../keywords/types";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import type { TemplateLibrary } from "../templates/library";
import type { Compliance, OptOutMatch } from "./compliance";
import type { Normalized } from "./normalize";
import type { InboundSettings } from "./settings";
import type { StaffCommand } from "./staff-parse";

export type InboundDeps = {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  library: TemplateLibrary;
  onMessageDue?: (() => void) | undefined;
  /** Before each claim (Node's jobs thread: yields to busy webhooks, then moves in their journal). */
  intake?: (() => Promise<void>) | undefined;
  /** Once aborted, no further batch is claimed. */
  signal?: AbortSignal | undefined;
};

/** One workspace's rules, loaded once per run. */
export type TenantRules = {
  ctx: Ctx;
  tenant: TenantRow;
  settings: InboundSettings;
  words: Compliance;
  staff: Map<string, { id: string; name: string }>;
  keywords: KeywordRow[];
  /** The rules for changing customers by SMS (consent source keyword), loaded once per run. */
  customerEnv(): Promise<PrepareEnv>;
};

/** The latest message sent to the customer within the attribution window, and its campaign. */
export type Attributed = {
  id: string;
  campaignId: string | null;
  sentAt: number;
  expects: Expectation | null;
  /** Until when its question is open. */
  expiresAt: number;
};

/** One message on its way through the steps. */
export type Incoming = {
  deps: InboundDeps;
  row: InboundRow;
  n: Normalized;
  /** E.164 when it parses; otherwise the sender as given (a short code, a name). */
  phone: string;
  rules: TenantRules;
  now: number;
  customer: CustomerRow | null;
  attributed: Attributed | null;
  /** The sender's staff entry, when the message comes from a staff member's phone. */
  staff: { id: string; name: string } | null;
  /** What the text parses to as a staff command (only from a staff phone). */
  command: StaffCommand | null;
  /** An opt-out word in the text, and how it was found (whole, inside, negated). */
  optOut: OptOutMatch;
  /** The sender's profile, made a prospect (source inbound) if they are new. */
  ensureCustomer(): Promise<CustomerRow>;
};

export type Handled = {
  step: InboundStep;
  outcome: string;
  keywordId?: string | null;
  statements?: Statement[];
  /** Replies go to the sender's profile, or to `to` (a staff member answered on their phone). */
  replies?: { reply: Reply; expects?: Expectation | null; to?: string }[];
  detail?: Record<string, unknown>;
};

/** A step of the pipeline: what it does with the message, or null to leave it to the next. */
export type Step = { name: InboundStep; run: (i: Incoming) => Handled | null | Promise<Handled | null> };
