// Where the scheduled jobs run for `npm start`: on their own thread (jobs-thread.ts) when the
// database is a file, in this thread when it is ":memory:" (a second connection would see
// another, empty database). Either way the app only calls kick(name).

import { Worker } from "node:worker_threads";
import { jobs } from "../../jobs";
import type { Deps } from "../deps";
import type { NodeConfig } from "./config";
import { startJobs } from "./cron";
import type { NodeDatabase } from "./db";
import type { FromJobs, ToJobs } from "./jobs-thread";

export type Background = {
  /** Runs a job soon (the dispatcher when a message is due now, the pipeline when an SMS came in). */
  kick(name: string): void;
  /** Lets running jobs finish, then stops. */
  stop(): Promise<void>;
  /** "thread" or "inline": where the jobs run. */
  readonly where: "thread" | "inline";
  /** The last WAL checkpoint the jobs thread made (for tests and diagnostics). */
  readonly lastCheckpoint: { frames: number; copied: number; at: number } | null;
  /** The running thread, if any (tests end it to check that it comes back). */
  readonly thread: Worker | null;
};

// Kicks that arrive within this window are one message to the thread; the thread's scheduler
// waits as long again, so a burst of webhooks still makes one pipeline run.
const KICK_WINDOW_MS = 10;
const RESTART_MS = [1000, 5000, 30_000];
const STOP_TIMEOUT_MS = 30_000;
// SQLite's default: what the HTTP thread's connection goes back to while no thread checkpoints.
const AUTO_CHECKPOINT_PAGES = 1000;

export function startBackground(config: NodeConfig, deps: Deps & { db: NodeDatabase }): Background {
  if (config.TIDINGS_DB_PATH === ":memory:") return inline(deps);

  const db = deps.db.sqlite;
  let worker: Worker | null = null;
  let stopping = false;
  let restarts = 0;
  let restartTimer: ReturnType<typeof setTimeout> | null = null;
  let lastCheckpoint: Background["lastCheckpoint"] = null;
  const kicked = new Set<string>();

  const spawn = () => {
    const w = new Worker(new URL("./thread-boot.mjs", import.meta.url), {
      workerData: { entry: new URL("./jobs-thread.ts", import.meta.url).href, config },
    });
    worker = w;
    w.on("message", (m: FromJobs) => {
      if ("ready" in m) {
        restarts = 0;
        // The thread checkpoints from now on; this connection's commits only append to the WAL.
        db.pragma("wal_autocheckpoint = 0");
      } else if ("checkpointed" in m) {
        lastCheckpoint = { ...m.checkpointed, at: deps.clock.now().getTime() };
      }
    });
    w.on("error", (e) => console.error("the jobs thread failed:", e));
    w.on("exit", (code) => {
      if (worker === w) worker = null;
      if (db.open) db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
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
    get lastCheckpoint() {
      return lastCheckpoint;
    },
    get thread() {
      return worker;
    },
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
    lastCheckpoint: null,
    thread: null,
    kick: (name) => scheduler.kick(name),
    stop: () => scheduler.stop(),
  };
}
