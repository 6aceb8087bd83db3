// Counting short links' clicks, every workspace's, from what the redirect stored. A person's
// first click on a link is also recorded as the customer's `link.clicked` event (timeline,
// event campaigns it triggers or cancels, a campaign's goal) and told to integrators; preview
// bots, HEAD requests and scanners are counted apart and never an event.

import type { Ctx } from "../context";
import { liveCustomerById } from "../customers/store";
import type { Database, Statement } from "../db/client";
import { eventPlan } from "../events/service";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import { iso } from "../lib/time";
import { eventStatement } from "../webhooks-out/events";
import { isScan } from "./agents";
import { type ClaimedClick, claimClicks, countClicksOf, markCounted } from "./store";

export type ClickDeps = {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  /** Before each claim: brings in what the redirect journaled (Node's jobs thread, yielding to busy redirects). */
  intake?: () => Promise<void>;
  signal?: AbortSignal;
};

const CLAIM = 500;
/** Longer than a claim's work takes; a run that died lets its clicks go after it. */
const LEASE_MS = 60_000;
/** A run stops claiming after this, well inside its lease and a Cron Trigger's minute. */
const RUN_BUDGET_MS = 30_000;

/** The customer's event type for a person's first click on a link. */
export const CLICK_EVENT = "link.clicked";

export async function countClicks(deps: ClickDeps): Promise<{ clicks: number; apart: number }> {
  const out = { clicks: 0, apart: 0 };
  const start = deps.clock.now().getTime();
  for (;;) {
    if (deps.signal?.aborted || deps.clock.now().getTime() - start > RUN_BUDGET_MS) break;
    await deps.intake?.();
    const now = deps.clock.now().getTime();
    // This run's own lease value (two runs in one millisecond differ by the random part): every
    // write of the batch holds only while the claim is still this run's.
    const lease = now + LEASE_MS + Math.floor(Math.random() * 1000);
    const claimed = await claimClicks(deps.db, now, lease, CLAIM);
    if (claimed.length === 0) break;
    // Per link: its people's clicks (the first, the last, how many) and the rest, counted in one
    // statement each; a link's first click ever becomes the customer's event. One batch a claim,
    // the claimed rows marked counted last in it: a click is counted once, or (a crash) not yet.
    const tally = new Map<string, { link: ClaimedClick; first: number; last: number; people: number; bots: number }>();
    for (const c of claimed) {
      if (!c.linked) continue;
      const person = c.agent === "browser" && !isScan(c.at, c.linkedAt);
      const t = tally.get(c.code) ?? { link: c, first: Number.POSITIVE_INFINITY, last: 0, people: 0, bots: 0 };
      tally.set(c.code, t);
      if (person) {
        if (c.at < t.first) Object.assign(t, { first: c.at, link: c });
        t.last = Math.max(t.last, c.at);
        t.people++;
        out.clicks++;
      } else {
        t.bots++;
        out.apart++;
      }
    }
    const statements: Statement[] = [];
    for (const t of tally.values()) {
      statements.push(countClicksOf(t.link, t, lease));
      if (t.people > 0 && t.link.clicks === 0)
        statements.push(...(await firstClickOnce(deps, { ...t.link, at: t.first })));
    }
    statements.push(...markCounted(claimed, lease));
    await deps.db.batch(statements);
    if (claimed.length < CLAIM) break;
  }
  return out;
}

/** One link's first-click event failing to be planned costs that event, not the claim's counts. */
async function firstClickOnce(deps: ClickDeps, c: ClaimedClick): Promise<Statement[]> {
  try {
    return await firstClick(deps, c);
  } catch (e) {
    console.error(`the first click of short link ${c.code} could not be recorded as an event:`, e);
    return [];
  }
}

async function firstClick(deps: ClickDeps, c: ClaimedClick): Promise<Statement[]> {
  const ctx: Ctx = { db: deps.db, clock: deps.clock, ids: deps.ids, tenantId: c.tenantId };
  const data = {
    customer_id: c.customerId,
    message_id: c.messageId,
    campaign_id: c.campaignId,
    url: c.url,
    link: c.code,
    clicked_at: iso(c.at),
  };
  const out: Statement[] = [eventStatement(ctx, "link.clicked", data, deps.clock.now().getTime())];
  // A deleted customer's click is counted on the link, and nothing is written to their profile.
  const customer = await liveCustomerById(deps.db, c.tenantId, c.customerId);
  if (!customer) return out;
  const plan = await eventPlan(ctx, customer, {
    id: deps.ids.next("evt"),
    type: CLICK_EVENT,
    properties: { url: c.url, message_id: c.messageId, campaign_id: c.campaignId, link: c.code },
    occurredAt: c.at,
    eventId: `link:${c.code}`,
  });
  return [...out, ...plan.statements];
}
