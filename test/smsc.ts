// An SMSC for tests, on the server side of the smpp package (node-smpp, written by others): it
// binds transceivers, records each submit_sm, answers or refuses it as told, and delivers
// receipts and inbound SMS the way a carrier's SMSC does: each deliver_sm is kept until the ESME
// answers it with status 0, and sent again on the next bind if it was not.

import type { AddressInfo, Server } from "node:net";
import * as smpp from "smpp";

export type Part = {
  to: string;
  dataCoding: number;
  udh: number[] | null;
  text: string;
  registered: number;
  messageId: string;
};

type Delivery = {
  key: number;
  options: Record<string, unknown>;
  /** Answered with 0: the SMSC forgets it. */
  acked: boolean;
  sentTimes: number;
};

export class TestSmsc {
  server!: Server;
  port = 0;
  parts: Part[] = [];
  binds = 0;
  /** Never answer anything, binds included (a hung gateway that still accepts TCP). */
  silent = false;
  /** Answer binds and enquire_links, but never a submit_sm. */
  silentSubmits = false;
  /** Refuse the next n submit_sm with ESME_RTHROTTLED. */
  throttleNext = 0;
  /** Drop the connection when this many more submit_sm have come in (once). */
  dropAfterSubmits = 0;
  /** Send a receipt for each message that asks for one (after this many ms). */
  receiptDelayMs: number | null = 5;
  /** Submit_sm waiting for their answer at once, highest seen. */
  maxOutstanding = 0;
  /** Answer submits after this long (ms), to measure a window. */
  answerDelayMs = 0;
  /** How soon a deliver_sm refused with a temporary error is sent again. */
  retryMs = 100;
  sessions: smpp.Session[] = [];
  bound = new Set<smpp.Session>();
  readonly deliveries: Delivery[] = [];
  /** Every deliver_sm answer the ESME sent, by delivery key. */
  readonly answers: { key: number; status: number }[] = [];
  private nextId = 1;
  private nextKey = 1;
  private outstanding = 0;

  async start(port = 0) {
    this.server = smpp.createServer((session) => this.accept(session));
    await new Promise<void>((r) => this.server.listen(port, "127.0.0.1", () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private accept(session: smpp.Session) {
    this.sessions.push(session);
    session.on("error", () => {});
    session.on("close", () => this.bound.delete(session));
    session.on("bind_transceiver", (pdu) => {
      if (this.silent) return;
      this.binds++;
      const ok = pdu.system_id === "tidings" && pdu.password === "secret";
      session.send(pdu.response(ok ? {} : { command_status: smpp.ESME_RBINDFAIL }));
      if (!ok) return;
      this.bound.add(session);
      // What was not acknowledged on an earlier session goes out again on this one.
      for (const d of this.deliveries) if (!d.acked) this.sendDelivery(session, d);
    });
    session.on("enquire_link", (pdu) => {
      if (!this.silent) session.send(pdu.response());
    });
    session.on("unbind", (pdu) => {
      session.send(pdu.response());
      session.close();
    });
    session.on("submit_sm", (pdu) => this.onSubmit(session, pdu));
  }

  private onSubmit(session: smpp.Session, pdu: smpp.Pdu) {
    if (this.silent || this.silentSubmits) return;
    if (this.dropAfterSubmits > 0 && --this.dropAfterSubmits === 0) {
      session.destroy();
      return;
    }
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    const answer = () => {
      this.outstanding--;
      if (this.throttleNext > 0) {
        this.throttleNext--;
        session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
        return;
      }
      if (String(pdu.destination_addr).startsWith("999")) {
        session.send(pdu.response({ command_status: smpp.ESME_RINVDSTADR }));
        return;
      }
      const sm = pdu.short_message as { message: string; udh?: Buffer[] };
      const id = `SMSC${this.nextId++}`;
      this.parts.push({
        to: String(pdu.destination_addr),
        dataCoding: Number(pdu.data_coding),
        udh: sm.udh?.[0] ? [...sm.udh[0]] : null,
        text: sm.message,
        registered: Number(pdu.registered_delivery),
        messageId: id,
      });
      session.send(pdu.response({ message_id: id }));
      if (Number(pdu.registered_delivery) === 1 && this.receiptDelayMs !== null) {
        setTimeout(() => this.receipt(id, String(pdu.destination_addr)), this.receiptDelayMs);
      }
    };
    if (this.answerDelayMs > 0) setTimeout(answer, this.answerDelayMs);
    else answer();
  }

  /** A delivery receipt for a message this SMSC took. */
  receipt(messageId: string, from: string, stat = "DELIVRD") {
    return this.deliver({
      source_addr: from,
      destination_addr: "1069",
      esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
      short_message: `id:${messageId} sub:001 dlvrd:001 submit date:2612061200 done date:2612061201 stat:${stat} err:000 text:`,
    });
  }

  /** An inbound SMS from a handset; with `udh`, one part of a long one. */
  inbound(from: string, text: string, opts: { udh?: number[]; dataCoding?: number } = {}) {
    return this.deliver({
      source_addr: from,
      destination_addr: "1069",
      ...(opts.dataCoding !== undefined ? { data_coding: opts.dataCoding } : {}),
      short_message: opts.udh ? { udh: Buffer.from(opts.udh), message: text } : text,
    });
  }

  /** Queues a deliver_sm: sent now on a bound session, again on each new bind until answered with 0. */
  deliver(options: Record<string, unknown>): Delivery {
    const d: Delivery = { key: this.nextKey++, options, acked: false, sentTimes: 0 };
    this.deliveries.push(d);
    const session = [...this.bound].at(-1);
    if (session) this.sendDelivery(session, d);
    return d;
  }

  private sendDelivery(session: smpp.Session, d: Delivery) {
    d.sentTimes++;
    session.deliver_sm({ ...d.options }, (res) => {
      this.answers.push({ key: d.key, status: res.command_status });
      if (res.command_status === 0) d.acked = true;
      // Refused for now: tried again shortly, as SMSCs do.
      else setTimeout(() => this.bound.has(session) && !d.acked && this.sendDelivery(session, d), this.retryMs);
    });
  }

  /** Deliveries the ESME has answered with 0. */
  get acked() {
    return this.deliveries.filter((d) => d.acked).length;
  }

  dropConnections() {
    for (const s of this.sessions) s.destroy();
    this.sessions = [];
    this.bound.clear();
  }

  close() {
    this.dropConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Parts grouped by their concatenation reference, each group's text in part order. */
export function messagesByReference(parts: Part[], bits: 8 | 16) {
  const by = new Map<number, Part[]>();
  for (const part of parts) {
    const u = part.udh as number[];
    const ref = bits === 16 ? (u[2] as number) * 256 + (u[3] as number) : (u[2] as number);
    by.set(ref, [...(by.get(ref) ?? []), part]);
  }
  return [...by.values()].map((ps) =>
    ps
      .sort((a, b) => (a.udh?.at(-1) as number) - (b.udh?.at(-1) as number))
      .map((p) => p.text)
      .join(""),
  );
}
