// SMPP 3.4 to a carrier or gateway, Node only: a long-lived TCP session.
// bind_transceiver, submit_sm with UDH concatenation (data_coding 0 for GSM-7, 8 for UCS-2),
// delivery receipts and inbound messages from deliver_sm, enquire_link keep-alive, and
// reconnection with backoff. Receipts and inbound SMS wait in memory for the dispatcher to
// collect, as the in-process simulator's do.

import * as smpp from "smpp";
import { splitParts } from "../compose/encoding";
import type { ChannelRow } from "../db/schema";
import type {
  InboundSms,
  ProviderError,
  ReportedStatus,
  SendRequest,
  SendResult,
  SmsProvider,
  StatusUpdate,
} from "../delivery/provider";

export type SmppConfig = {
  host: string;
  port: number;
  system_id: string;
  system_type?: string;
  source_addr: string;
  source_ton?: number;
  source_npi?: number;
  concat_ref_bits?: 8 | 16;
};

/**
 * The user data header of part `seq` of `total`: IEI 0x00 with an 8-bit reference, or IEI 0x08
 * with a 16-bit one. Every part of a message carries the same reference, or no handset can
 * put it together.
 */
export function concatHeader(reference: number, total: number, seq: number, bits: 8 | 16): Buffer {
  return bits === 16
    ? Buffer.from([0x06, 0x08, 0x04, (reference >> 8) & 0xff, reference & 0xff, total, seq])
    : Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, seq]);
}

const RECEIPT_STATUS: Record<string, ReportedStatus> = {
  DELIVRD: "delivered",
  UNDELIV: "undelivered",
  EXPIRED: "undelivered",
  DELETED: "failed",
  REJECTD: "failed",
  ENROUTE: "sent",
  ACCEPTD: "sent",
};

/** "id:123 sub:001 dlvrd:001 submit date:... done date:... stat:DELIVRD err:000 text:..." */
export function parseReceipt(text: string): StatusUpdate | null {
  const id = /\bid:(\S+)/i.exec(text)?.[1];
  const stat = /\bstat:(\w+)/i.exec(text)?.[1]?.toUpperCase();
  if (!id || !stat) return null;
  const status = RECEIPT_STATUS[stat];
  if (!status) return null;
  const err = /\berr:(\w+)/i.exec(text)?.[1];
  return { providerRef: id, status, ...(err && err !== "000" ? { errorCode: err } : {}), detail: stat };
}

export function classifySmppStatus(status: number): ProviderError {
  const code = `0x${status.toString(16).padStart(4, "0")}`;
  if (status === smpp.ESME_RTHROTTLED || status === smpp.ESME_RMSGQFUL) {
    return { kind: "throttled", code, message: "The SMSC asks to slow down", retryAfterMs: 1000 };
  }
  if (status === smpp.ESME_RINVDSTADR) {
    return { kind: "permanent", code, message: "Invalid destination address", reason: "invalid_number" };
  }
  if (status === smpp.ESME_RSYSERR) return { kind: "retryable", code, message: "SMSC system error" };
  return { kind: "permanent", code, message: `submit_sm refused with ${code}`, reason: "rejected" };
}

const TIMEOUT_MS = 10_000;

export class SmppProvider implements SmsProvider {
  readonly name = "smpp";
  // submit_sm has no idempotency key: a send whose response was lost is never repeated blindly.
  readonly dedupesByRef = false;
  private readonly config: SmppConfig;
  private session: smpp.Session | null = null;
  private bound: Promise<smpp.Session> | null = null;
  private failures = 0;
  private closed = false;
  private readonly receipts: StatusUpdate[] = [];
  private readonly inbound: InboundSms[] = [];
  /** The last concatenation reference given out, and those of long messages still being submitted. */
  private reference = Math.floor(Math.random() * 256);
  private readonly inFlight = new Set<number>();
  /** Connections made so far: sequence numbers start again on each. */
  private bindNo = 0;
  private readonly instance = Math.random().toString(36).slice(2, 8);

  constructor(
    channel: ChannelRow,
    private readonly credentials: Record<string, string>,
  ) {
    this.config = channel.config as SmppConfig;
  }

  /** A bound session, connecting (again) when needed, with backoff after failures. */
  private connect(): Promise<smpp.Session> {
    if (this.bound) return this.bound;
    const delay = this.failures === 0 ? 0 : Math.min(30_000, 500 * 2 ** (this.failures - 1));
    const attempt = new Promise<smpp.Session>((resolve, reject) => {
      setTimeout(() => {
        const session = smpp.connect(
          { url: `smpp://${this.config.host}:${this.config.port}`, auto_enquire_link_period: 30_000 },
          () => {
            session.bind_transceiver(
              {
                system_id: this.config.system_id,
                password: this.credentials.password ?? "",
                system_type: this.config.system_type ?? "",
                interface_version: 0x34,
              },
              (pdu) => {
                if (pdu.command_status === 0) {
                  this.failures = 0;
                  resolve(session);
                } else {
                  session.destroy();
                  reject(new Error(`bind_transceiver refused (0x${pdu.command_status.toString(16)})`));
                }
              },
            );
          },
        );
        // Numbered per connection, so a PDU is tagged with the session it came on.
        const bind = ++this.bindNo;
        session.on("deliver_sm", (pdu) => this.onDeliver(session, pdu, bind));
        const lost = (e?: Error) => {
          if (this.session === session) this.session = null;
          this.bound = null;
          reject(e ?? new Error("the SMPP connection closed"));
        };
        session.on("error", lost);
        session.on("close", () => lost());
        this.session = session;
      }, delay);
    });
    this.bound = attempt.catch((e) => {
      this.failures++;
      this.bound = null;
      throw e;
    });
    return this.bound;
  }

  private onDeliver(session: smpp.Session, pdu: smpp.Pdu, bind: number) {
    session.send(pdu.response());
    const esm = Number(pdu.esm_class ?? 0);
    const sm = pdu.short_message as { message?: string | Buffer } | string | undefined;
    const text =
      typeof sm === "string"
        ? sm
        : typeof sm?.message === "string"
          ? sm.message
          : (sm?.message?.toString("latin1") ?? "");
    if (esm & smpp.ESM_CLASS.MC_DELIVERY_RECEIPT) {
      const r = parseReceipt(text);
      const receipted = pdu.receipted_message_id;
      if (r) this.receipts.push(typeof receipted === "string" && receipted ? { ...r, providerRef: receipted } : r);
      return;
    }
    this.inbound.push({
      // The same PDU delivered again on its bind (the SMSC missed our response) is one message;
      // anything on another bind, or from another run of this process, is another.
      providerMessageId: `smpp-${this.config.host}-${this.instance}.${bind}-${String(pdu.sequence_number)}`,
      from: `+${String(pdu.source_addr).replace(/^\+/, "")}`,
      to: String(pdu.destination_addr ?? ""),
      text,
    });
  }

  private submit(session: smpp.Session, options: Record<string, unknown>): Promise<smpp.Pdu | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), TIMEOUT_MS);
      session.submit_sm(options, (pdu) => {
        clearTimeout(timer);
        resolve(pdu);
      });
    });
  }

  async send(req: SendRequest): Promise<SendResult> {
    let session: smpp.Session;
    try {
      session = await this.connect();
    } catch (e) {
      // Nothing was submitted: safe to try again later.
      return { ok: false, error: { kind: "retryable", code: "connect", message: (e as Error).message } };
    }
    const parts = splitParts(req.text, req.encoding);
    if (parts.length === 1) return this.submitParts(session, req, parts, null);
    // Taken once, before the first await: every part of this message carries it, and no other
    // message being submitted on this link holds it at the same time.
    const reference = this.nextReference();
    try {
      return await this.submitParts(session, req, parts, reference);
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

  private async submitParts(
    session: smpp.Session,
    req: SendRequest,
    parts: string[],
    reference: number | null,
  ): Promise<SendResult> {
    const dataCoding = req.encoding === "GSM-7" ? 0 : 8;
    const bits = this.config.concat_ref_bits ?? 8;
    let lastId = "";
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      const message =
        reference === null
          ? (parts[0] as string)
          : { udh: concatHeader(reference, parts.length, i + 1, bits), message: parts[i] as string };
      const pdu = await this.submit(session, {
        source_addr: this.config.source_addr,
        source_addr_ton: this.config.source_ton ?? 5,
        source_addr_npi: this.config.source_npi ?? 0,
        destination_addr: req.to.replace(/^\+/, ""),
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        data_coding: dataCoding,
        // A receipt for the last part stands for the whole message.
        registered_delivery: last ? 1 : 0,
        short_message: message,
      });
      if (!pdu) {
        // No answer: the SMSC may have taken it. Never re-sent blindly.
        return {
          ok: false,
          error: { kind: "unknown_outcome", code: "timeout", message: `no submit_sm_resp for part ${i + 1}` },
        };
      }
      if (pdu.command_status !== 0) {
        const error = classifySmppStatus(pdu.command_status);
        // Once a part went out, a retry would duplicate it: report the outcome as unknown.
        return { ok: false, error: i === 0 ? error : { ...error, kind: "unknown_outcome" } };
      }
      lastId = String(pdu.message_id ?? "");
    }
    return { ok: true, providerRef: lastId };
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
    const s = this.session;
    this.session = null;
    this.bound = null;
    if (!s) return;
    // unbind politely; a dead link (or a silent SMSC) gets destroyed instead.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        s.destroy();
        resolve();
      }, 1000);
      const sent = s.unbind({}, () =>
        s.close(() => {
          clearTimeout(timer);
          resolve();
        }),
      );
      if (!sent) {
        clearTimeout(timer);
        s.destroy();
        resolve();
      }
    });
  }

  get isClosed() {
    return this.closed;
  }
}
