// Reading and writing the parts of SMPP PDUs Tidings cares about: concatenation headers,
// delivery receipt texts, and what a submit_sm_resp status means for sending again.

import type * as smpp from "smpp";
import type { ProviderError, ReportedStatus, StatusUpdate } from "../delivery/provider";

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

export type ConcatPart = { reference: number; total: number; seq: number };

/**
 * Where a part sits in a long message, from the information elements of its header (as the
 * smpp package splits them: each a buffer of IEI, length, data). Null for a message of one part
 * or a header that says nothing sensible.
 */
export function readConcat(elements: readonly Uint8Array[] | undefined): ConcatPart | null {
  for (const e of elements ?? []) {
    const [iei, len] = [e[0], e[1]];
    let part: ConcatPart | null = null;
    if (iei === 0x00 && len === 3 && e.length >= 5) {
      part = { reference: e[2] as number, total: e[3] as number, seq: e[4] as number };
    } else if (iei === 0x08 && len === 4 && e.length >= 6) {
      part = { reference: ((e[2] as number) << 8) | (e[3] as number), total: e[4] as number, seq: e[5] as number };
    }
    // A header with a zero count or a number past the count is ignored, as handsets do.
    if (part && part.total > 1 && part.seq >= 1 && part.seq <= part.total) return part;
  }
  return null;
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

// SMPP 3.4 values, spelled here: the package sets its constants in a loop, which Node's ESM
// loader cannot see as named exports (only a bundler's interop can).
export const ESME_RSYSERR = 0x08;
export const ESME_RINVDSTADR = 0x0b;
export const ESME_RMSGQFUL = 0x14;
export const ESME_RTHROTTLED = 0x58;
/** ESME_RX_T_APPN: a temporary failure of the ESME; the SMSC delivers again later. */
export const ESME_RX_T_APPN = 0x64;
/** esm_class bit of a delivery receipt (MC delivery receipt). */
export const ESM_DELIVERY_RECEIPT = 0x04;

export const hex = (status: number) => `0x${status.toString(16).padStart(4, "0")}`;

/** Statuses that ask us to slow down: the message was not taken, and no attempt is spent. */
export const isThrottle = (status: number) => status === ESME_RTHROTTLED || status === ESME_RMSGQFUL;

export function classifySmppStatus(status: number): ProviderError {
  const code = hex(status);
  if (isThrottle(status)) {
    return { kind: "throttled", code, message: "The SMSC asks to slow down", retryAfterMs: 1000 };
  }
  if (status === ESME_RINVDSTADR) {
    return { kind: "permanent", code, message: "Invalid destination address", reason: "invalid_number" };
  }
  if (status === ESME_RSYSERR) return { kind: "retryable", code, message: "SMSC system error" };
  return { kind: "permanent", code, message: `submit_sm refused with ${code}`, reason: "rejected" };
}

/** The text of a deliver_sm, however the package decoded it. */
export function textOf(pdu: smpp.Pdu): string {
  const sm = pdu.short_message as { message?: string | Buffer } | string | undefined;
  if (typeof sm === "string") return sm;
  if (typeof sm?.message === "string") return sm.message;
  return sm?.message?.toString("latin1") ?? "";
}

/** The header elements of a deliver_sm (the package splits them when esm_class says UDHI). */
export function headerOf(pdu: smpp.Pdu): Uint8Array[] | undefined {
  const sm = pdu.short_message as { udh?: Uint8Array[] } | string | undefined;
  return typeof sm === "object" ? sm?.udh : undefined;
}
