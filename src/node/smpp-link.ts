// One SMPP session to an SMSC, kept bound: connect, bind_transceiver within a deadline,
// enquire_link to notice a silent peer, and a new connection with backoff after any loss. One
// connection attempt at a time: everything a session's events touch is checked against the
// session it belongs to, so a late event of an old connection never undoes a newer one.

import * as smpp from "smpp";
import { hex } from "./smpp-pdu";

export type LinkState = "connecting" | "up" | "down";

export type LinkOptions = {
  host: string;
  port: number;
  bind: { system_id: string; password: string; system_type: string };
  /** How long bind and every request wait for their response. */
  responseMs: number;
  /** Quiet time after which an enquire_link asks whether the SMSC is still there. */
  enquireMs: number;
  /** Each deliver_sm (receipts and inbound SMS), with the connection it came on. */
  onDeliver(session: smpp.Session, pdu: smpp.Pdu, connection: number): void;
  onState(state: LinkState, error: string | null): void;
};

/** A request's answer, or why there is none: the link was down, or the SMSC did not answer in time. */
export type Answer = { pdu: smpp.Pdu } | { none: "down" | "timeout" | "lost" };

type Pending = { resolve(a: Answer): void; timer: ReturnType<typeof setTimeout> };

const MAX_BACKOFF_MS = 30_000;
/** How long closing waits for answers to requests already out. */
const CLOSE_WAIT_MS = 2000;
const FIRST_BACKOFF_MS = 500;

export class SmppLink {
  state: LinkState | "idle" | "closed" = "idle";
  lastError: string | null = null;
  /** Connections made so far: sequence numbers start again on each. */
  connection = 0;
  private current: smpp.Session | null = null;
  private bound = false;
  private failures = 0;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private quiet: ReturnType<typeof setTimeout> | null = null;
  private readonly pending = new Map<smpp.Session, Set<Pending>>();
  private readonly waiters = new Set<() => void>();

  constructor(private readonly o: LinkOptions) {}

  /** Starts keeping the session bound (idempotent). */
  start() {
    if (this.state === "idle") this.open();
  }

  get up() {
    return this.state === "up";
  }

  /**
   * Whether a message should wait for the link: it is being made for the first time, or was up
   * until a moment ago. A link that keeps failing is not waited for: its messages go back to
   * the queue at once.
   */
  get worthWaiting() {
    return this.state === "idle" || (this.state !== "closed" && this.failures <= 1);
  }

  /** Resolves once the link is up or its next attempt has failed, or after `ms`. */
  settled(ms: number): Promise<void> {
    if (this.state === "up" || this.state === "closed") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private setState(state: LinkState, error: string | null) {
    if (this.state === "closed") return;
    const changed = state !== this.state;
    this.state = state;
    if (error) this.lastError = error;
    if (state !== "connecting") for (const w of [...this.waiters]) w();
    // A new error is news too (the last error shown), though the state is the same.
    if (changed || error) this.o.onState(state, error);
  }

  private open() {
    if (this.state === "closed") return;
    // A link that is down stays down to the outside while it tries again.
    if (this.state !== "down") this.setState("connecting", null);
    const connection = ++this.connection;
    const session = smpp.connect({ url: `smpp://${this.o.host}:${this.o.port}`, auto_enquire_link_period: 0 }, () => {
      if (this.current !== session) return;
      this.request("bind_transceiver", { ...this.o.bind, interface_version: 0x34 }, true).then((a) => {
        if (this.current !== session) return;
        if ("none" in a) return this.lost(session, `no answer to bind_transceiver within ${this.o.responseMs} ms`);
        if (a.pdu.command_status !== 0) {
          return this.lost(session, `bind_transceiver refused (${hex(a.pdu.command_status)})`);
        }
        clearTimeout(connecting);
        this.bound = true;
        this.failures = 0;
        this.heard(session);
        this.setState("up", null);
      });
    });
    this.current = session;
    this.bound = false;
    this.pending.set(session, new Set());
    // Connecting and binding together get twice a response's deadline.
    const connecting = setTimeout(() => {
      if (this.current === session && !this.bound) this.lost(session, `could not bind within ${this.o.responseMs} ms`);
    }, this.o.responseMs * 2);
    session.on("pdu", () => this.heard(session));
    session.on("deliver_sm", (pdu) => {
      if (this.current === session) this.o.onDeliver(session, pdu, connection);
    });
    session.on("enquire_link", (pdu) => session.send(pdu.response()));
    session.on("unbind", (pdu) => {
      session.send(pdu.response());
      this.lost(session, "the SMSC unbound");
    });
    session.on("error", (e: Error) => this.lost(session, e.message));
    session.on("close", () => {
      clearTimeout(connecting);
      this.lost(session, "the connection closed");
    });
  }

  /** Something came in on the session: the quiet timer starts again. */
  private heard(session: smpp.Session) {
    if (this.current !== session || !this.bound) return;
    if (this.quiet) clearTimeout(this.quiet);
    this.quiet = setTimeout(() => {
      this.request("enquire_link", {}).then((a) => {
        if ("none" in a && a.none === "timeout")
          this.lost(session, `no answer to enquire_link within ${this.o.responseMs} ms`);
      });
    }, this.o.enquireMs);
  }

  /** A connection is gone (or given up on): only the current one changes the link's state. */
  private lost(session: smpp.Session, why: string) {
    this.drain(session);
    if (this.current !== session) return;
    this.current = null;
    this.bound = false;
    if (this.quiet) clearTimeout(this.quiet);
    this.quiet = null;
    session.destroy();
    if (this.state === "closed") return;
    this.failures++;
    this.setState("down", why);
    const wait = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (this.failures - 1));
    this.retry = setTimeout(() => {
      this.retry = null;
      this.open();
    }, wait);
  }

  /** Requests still waiting on a session that is gone get their answer now: none. */
  private drain(session: smpp.Session) {
    const waiting = this.pending.get(session);
    this.pending.delete(session);
    for (const p of waiting ?? []) {
      clearTimeout(p.timer);
      p.resolve({ none: "lost" });
    }
  }

  /**
   * Sends a request on the bound session and waits for its response, at most `responseMs`.
   * `binding` lets bind_transceiver itself through before the link is up.
   */
  request(command: string, options: Record<string, unknown>, binding = false): Promise<Answer> {
    const session = this.current;
    if (!session || this.state === "closed" || (!this.bound && !binding)) return Promise.resolve({ none: "down" });
    const waiting = this.pending.get(session) as Set<Pending>;
    const pdu = new smpp.PDU(command, options) as unknown as smpp.Pdu;
    return new Promise((resolve) => {
      const p: Pending = {
        resolve,
        timer: setTimeout(() => {
          waiting.delete(p);
          // The package keeps a callback per request until its response: drop it with ours.
          const callbacks = (session as unknown as { _callbacks?: Record<number, unknown> })._callbacks;
          if (callbacks) delete callbacks[pdu.sequence_number];
          resolve({ none: "timeout" });
        }, this.o.responseMs),
      };
      waiting.add(p);
      const written = session.send(pdu, (res) => {
        clearTimeout(p.timer);
        waiting.delete(p);
        resolve({ pdu: res });
      });
      if (!written) {
        clearTimeout(p.timer);
        waiting.delete(p);
        resolve({ none: "down" });
      }
    });
  }

  /** Gives up on a session (the SMSC delivers what it had no answer to again, on the next one). */
  drop(session: smpp.Session, why: string): void {
    this.lost(session, why);
  }

  /** Whether this session is still the link's (a deliver_sm on an older one is resent by the SMSC). */
  isCurrent(session: smpp.Session): boolean {
    return this.current === session;
  }

  /** Answers a deliver_sm, if its session is still the current one (otherwise the SMSC resends it). */
  respond(session: smpp.Session, pdu: smpp.Pdu, status = 0): boolean {
    if (this.current !== session) return false;
    return session.send(pdu.response(status === 0 ? {} : { command_status: status }));
  }

  /**
   * Lets requests already out get their answers (two seconds at most), then unbinds politely, or
   * drops a link that does not answer within a second. Nothing reconnects.
   */
  async close(): Promise<void> {
    const session = this.current;
    const bound = this.bound;
    this.state = "closed";
    if (this.retry) clearTimeout(this.retry);
    if (this.quiet) clearTimeout(this.quiet);
    for (const w of [...this.waiters]) w();
    if (!session) return;
    const until = Date.now() + CLOSE_WAIT_MS;
    while (bound && (this.pending.get(session)?.size ?? 0) > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.current = null;
    this.drain(session);
    if (bound) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        const sent = session.unbind({}, () => {
          clearTimeout(timer);
          resolve();
        });
        if (!sent) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    session.destroy();
  }
}
