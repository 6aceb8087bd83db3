// Opt-out, opt-in and help words, matched on folded text.
//
// Decisions, tested in test/inbound.test.ts:
// - A whole-message match always counts: STOP, ｓｔｏｐ, "Stop!", 退订。, T, R, TD.
// - Inside a message, only unambiguous words count, as words of their own: "STOP please",
//   "please stop texting me", 我要退订. CANCEL, END and QUIT are whole-message only: "cancel my
//   booking" or "see you at the end of class" is not a request to stop texting. Letters (T, R,
//   TD) are whole-message only. 拒收 is whole-message only: a card customer may have refused a
//   parcel.
// - A negated word does not count: "please don't stop the yoga class", 不要退订. Such a message
//   goes to the inbox flagged `possible_opt_out`, so a person reads it.

import { containsWord, hasCjk, type Normalized, normalize } from "./normalize";
import type { InboundSettings } from "./settings";

export const OPT_OUT_WORDS = [
  "stop",
  "stopall",
  "unsubscribe",
  "cancel",
  "end",
  "quit",
  "revoke",
  "optout",
  "opt out",
  "退订",
  "取消订阅",
  "拒收",
  "td",
  "t",
  "r",
];
/** The opt-out words that also count inside a longer message. */
export const OPT_OUT_INSIDE = ["stop", "stopall", "unsubscribe", "optout", "opt out", "revoke", "退订", "取消订阅"];
export const OPT_IN_WORDS = ["start", "yes", "unstop", "subscribe", "订阅", "重新订阅"];
export const HELP_WORDS = ["help", "info", "帮助"];

const NEGATIONS = new Set(["don't", "dont", "not", "never", "doesn't", "won't", "didn't", "cannot", "can't"]);
const CJK_NEGATION = /(不要|不想|不用|别|不|没有|没)$/u;

export type Compliance = {
  optOut: string[];
  optOutInside: string[];
  optIn: string[];
  help: string[];
};

/** The word lists in force for a workspace: the built-in ones and its own, folded. */
export function complianceWords(s: InboundSettings): Compliance {
  const own = (list: string[]) => list.map((w) => normalize(w).text).filter(Boolean);
  const extraOut = own(s.opt_out_words);
  return {
    optOut: [...OPT_OUT_WORDS, ...extraOut],
    // A workspace's own words count inside a message when they are clear enough: 3+ letters, or CJK.
    optOutInside:
      s.opt_out_match === "whole" ? [] : [...OPT_OUT_INSIDE, ...extraOut.filter((w) => hasCjk(w) || w.length >= 3)],
    optIn: [...OPT_IN_WORDS, ...own(s.opt_in_words)],
    help: [...HELP_WORDS, ...own(s.help_words)],
  };
}

export type OptOutMatch = { word: string; how: "whole" | "inside" } | { word: string; how: "negated" } | null;

function negated(n: Normalized, word: string): boolean {
  if (hasCjk(word)) {
    const at = n.text.indexOf(word);
    return CJK_NEGATION.test(n.text.slice(Math.max(0, at - 2), at));
  }
  const i = containsWord(n, word);
  const before = n.words.slice(Math.max(0, i - 2), i);
  return before.some((w) => NEGATIONS.has(w)) || (before[0] === "do" && before[1] === "not");
}

export function matchOptOut(n: Normalized, c: Compliance): OptOutMatch {
  const whole = c.optOut.find((w) => n.text === w);
  if (whole) return { word: whole, how: "whole" };
  let negatedWord: string | null = null;
  for (const w of c.optOutInside) {
    if (containsWord(n, w) < 0) continue;
    if (!negated(n, w)) return { word: w, how: "inside" };
    negatedWord ??= w;
  }
  return negatedWord ? { word: negatedWord, how: "negated" } : null;
}

export function matchWhole(n: Normalized, words: string[]): string | null {
  return words.find((w) => n.text === w) ?? null;
}
