// SMPP 3.4 to a carrier or gateway, Node only: one session per channel, kept bound (smpp-link.ts)
// by the jobs thread, which is the only one that starts it. submit_sm with UDH concatenation
// (data_coding 0 for GSM-7, 8 for UCS-2) through a window of outstanding requests; receipts and
// inbound SMS from deliver_sm, answered only once the sink has stored them, so a crash at any
// moment loses nothing the SMSC believes delivered.

import type * as smpp from "smpp";
import { splitParts } from "../compose/encoding";
import type { ChannelRow } from "../db/schema";
import type {
  InboundSms,
  ProviderError,
  SendRequest,
  SendResult,
  SessionSink,
  SmsProvider,
  StatusUpdate,
} from "../delivery/provider";
import { type Answer, type LinkState, SmppLink } from "./smpp-link";
import {
  classifySmppStatus,
  concatHeader,
  ESM_DELIVERY_RECEIPT,
  ESME_RX_T_APPN,
  headerOf,
  isThrottle,
  parseReceipt,
  readConcat,
  textOf,
} from "./smpp-pdu";

export { classifySmppStatus, concatHeader, parseReceipt } from "./smpp-pdu";

export type SmppConfig = {
  host: string;
  port: number;
  system_id: string;
  system_type?: string;
  source_addr: string;
  source_ton?: number;
  source_npi?: number;
  concat_ref_bits?: 8 | 16;
  /** submit_sm waiting for their response at once on the session. */
  window?: number;
  /** How long a request waits for its response, and a bind for its answer. */
  response_timeout_ms?: number;
  /** Quiet time before an enquire_link checks the SMSC is still there. */
  enquire_link_ms?: number;
};

export const SMPP_DEFAULTS = { window: 10, response_timeout_ms: 10_000, enquire_link_ms: 30_000 };

/** How long a message waits for the link to come back before it is put back in the queue. */
const WAIT_FOR_LINK_MS = 5000;
const THROTTLE_FIRST_MS = 200;
const THROTTLE_MAX_MS = 5000;

export class SmppProvider implements SmsProvider {
  readonly name = "smpp";
  // submit_sm has no idempotency key: a send whose response was lost is never repeated blindly.
  readonly dedupesByRef = false;
  private readonly config: SmppConfig & typeof SMPP_DEFAULTS;
  private readonly link: SmppLink;
  private closed = false;
  /** Kept here for polling when no sink stores them (tests of the adapter alone). */
  private readonly receipts: StatusUpdate[] = [];
  private readonly inbound: InboundSms[] = [];
  /** The last concatenation reference given out, and those of long messages still being submitted. */
  private reference = Math.floor(Math.random() * 256);
  private readonly inFlight = new Set<number>();
  private readonly instance = Math.random().toString(36).slice(2, 8);
  /** The submit window: requests out, and sends waiting for a place. */
  private outstanding = 0;
  private readonly queue: (() => void)[] = [];
  /** While the SMSC asks us to slow down, no new submit_sm goes out before this instant. */
  private pausedUntil = 0;
  private throttleMs = 0;

  constructor(
    private readonly channel: ChannelRow,
    credentials: Record<string, string>,
    private readonly sink?: SessionSink,
  ) {
    this.config = { ...SMPP_DEFAULTS, ...(channel.config as SmppConfig) };
    this.link = new SmppLink({
      host: this.config.host,
      port: this.config.port,
      bind: {
        system_id: this.config.system_id,
        password: credentials.password ?? "",
        system_type: this.config.system_type ?? "",
      },
      responseMs: this.config.response_timeout_ms,
      enquireMs: this.config.enquire_link_ms,
      onDeliver: (session, pdu, connection) => void this.onDeliver(session, pdu, connection),
      onState: (state, error) => this.onState(state, error),
    });
  }

  /** Keeps the session bound from now on, so receipts and inbound SMS arrive while nothing is sent. */
  keep() {
    if (!this.closed) this.link.start();
  }

  /** The link as a person would want to know it. */
  status(): { state: LinkState | "idle" | "closed"; lastError: string | null } {
    return { state: this.link.state, lastError: this.link.lastError };
  }

  private onState(state: LinkState, error: string | null) {
    this.sink?.health(this.channel, state, error).catch((e) => {
      console.error(`SMPP channel ${this.channel.id}: could not record its state:`, e);
    });
  }

  /** A receipt or an inbound SMS: answered once stored, or refused for now (the SMSC sends it again). */
  private async onDeliver(session: smpp.Session, pdu: smpp.Pdu, connection: number) {
    let stored: string | null;
    try {
      stored = await this.store(pdu, connection);
    } catch (e) {
      console.error(`SMPP channel ${this.channel.id}: could not store a deliver_sm; asking for it again:`, e);
      // A temporary failure of ours: the SMSC keeps the message and delivers it again.
      this.link.respond(session, pdu, ESME_RX_T_APPN);
      return;
    }
    if (stored) {
      // A session that died meanwhile never answers: the SMSC delivers it again, and its record
      // (kept) recognises it.
      if (!this.link.isCurrent(session)) return;
      // The record of an unanswered SMS goes before the answer does, never after: once the SMSC
      // has the answer it forgets the message, and a record left behind by a crash in between
      // would take the customer's identical repeat for a redelivery and drop it. A crash after
      // this and before the answer costs a duplicate instead (the SMSC delivers it again). The
      // database writes synchronously on Node: no socket event can end the session in between.
      try {
        await this.sink?.answered(this.channel, [stored]);
      } catch (e) {
        // Kept, the record must meet the SMSC's redelivery, which it knows only on another
        // connection (on this one a resend is a new message): this one is given up.
        console.error(`SMPP channel ${this.channel.id}: could not record an answer; reconnecting:`, e);
        this.link.drop(session, `could not record an answer: ${(e as Error).message}`);
        return;
      }
    }
    this.link.respond(session, pdu, 0);
  }

  private prefix(connection: number) {
    return `smpp-${this.config.host}-${this.instance}.${connection}-`;
  }

  /** Stores a deliver_sm; returns the provider id of an inbound SMS stored through the sink. */
  private async store(pdu: smpp.Pdu, connection: number): Promise<string | null> {
    const text = textOf(pdu);
    if (Number(pdu.esm_class ?? 0) & ESM_DELIVERY_RECEIPT) {
      const parsed = parseReceipt(text);
      if (!parsed) return null;
      const receipted = pdu.receipted_message_id;
      const r = typeof receipted === "string" && receipted ? { ...parsed, providerRef: receipted } : parsed;
      // A receipt applied twice changes nothing: it needs no record of its answer.
      if (this.sink) await this.sink.receipts(this.channel, [r]);
      else this.receipts.push(r);
      return null;
    }
    const prefix = this.prefix(connection);
    const sms: InboundSms = {
      // The same PDU delivered again on its connection (the SMSC missed our response) is one
      // message; anything on another connection, or from another run of this process, is another.
      providerMessageId: `${prefix}${String(pdu.sequence_number)}`,
      from: `+${String(pdu.source_addr).replace(/^\+/, "")}`,
      to: String(pdu.destination_addr ?? ""),
      text,
    };
    const part = readConcat(headerOf(pdu));
    if (!this.sink) {
      this.inbound.push(sms);
      return null;
    }
    await this.sink.inbound(this.channel, part ? { ...sms, ...part } : sms, prefix);
    return sms.providerMessageId;
  }

  async send(req: SendRequest): Promise<SendResult> {
    if (this.closed) return { ok: false, error: unavailable("The service is stopping") };
    this.link.start();
    // Just after a start or a drop the link may be binding: a message waits a little for it.
    if (!this.link.up && this.link.worthWaiting) await this.link.settled(WAIT_FOR_LINK_MS);
    if (!this.link.up) {
      // Nothing was submitted: the message waits for the link without spending an attempt.
      return { ok: false, error: unavailable(this.link.lastError ?? "The SMPP link is not bound") };
    }
    const parts = splitParts(req.text, req.encoding);
    if (parts.length === 1) return this.submitParts(req, parts, null);
    // Taken once, before the first await: every part of this message carries it, and no other
    // message being submitted on this link holds it at the same time.
    const reference = this.nextReference();
    try {
      return await this.submitParts(req, parts, reference);
    } finally {
      this.inFlight.delete(reference);
    }
  }

  private nextReference(): number {
    const size = (this.config.concat_ref_bits ?? 8) === 16 ? 65_536 : 256;
    for (let n = 0; n < size; n++) {
      this.reference = (this.reference + 1) % size;
      if (!this.inFlight.has(this.reference)) break;
    }
    this.inFlight.add(this.reference);
    return this.reference;
  }

  private async submitParts(req: SendRequest, parts: string[], reference: number | null): Promise<SendResult> {
    const bits = this.config.concat_ref_bits ?? 8;
    const deadline = Date.now() + this.config.response_timeout_ms * 3;
    let lastId = "";
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      const options = {
        source_addr: this.config.source_addr,
        source_addr_ton: this.config.source_ton ?? 5,
        source_addr_npi: this.config.source_npi ?? 0,
        destination_addr: req.to.replace(/^\+/, ""),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        data_coding: req.encoding === "GSM-7" ? 0 : 8,
        // A receipt for the last part stands for the whole message.
        registered_delivery: last ? 1 : 0,
        short_message:
          reference === null
            ? (parts[0] as string)
            : { udh: concatHeader(reference, parts.length, i + 1, bits), message: parts[i] as string },
      };
      const answer = await this.submitThrottled(options, deadline);
      if ("none" in answer) {
        if (answer.none === "down" && i === 0) {
          return { ok: false, error: unavailable(this.link.lastError ?? "The SMPP link dropped") };
        }
        // No answer, or the link went mid-message: the SMSC may have taken it. Never re-sent blindly.
        return {
          ok: false,
          error: { kind: "unknown_outcome", code: answer.none, message: `no submit_sm_resp for part ${i + 1}` },
        };
      }
      const status = answer.pdu.command_status;
      if (status !== 0) {
        const error = classifySmppStatus(status);
        // Once a part went out, a retry would duplicate it: report the outcome as unknown.
        return { ok: false, error: i === 0 ? error : { ...error, kind: "unknown_outcome" } };
      }
      lastId = String(answer.pdu.message_id ?? "");
    }
    return { ok: true, providerRef: lastId };
  }

  /**
   * One submit_sm through the window. A throttled one is sent again after a pause that slows the
   * whole link, until the message's deadline: the SMSC did not take it, so nothing is doubled.
   */
  private async submitThrottled(options: Record<string, unknown>, deadline: number): Promise<Answer> {
    for (;;) {
      const answer = await this.submit(options);
      if ("none" in answer || !isThrottle(answer.pdu.command_status)) {
        if (!("none" in answer)) this.throttleMs = 0;
        return answer;
      }
      this.throttleMs = Math.min(THROTTLE_MAX_MS, this.throttleMs ? this.throttleMs * 2 : THROTTLE_FIRST_MS);
      this.pausedUntil = Math.max(this.pausedUntil, Date.now() + this.throttleMs);
      if (this.pausedUntil >= deadline) return answer;
    }
  }

  private async submit(options: Record<string, unknown>): Promise<Answer> {
    await this.slot();
    try {
      const wait = this.pausedUntil - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return await this.link.request("submit_sm", options);
    } finally {
      this.outstanding--;
      this.queue.shift()?.();
    }
  }

  private slot(): Promise<void> {
    const window = Math.max(1, this.config.window);
    if (this.outstanding < window) {
      this.outstanding++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.queue.push(() => {
        this.outstanding++;
        resolve();
      }),
    );
  }

  pollStatus(): StatusUpdate[] {
    return this.receipts.splice(0);
  }

  pollInbound(): InboundSms[] {
    return this.inbound.splice(0);
  }

  // SMPP reports over its own session, not by webhook.
  async verifyRequest(): Promise<boolean> {
    return false;
  }

  parseStatus(): StatusUpdate[] {
    return [];
  }

  parseInbound(): InboundSms[] {
    return [];
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.link.close();
  }
}

function unavailable(message: string): ProviderError {
  return { kind: "unavailable", code: "unbound", message, retryAfterMs: WAIT_FOR_LINK_MS };
}
