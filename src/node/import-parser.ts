// Imports parse on their own thread (import-parse-thread.ts): this thread reads the upload and
// posts its bytes there, and gets back chunks of checked rows, each prepared as a new customer
// (import-chunk.ts), while it looks up and writes the rows before them. One thread serves every import; it ends when idle for a
// minute and the next import starts it again.

import type { Worker } from "node:worker_threads";
import type { RowChunk } from "../customers/import-chunk";
import type { ParseStage } from "../customers/import-parse";
import type { PrepareRules } from "../customers/model";
import { CsvSyntaxError } from "../lib/csv";
import { startThread } from "./threads";

/** Rows in flight: posted by the thread and not yet taken by the import. Bounds the memory. */
const MAX_ROWS_AHEAD = 10_000;
/**
 * Bytes in flight: posted to the thread and not yet read by its parser. Without a bound, a
 * source faster than the parser (a local upload, a file) went over whole, a copy of it queued
 * on the thread; and the pump, whose reads resolve without a turn of the event loop, kept this
 * thread from taking the rows already parsed until it had posted the last byte.
 */
const MAX_BYTES_AHEAD = 1 << 20;
/**
 * The thread's nursery for new objects (V8's default is 48 MB). Nearly everything it makes dies
 * with its chunk, so a small one costs little: at 12 MB an import of 100,000 rows peaks about
 * 25 MB lower for about 5 % of its speed (bench/: import_csv_100k).
 */
const YOUNG_GENERATION_MB = 12;
/** An idle thread ends after this long (its memory goes back); the next import starts one. */
const IDLE_MS = 60_000;

export type ToParser =
  | { id: number; start: { rules: PrepareRules } }
  | { id: number; chunk: Uint8Array }
  | { id: number; end: true }
  | { id: number; cancel: true };

export type FromParser =
  | { ready: true }
  | { id: number; chunk: RowChunk }
  | { id: number; consumed: number }
  | { id: number; done: true }
  | { id: number; error: { line: number; reason: string } | { message: string } };

export type ImportParser = {
  parse: ParseStage;
  /** Resolves when the thread is up (the first import would otherwise wait for it). */
  ready: Promise<void>;
  /** The running thread, if any (tests end it to check that imports fail and the next one works). */
  readonly thread: Worker | null;
  stop(): Promise<void>;
};

export function startImportParser(opts: { idleMs?: number } = {}): ImportParser {
  const idleMs = opts.idleMs ?? IDLE_MS;
  let worker: Worker | null = null;
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  let ready: Promise<void> = Promise.resolve();
  let stopped = false;
  let active = 0;
  let seq = 0;
  // Each import under way, by id, with the thread it runs on (an old thread's exit concerns only its own).
  const listeners = new Map<number, { on: Worker; take(m: FromParser | { id: number; crashed: Error }): void }>();
  const idle = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      const w = worker;
      if (active > 0 || !w) return;
      worker = null;
      void w.terminate();
    }, idleMs);
    idleTimer.unref();
  };

  // Started now, and again by the next import after it died.
  const thread = (): Worker => {
    if (worker) return worker;
    if (stopped) throw new Error("the import parser was stopped");
    const w = startThread("import-parse-thread", { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    ready = new Promise((resolve) => {
      w.on("message", (m: FromParser) => {
        if ("ready" in m) {
          // Up and idle, it no longer keeps the process alive; an import under way refs it.
          if (active === 0) {
            w.unref();
            idle();
          }
          return resolve();
        }
        listeners.get(m.id)?.take(m);
      });
    });
    w.on("error", (e) => console.error("the import parse thread failed:", e));
    w.on("exit", (code) => {
      // Imports under way fail; the next one starts a new thread.
      const crashed = new Error(`the import parse thread exited (code ${code})`);
      for (const [id, l] of listeners) if (l.on === w) l.take({ id, crashed });
      if (worker === w) worker = null;
    });
    worker = w;
    return w;
  };
  thread();

  const parse: ParseStage = async function* (body, rules) {
    const id = ++seq;
    const w = thread();
    type Inbox = FromParser | { id: number; crashed: Error };
    const inbox: Inbox[] = [];
    // Whoever waits: the import for rows, the pump for the import to catch up.
    const waiting: { wake: (() => void) | null; resumePump: (() => void) | null } = { wake: null, resumePump: null };
    const resume = () => {
      waiting.resumePump?.();
      waiting.resumePump = null;
    };
    let rowsAhead = 0;
    let bytesPosted = 0;
    let bytesConsumed = 0;
    let finished = false;
    let pumpError: unknown = null;
    listeners.set(id, {
      on: w,
      take: (m) => {
        if ("consumed" in m) {
          bytesConsumed = m.consumed;
          return resume();
        }
        if ("chunk" in m) rowsAhead += m.chunk.lines.length;
        inbox.push(m);
        waiting.wake?.();
      },
    });
    if (active++ === 0) w.ref();
    if (idleTimer) clearTimeout(idleTimer);
    w.postMessage({ id, start: { rules } } satisfies ToParser);

    const pump = async () => {
      const reader = body.getReader();
      try {
        for (;;) {
          while ((rowsAhead > MAX_ROWS_AHEAD || bytesPosted - bytesConsumed > MAX_BYTES_AHEAD) && !finished)
            await new Promise<void>((r) => (waiting.resumePump = r));
          if (finished) return void (await reader.cancel());
          const { done, value } = await reader.read();
          if (done) return w.postMessage({ id, end: true } satisfies ToParser);
          bytesPosted += value.byteLength;
          w.postMessage({ id, chunk: value } satisfies ToParser);
        }
      } catch (e) {
        // The upload failed (too large, cut off): the import fails with that error.
        pumpError = e;
        waiting.wake?.();
      }
    };
    void pump();

    try {
      for (;;) {
        if (pumpError) throw pumpError;
        const m = inbox.shift();
        if (!m) {
          await new Promise<void>((r) => (waiting.wake = r));
          waiting.wake = null;
          continue;
        }
        if ("crashed" in m) throw m.crashed;
        if ("error" in m) {
          if ("line" in m.error) throw new CsvSyntaxError(m.error.line, m.error.reason);
          throw new Error(`the import parse thread failed: ${m.error.message}`);
        }
        if ("done" in m) return;
        if ("chunk" in m) {
          rowsAhead -= m.chunk.lines.length;
          resume();
          yield m.chunk;
        }
      }
    } finally {
      finished = true;
      resume();
      listeners.delete(id);
      w.postMessage({ id, cancel: true } satisfies ToParser);
      if (--active === 0) {
        w.unref();
        idle();
      }
    }
  };

  return {
    parse,
    get ready() {
      return ready;
    },
    get thread() {
      return worker;
    },
    async stop() {
      stopped = true;
      if (idleTimer) clearTimeout(idleTimer);
      const w = worker;
      worker = null;
      await w?.terminate();
    },
  };
}
