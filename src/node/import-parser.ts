// Imports parse on their own thread (import-parse-thread.ts): this thread reads the upload and
// posts its bytes there, and gets back rows with their phones normalised, while it looks up
// and writes the rows before them. One thread serves every import; it ends when idle for a
// minute and the next import starts it again.

import type { Worker } from "node:worker_threads";
import type { ParseStage, StagedChunk, StagedRow } from "../customers/import-parse";
import type { PrepareRules } from "../customers/model";
import { COLUMNS } from "../customers/row-values";
import { CsvSyntaxError } from "../lib/csv";
import type { PhoneResult } from "../lib/phone";
import { startThread } from "./threads";

/** Rows in flight: posted by the thread and not yet taken by the import. Bounds the memory. */
const MAX_ROWS_AHEAD = 10_000;
/** An idle thread ends after this long (its memory goes back); the next import starts one. */
const IDLE_MS = 60_000;

/** Rows packed for postMessage: cells and values flattened, phones as their e164 or the reason. */
export type PackedChunk = {
  header?: string[];
  lines: Int32Array;
  /** Cells per row. */
  widths: Int32Array;
  cells: string[];
  /** 0: no phone, 1: valid (phones[i] is the e164), 2: invalid (phones[i] is why). */
  phoneState: Uint8Array;
  phones: (string | null)[];
  externalIds: (string | null)[];
  /** 1 when the row has values: COLUMNS.length of them each, in row order, in `values`. */
  hasValues: Uint8Array;
  values: unknown[];
  /** The few rows with more: rejections and consents, by row index. */
  rejected: { row: number; errors: NonNullable<StagedRow["rejected"]> }[];
  consents: { row: number; consent: NonNullable<StagedRow["consent"]> }[];
  newAttributes: StagedChunk["newAttributes"];
};

export type ToParser =
  | { id: number; start: { rules: PrepareRules } }
  | { id: number; chunk: Uint8Array }
  | { id: number; end: true }
  | { id: number; cancel: true };

export type FromParser =
  | { ready: true }
  | { id: number; chunk: PackedChunk }
  | { id: number; done: true }
  | { id: number; error: { line: number; reason: string } | { message: string } };

const WIDTH = COLUMNS.length;

export function pack(chunk: StagedChunk): PackedChunk {
  const rows = chunk.rows;
  const n = rows.length;
  const p: PackedChunk = {
    lines: new Int32Array(n),
    widths: new Int32Array(n),
    cells: [],
    phoneState: new Uint8Array(n),
    phones: new Array(n).fill(null),
    externalIds: new Array(n).fill(null),
    hasValues: new Uint8Array(n),
    values: [],
    rejected: [],
    consents: [],
    newAttributes: chunk.newAttributes,
  };
  if (chunk.header) p.header = chunk.header;
  for (let i = 0; i < n; i++) {
    const r = rows[i] as StagedRow;
    p.lines[i] = r.line;
    p.widths[i] = r.cells.length;
    for (const c of r.cells) p.cells.push(c);
    if (r.phone) {
      p.phoneState[i] = r.phone.ok ? 1 : 2;
      p.phones[i] = r.phone.ok ? r.phone.e164 : r.phone.reason;
    }
    if (r.externalId !== undefined) p.externalIds[i] = r.externalId;
    if (r.values) {
      p.hasValues[i] = 1;
      for (const v of r.values) p.values.push(v);
    }
    if (r.rejected) p.rejected.push({ row: i, errors: r.rejected });
    if (r.consent) p.consents.push({ row: i, consent: r.consent });
  }
  return p;
}

export function unpack(p: PackedChunk): StagedChunk {
  const n = p.lines.length;
  const rows: StagedRow[] = new Array(n);
  let at = 0;
  let valuesAt = 0;
  for (let i = 0; i < n; i++) {
    const width = p.widths[i] as number;
    const row: StagedRow = { line: p.lines[i] as number, cells: p.cells.slice(at, at + width) };
    at += width;
    const state = p.phoneState[i];
    const phone = p.phones[i] as string;
    if (state === 1) row.phone = { ok: true, e164: phone } satisfies PhoneResult;
    else if (state === 2) row.phone = { ok: false, reason: phone };
    const externalId = p.externalIds[i];
    if (externalId != null) row.externalId = externalId;
    if (p.hasValues[i] === 1) {
      row.values = p.values.slice(valuesAt, valuesAt + WIDTH);
      valuesAt += WIDTH;
    }
    rows[i] = row;
  }
  for (const r of p.rejected) (rows[r.row] as StagedRow).rejected = r.errors;
  for (const c of p.consents) (rows[c.row] as StagedRow).consent = c.consent;
  const chunk: StagedChunk = { rows, newAttributes: p.newAttributes };
  if (p.header) chunk.header = p.header;
  return chunk;
}

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
    const w = startThread("import-parse-thread");
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
    let rowsAhead = 0;
    let finished = false;
    let pumpError: unknown = null;
    listeners.set(id, {
      on: w,
      take: (m) => {
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
          while (rowsAhead > MAX_ROWS_AHEAD && !finished) await new Promise<void>((r) => (waiting.resumePump = r));
          if (finished) return void (await reader.cancel());
          const { done, value } = await reader.read();
          if (done) return w.postMessage({ id, end: true } satisfies ToParser);
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
          waiting.resumePump?.();
          waiting.resumePump = null;
          yield unpack(m.chunk);
        }
      }
    } finally {
      finished = true;
      waiting.resumePump?.();
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
