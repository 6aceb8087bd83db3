// Finding the links in a message's text and putting short ones in their place. The short link
// has a fixed length, so a preview with a stand-in code counts the segments the sent text has.

/** Letters and digits: a short link stays GSM-7 and survives every SMS client's link detection. */
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 62^10 ≈ 8·10^17 codes: guessing one that exists is hopeless at any request rate. */
export const CODE_LENGTH = 10;
export const CODE_PATTERN = /^[0-9A-Za-z]{10}$/;
/** What a preview shows in place of a code. */
const STAND_IN = "x".repeat(CODE_LENGTH);
/** More links than this in one message are left as written. */
export const MAX_LINKS = 10;

// A URL ends at the first space, quote, angle bracket or non-ASCII character: Chinese text runs
// on after a link with no space ("点击https://x.cn/a领取"), and a URL's own letters are ASCII
// (an internationalised one is sent punycoded or percent-encoded).
const URL = /https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+/g;
// Sentence punctuation after a link belongs to the sentence.
const TRAILING = /[.,;:!?'")\]]+$/;

export function randomCode(): string {
  const out: string[] = [];
  while (out.length < CODE_LENGTH) {
    for (const b of crypto.getRandomValues(new Uint8Array(16))) {
      // 248 = 4 × 62: bytes above it are dropped, so every letter is as likely.
      if (b < 248 && out.length < CODE_LENGTH) out.push(ALPHABET[b % 62] as string);
    }
  }
  return out.join("");
}

/** The links of a text, in order, each once per place it appears (at most MAX_LINKS). */
export function findLinks(text: string): { url: string; start: number; end: number }[] {
  if (!text.includes("http")) return [];
  const found: { url: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(URL)) {
    let url = m[0].replace(TRAILING, "");
    // A bracket the URL opened is its own (…/Spin_(class)), not the sentence's.
    while (m[0][url.length] === ")" && count(url, "(") > count(url, ")")) url += ")";
    // "https://" alone, or a scheme with no host, is not a link.
    if (!/^https?:\/\/[A-Za-z0-9]/.test(url)) continue;
    found.push({ url, start: m.index, end: m.index + url.length });
    if (found.length === MAX_LINKS) break;
  }
  return found;
}

/** Each link's replacement, given the link and its place (0, 1, …) in the text. */
export type Shortener = (url: string, position: number) => string;

export function shortLink(base: string, code: string): string {
  return `${base}/l/${code}`;
}

/** For previews and forecasts: every link as long as its short link will be. */
export function standIn(base: string): Shortener {
  const link = shortLink(base, STAND_IN);
  return () => link;
}

export function shortenLinks(text: string, shorten: Shortener): string {
  const found = findLinks(text);
  if (found.length === 0) return text;
  let out = "";
  let at = 0;
  found.forEach((l, i) => {
    out += text.slice(at, l.start) + shorten(l.url, i);
    // Chinese text that ran on after the link ("…/a领取") would be taken into the short link by
    // phones' link detection, and the code with it: a space keeps them apart.
    const next = text.charCodeAt(l.end);
    if (next > 0x7f && !/\s/.test(text[l.end] as string)) out += " ";
    at = l.end;
  });
  return out + text.slice(at);
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

/**
 * Where short links point from: the workspace's own link domain, else the service's link URL,
 * else its public URL; null when none is set (links then go as written).
 */
export function linkBase(domain: string | null | undefined, linkUrl?: string, publicUrl?: string): string | null {
  const base = domain || linkUrl || publicUrl;
  return base ? base.replace(/\/+$/, "") : null;
}

/** Whether a message's links are tracked: the campaign's choice, else the workspace's by kind. */
export function tracksLinks(
  campaign: boolean | null | undefined,
  workspace: "marketing" | "all" | "none",
  kind: "notification" | "marketing",
): boolean {
  if (campaign !== null && campaign !== undefined) return campaign;
  return workspace === "all" || (workspace === "marketing" && kind === "marketing");
}
