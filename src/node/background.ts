// Where the scheduled jobs run for `npm start`: on their own thread (jobs-thread.ts) when the
// database is a file, in this thread when it is ":memory:" (a second connection would see
// another, empty database). Either way the app only calls kick(name).

import type { Worker } from "node:worker_threads";
import type { Deps } from "../deps";
import type { InboundSink } from "../inbound/store";
import { jobs } from "../jobs";
import { LINK_BY_CODE, type LinkStore, remembered } from "../links/store";
import type { NodeConfig } from "./config";
import { startJobs } from "./cron";
import type { NodeDatabase } from "./db";
import type { FromJobs, ToJobs } from "./jobs-thread";
import { type Journal, journalLink, openJournal } from "./journal";
import { startThread } from "./threads";

export type Background = {
  /** Runs a job soon (the dispatcher when a message is due now, the pipeline when an SMS came in). */
  kick(name: string): void;
  /** Lets running jobs finish, then stops. */
  stop(): Promise<void>;
  /**
   * With the jobs on their thread: where webhooks store inbound SMS (a journal file beside the
   * database, which the thread moves in; journal.ts). Undefined inline.
   */
  readonly storeInbound: InboundSink | undefined;
  /** Likewise, where the short links' redirect stores clicks (the click job moves them in). */
  readonly links: LinkStore | undefined;
  /** After stop() and once no webhook can arrive (the server closed): closes the journal. */
  close(): void;
  /** "thread" or "inline": where the jobs run. */
  readonly where: "thread" | "inline";
  /** The running thread, if any (tests end it to check that it comes back). */
  readonly thread: Worker | null;
};

// Kicks that arrive within this window are one message to the thread; the thread's scheduler
// waits as long again, so a burst of webhooks still makes one pipeline run.
const KICK_WINDOW_MS = 10;
const RESTART_MS = [1000, 5000, 30_000];
const STOP_TIMEOUT_MS = 30_000;
/** Short links whose lookups the HTTP thread keeps: a few MB for a big campaign's clickers. */
const LINKS_KEPT = 20_000;

/**
 * Hands the app's hooks to the jobs, as `npm start` runs them: a message due now is sent at
 * once, a scheduled campaign planned at once, a stored inbound SMS handled at once; webhooks
 * journal inbound SMS and the redirect journals clicks in files of their own.
 */
export function connectBackground(deps: Deps, background: Background): void {
  deps.onMessageDue = () => background.kick("dispatch");
  deps.onPlanDue = () => background.kick("plan");
  deps.onInboundReceived = () => background.kick("inbound");
  deps.storeInbound = background.storeInbound;
  deps.links = background.links;
}

export function startBackground(config: NodeConfig, deps: Deps & { db: NodeDatabase }): Background {
  if (config.TIDINGS_DB_PATH === ":memory:") return inline(deps);

  let worker: Worker | null = null;
  let stopping = false;
  let restarts = 0;
  let restartTimer: ReturnType<typeof setTimeout> | null = null;
  const kicked = new Set<string>();
  const link = journalLink(config.TIDINGS_DB_PATH);
  const journal: Journal = openJournal(link, deps);
  // The redirect's one read, prepared once in raw mode: no statement-cache lookup, mode switch
  // or row object per redirect (7 µs a lookup against 9-10 through the shared path).
  const findLink = deps.db.sqlite.prepare(LINK_BY_CODE).raw(true);

  const spawn = () => {
    const w = startThread("jobs-thread", {
      workerData: {
        config,
        // The thread's connection checkpoints as this one is set to (see checkpointer.ts).
        autoCheckpoint: deps.db.sqlite.pragma("wal_autocheckpoint", { simple: true }),
        // Its writes wait while this thread's webhooks wait for the lock.
        yieldTo: deps.db.writeWanted,
        journal: link,
      },
    });
    worker = w;
    // The only message: the thread is up, so the next failure starts the backoff afresh.
    w.on("message", (_m: FromJobs) => {
      restarts = 0;
    });
    w.on("error", (e) => console.error("the jobs thread failed:", e));
    w.on("exit", (code) => {
      if (worker === w) worker = null;
      if (stopping) return;
      const wait = RESTART_MS[Math.min(restarts++, RESTART_MS.length - 1)] as number;
      console.error(`the jobs thread exited (code ${code}); starting it again in ${wait / 1000} s`);
      restartTimer = setTimeout(spawn, wait);
    });
  };
  spawn();

  const post = (m: ToJobs) => worker?.postMessage(m);
  return {
    where: "thread",
    get thread() {
      return worker;
    },
    storeInbound: (channel, sms, raw) => journal.append(channel, sms, raw),
    links: {
      find: remembered(async (code) => {
        const row = findLink.get(code) as [string, string] | undefined;
        return row ? { tenantId: row[0], url: row[1] } : null;
      }, LINKS_KEPT),
      record: async (click) => journal.appendClick(click),
    },
    close: () => journal.close(),
    kick(name) {
      if (stopping || kicked.has(name)) return;
      kicked.add(name);
      post({ kick: name });
      setTimeout(() => kicked.delete(name), KICK_WINDOW_MS);
    },
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const w = worker;
      if (!w) return;
      const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
      const force = setTimeout(() => void w.terminate(), STOP_TIMEOUT_MS);
      post({ stop: true });
      await exited;
      clearTimeout(force);
    },
  };
}

function inline(deps: Deps): Background {
  const scheduler = startJobs(jobs, deps);
  scheduler.kick("dispatch");
  return {
    where: "inline",
    thread: null,
    storeInbound: undefined,
    links: undefined,
    close() {},
    kick: (name) => scheduler.kick(name),
    stop: () => scheduler.stop(),
  };
}
