// The Cloudflare Workers edge: the same app over D1, the same jobs from a Cron Trigger, and a
// Queue that carries batches of due message ids to the sender, and of due outgoing webhooks to
// their deliverer. Everything else is shared code.

import { createApp } from "./app";
import { tenants } from "./db/schema";
import { ProviderRegistry } from "./delivery/registry";
import { tendChannels } from "./delivery/sessions";
import { seedDemo } from "./demo/seed";
import { type Deps, defaultAppConfig } from "./deps";
import { jobs } from "./jobs";
import { runDispatch } from "./jobs/dispatch";
import { runInbound } from "./jobs/inbound";
import { runWebhooks } from "./jobs/webhooks";
import { systemClock } from "./lib/clock";
import { nextRun, parseCron } from "./lib/cron";
import { IdGenerator } from "./lib/ids";
import { importSecretKey } from "./lib/secretbox";
import { dueMessageKeys, type MessageKey } from "./outbox/claim";
import { WEBHOOK_IDS_PER_MESSAGE } from "./webhooks-out/deliver";
import { dueDeliveryIds } from "./webhooks-out/store";
import { type D1Like, d1Database } from "./worker/d1";
import { parseWorkerEnv, type WorkerEnv } from "./worker/env";
import { shippedTemplates } from "./worker/templates";

/** Due messages, by key (workspace and id): what one consumer run claims and sends. */
export type DispatchBatch = { messages: MessageKey[] };
/** Outgoing webhooks due: each queue message one claim's worth, sent by its own consumer run. */
export type WebhookBatch = { webhooks: string[] };
type QueueLike = { sendBatch(messages: { body: DispatchBatch | WebhookBatch }[]): Promise<unknown> };

/** Message keys per queue message, and queue messages per sendBatch call (the platform's limit is 100). */
const KEYS_PER_MESSAGE = 100;
const MESSAGES_PER_SEND = 100;

// One set of deps per isolate and environment: the provider registry and rate buckets live as
// long as the isolate does.
let cached: { raw: unknown; env: WorkerEnv; deps: Deps; app: ReturnType<typeof createApp> } | null = null;

/** The Worker's deps for an environment (tests use it to create a workspace, as the CLI does on Node). */
export async function depsFor(
  raw: unknown,
): Promise<{ deps: Deps; app: ReturnType<typeof createApp>; env: WorkerEnv }> {
  // The same bindings object comes with every request to an isolate: checked once.
  if (cached && cached.raw === raw) return cached;
  const parsed = parseWorkerEnv(raw);
  if (!parsed.ok) throw new MisconfiguredError(parsed.problems);
  const secretKey = await importSecretKey(parsed.env.TIDINGS_SECRET_KEY);
  const clock = systemClock;
  const deps: Deps = {
    db: d1Database(parsed.env.DB as D1Like),
    clock,
    ids: new IdGenerator(clock),
    config: {
      ...defaultAppConfig,
      ...(parsed.env.TIDINGS_PUBLIC_URL ? { publicUrl: parsed.env.TIDINGS_PUBLIC_URL } : {}),
      ...(parsed.env.TIDINGS_LINK_URL ? { linkUrl: parsed.env.TIDINGS_LINK_URL } : {}),
      ...(parsed.env.TIDINGS_ADMIN_TOKEN ? { adminToken: parsed.env.TIDINGS_ADMIN_TOKEN } : {}),
      ...(parsed.env.TIDINGS_WEBHOOKS_ALLOW_PRIVATE === "true" ? { webhooksAllowPrivate: true } : {}),
    },
    defaultTemplates: shippedTemplates,
    secretKey,
    providers: new ProviderRegistry(secretKey, clock),
  };
  const app = createApp(deps);
  cached = { raw, env: parsed.env, deps, app };
  return { deps, app, env: parsed.env };
}

class MisconfiguredError extends Error {
  constructor(readonly problems: string[]) {
    super(`The Worker is misconfigured: ${problems.join("; ")}`);
  }
}

function misconfigured(e: MisconfiguredError): Response {
  return Response.json(
    { error: { code: "misconfigured", message: e.message, details: e.problems.map((p) => ({ message: p })) } },
    { status: 500 },
  );
}

/** Due messages go to the queue in batches of keys; the consumer claims and sends them. */
export async function enqueueDue(deps: Deps, queue: QueueLike, limit = 10_000): Promise<number> {
  const keys = await dueMessageKeys(deps.db, deps.clock.now().getTime(), limit);
  const messages: { body: DispatchBatch }[] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_MESSAGE)
    messages.push({ body: { messages: keys.slice(i, i + KEYS_PER_MESSAGE) } });
  for (let i = 0; i < messages.length; i += MESSAGES_PER_SEND)
    await queue.sendBatch(messages.slice(i, i + MESSAGES_PER_SEND));
  return keys.length;
}

/**
 * Due webhook deliveries go to the queue in batches of ids, each its own consumer run: one slow
 * endpoint holds up its own batch, not the minute's Cron Trigger and the other jobs.
 */
export async function enqueueWebhooks(deps: Deps, queue: QueueLike, limit = 5_000): Promise<number> {
  const ids = await dueDeliveryIds(deps.db, deps.clock.now().getTime(), limit);
  const messages: { body: WebhookBatch }[] = [];
  for (let i = 0; i < ids.length; i += WEBHOOK_IDS_PER_MESSAGE)
    messages.push({ body: { webhooks: ids.slice(i, i + WEBHOOK_IDS_PER_MESSAGE) } });
  for (let i = 0; i < messages.length; i += MESSAGES_PER_SEND)
    await queue.sendBatch(messages.slice(i, i + MESSAGES_PER_SEND));
  return ids.length;
}

let seeding: Promise<void> | null = null;

/** Development only: an empty database gets Demo Gym, its key printed to the wrangler console. */
function seedOnce(deps: Deps): Promise<void> {
  seeding ??= (async () => {
    if (await deps.db.orm.select({ id: tenants.id }).from(tenants).limit(1).get()) return;
    const demo = await seedDemo(deps);
    console.log(`Created "${demo.tenant.name}" with ${demo.customers} members. API key (shown once): ${demo.apiKey}`);
  })().catch((e) => {
    seeding = null; // The next request tries again.
    throw e;
  });
  return seeding;
}

/** Whether a job's cron (UTC) matches the minute a Cron Trigger fired for. */
function dueAt(schedule: string, scheduledTime: number): boolean {
  const minute = Math.floor(scheduledTime / 60_000) * 60_000;
  return nextRun(parseCron(schedule), new Date(minute - 1), "UTC")?.getTime() === minute;
}

export default {
  async fetch(request: Request, env: unknown, ctx: { waitUntil(p: Promise<unknown>): void }): Promise<Response> {
    try {
      const { app, deps, env: e } = await depsFor(env);
      if (e.TIDINGS_SEED_DEMO === "true") await seedOnce(deps);
      // A message due now goes to the queue, and a stored inbound SMS through the pipeline, as
      // soon as the response is out, not at the next minute's Cron Trigger. The deps are the
      // isolate's, so with concurrent requests a flag can land on the other request; then that
      // message waits for the next Cron Trigger (a minute at most). A second enqueue of the
      // same id is harmless: claiming sends it once.
      let due = false;
      let inbound = false;
      deps.onMessageDue = () => {
        due = true;
      };
      deps.onInboundReceived = () => {
        inbound = true;
      };
      const res = await app.fetch(request, env, ctx as never);
      if (inbound) ctx.waitUntil(runInbound(deps).then(() => enqueueDue(deps, e.DISPATCH_QUEUE as QueueLike)));
      else if (due) ctx.waitUntil(enqueueDue(deps, e.DISPATCH_QUEUE as QueueLike));
      return res;
    } catch (e) {
      if (e instanceof MisconfiguredError) return misconfigured(e);
      throw e;
    }
  },

  /** Cron Trigger `* * * * *` (UTC): each job whose schedule matches; sending goes by the queue. */
  async scheduled(controller: { scheduledTime: number }, env: unknown): Promise<void> {
    const found = await depsFor(env);
    const e = found.env;
    // The isolate's deps carry the last request's hooks (fetch sets them): here they would mark
    // that request to enqueue again what the dispatch job below enqueues.
    const deps = { ...found.deps, onMessageDue: undefined, onInboundReceived: undefined };
    // Each job on its own, as node-cron runs them: one failing does not hold up the others.
    const failed: string[] = [];
    for (const job of jobs) {
      if (!dueAt(job.schedule, controller.scheduledTime)) continue;
      try {
        if (job.name === "dispatch") {
          await enqueueDue(deps, e.DISPATCH_QUEUE as QueueLike);
          // The queue's batches leave the receipts that beat their send to this sweep.
          await tendChannels({ ...deps, onInbound: deps.onInboundReceived });
        } else if (job.name === "webhooks") await enqueueWebhooks(deps, e.DISPATCH_QUEUE as QueueLike);
        else await job.run(deps);
      } catch (err) {
        failed.push(`${job.name}: ${(err as Error).message}`);
      }
    }
    if (failed.length > 0) throw new Error(`Scheduled jobs failed: ${failed.join("; ")}`);
  },

  /** A batch of queue messages: each one's message ids (or webhook deliveries) are claimed and sent; a failure retries it. */
  async queue(
    batch: { messages: readonly { body: unknown; ack(): void; retry(): void }[] },
    env: unknown,
  ): Promise<void> {
    const { deps } = await depsFor(env);
    // SMS first; then the webhook batches side by side, so a slow endpoint's batch (up to a
    // minute and a half of deadlines) holds up neither the texts nor the other endpoints'.
    const hooks = batch.messages.filter((m) => Array.isArray((m.body as Partial<WebhookBatch>).webhooks));
    for (const m of batch.messages) {
      const body = m.body as Partial<DispatchBatch>;
      if (hooks.includes(m)) continue;
      // Not ours to send, nothing would ever make it valid: acknowledged. (A batch of bare ids
      // from before messages were keyed by workspace too: those messages are still due, and
      // the next Cron Trigger queues them again.)
      if (!Array.isArray(body.messages)) {
        m.ack();
        continue;
      }
      const keys = body.messages.filter(
        (k): k is MessageKey => Array.isArray(k) && typeof k[0] === "string" && typeof k[1] === "string",
      );
      try {
        await runDispatch(deps, { keys });
        m.ack();
      } catch {
        m.retry();
      }
    }
    await Promise.all(
      hooks.map(async (m) => {
        try {
          const ids = (m.body as WebhookBatch).webhooks.filter((x): x is string => typeof x === "string");
          await runWebhooks(deps, { ids });
          m.ack();
        } catch {
          m.retry();
        }
      }),
    );
  },
};
