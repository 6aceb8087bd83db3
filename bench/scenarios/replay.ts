// A ceiling for work that is mostly database statements: every statement a run executes on a
// connection is recorded (text and values) and replayed, raw, on a copy of the database taken
// before the run. The replay does what SQLite had to do for the run and nothing else.
//
// The recording replays as it goes, between transactions, once it holds REPLAY_EVERY statements,
// so it never holds a whole run's values; the time spent replaying is measured apart and
// subtracted from the run's.

import BetterSqlite3 from "better-sqlite3";

const REPLAY_EVERY = 20_000;

type Entry = { source: string; args: unknown[] };
type StatementProto = Record<"run" | "get" | "all" | "iterate", (...args: unknown[]) => unknown>;

export function recordStatements(sqlite: BetterSqlite3.Database, copyPath: string) {
  // The copy: the database as it is now, vacuumed into a file of its own.
  sqlite.prepare("vacuum into ?").run(copyPath);
  const copy = new BetterSqlite3(copyPath);
  copy.pragma("journal_mode = WAL");
  copy.pragma("synchronous = NORMAL");
  copy.pragma("cache_size = -8192");
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepared = (source: string) => {
    let s = cache.get(source);
    if (!s) {
      s = copy.prepare(source);
      if (s.reader) s.raw(true);
      cache.set(source, s);
    }
    return s;
  };
  let entries: Entry[] = [];
  let replaySeconds = 0;
  let statements = 0;
  const replay = () => {
    const t0 = performance.now();
    // The run's own BEGIN, COMMIT and savepoints are among the statements (better-sqlite3 runs
    // them as statements too): the transactions replay as they were.
    for (const e of entries) {
      const s = prepared(e.source);
      if (s.reader) s.all(...e.args);
      else s.run(...e.args);
    }
    statements += entries.length;
    entries = [];
    replaySeconds += (performance.now() - t0) / 1000;
  };

  const proto = Object.getPrototypeOf(sqlite.prepare("select 1")) as StatementProto;
  const originals = { run: proto.run, get: proto.get, all: proto.all, iterate: proto.iterate };
  let replaying = 0;
  for (const name of ["run", "get", "all", "iterate"] as const) {
    const original = originals[name];
    proto[name] = function (this: BetterSqlite3.Statement, ...args: unknown[]) {
      const mine = this.database === sqlite && !/^\s*pragma/i.test(this.source);
      // Recorded once it ran: a statement that failed (and was retried) changed nothing.
      const result = original.apply(this, args);
      if (mine) entries.push({ source: this.source, args });
      // Between the run's transactions, with enough to be worth it: replay what is held.
      if (mine && !sqlite.inTransaction && entries.length >= REPLAY_EVERY && replaying === 0) {
        replaying++;
        try {
          replay();
        } finally {
          replaying--;
        }
      }
      return result;
    };
  }
  return {
    /**
     * Replays what is left, stops recording, and returns the replay's time and count. `check`
     * (a query of one value) must give the same on the copy as on the run's database.
     */
    finish(check: string) {
      Object.assign(proto, originals);
      replay();
      const mine = sqlite.prepare(check).pluck().get();
      const theirs = copy.prepare(check).pluck().get();
      copy.close();
      if (mine !== theirs) throw new Error(`the replay differs: ${check} gave ${mine} and ${theirs} on the copy`);
      return { seconds: replaySeconds, statements };
    },
    /** Time spent replaying so far (inside the run's measured time). */
    get replaySeconds() {
      return replaySeconds;
    },
  };
}
