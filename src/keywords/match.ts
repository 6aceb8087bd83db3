// Which keyword a message is, and what follows it. Pure functions over folded text.

import { hasCjk, type Normalized } from "../inbound/normalize";
import type { KeywordArgument, KeywordMatch } from "./types";

export type MatchableKeyword = {
  id: string;
  words: string[];
  match: KeywordMatch;
  argument: KeywordArgument | null;
};

export type KeywordHit = { word: string; rest: string };

const LATIN_END = /[a-z0-9]$/;
const LATIN_START = /^[a-z]/;

/**
 * whole: the message is the word. first_word: the first word is the word. prefix: the message
 * starts with it, as Chinese writes `激活1234` with no space; a Latin word must not run into
 * more letters (ACT matches `ACT1234` and `ACT 1234`, not `ACTIVATE`).
 */
export function hitOf(text: string, words: readonly string[], match: KeywordMatch): KeywordHit | null {
  for (const word of words) {
    if (match === "whole") {
      if (text === word) return { word, rest: "" };
      continue;
    }
    if (!text.startsWith(word)) continue;
    const after = text.slice(word.length);
    if (after === "") return { word, rest: "" };
    if (match === "first_word" && !/^[\s\p{P}]/u.test(after)) continue;
    if (match === "prefix" && !hasCjk(word) && LATIN_END.test(word) && LATIN_START.test(after)) continue;
    return { word, rest: after.replace(/^[\s:：,，\-#]+/u, "").trim() };
  }
  return null;
}

export type ArgumentCheck = { ok: true; value: string | null } | { ok: false; why: string };

export function checkArgument(spec: KeywordArgument | null, rest: string): ArgumentCheck {
  if (!spec) return { ok: true, value: rest || null };
  if (rest === "") return spec.required ? { ok: false, why: "missing" } : { ok: true, value: null };
  switch (spec.type) {
    case "digits": {
      const digits = rest.replace(/[\s-]/g, "");
      if (!/^\d+$/.test(digits)) return { ok: false, why: "not_digits" };
      if (digits.length < spec.min_length || digits.length > spec.max_length) return { ok: false, why: "length" };
      return { ok: true, value: digits };
    }
    case "text":
      return rest.length > spec.max_length ? { ok: false, why: "too_long" } : { ok: true, value: rest };
    case "choice": {
      const found = spec.options.find((o) => o.toLowerCase() === rest);
      return found ? { ok: true, value: found } : { ok: false, why: "not_an_option" };
    }
  }
}

/** The first active keyword the message is. */
export function findKeyword<K extends MatchableKeyword>(
  n: Normalized,
  list: readonly K[],
): { keyword: K; hit: KeywordHit } | null {
  for (const keyword of list) {
    const hit = hitOf(n.text, keyword.words, keyword.match);
    if (hit) return { keyword, hit };
  }
  return null;
}

/** Two keywords overlap when one message could be either: then neither is sure to fire. */
export function overlap(a: Pick<MatchableKeyword, "words" | "match">, b: Pick<MatchableKeyword, "words" | "match">) {
  for (const x of a.words) {
    for (const y of b.words) {
      if (x === y) return { word: x, other: y };
      if (a.match === "prefix" && y.startsWith(x) && hitOf(y, [x], "prefix")) return { word: x, other: y };
      if (b.match === "prefix" && x.startsWith(y) && hitOf(x, [y], "prefix")) return { word: x, other: y };
      if (a.match === "first_word" && b.match !== "whole" && y.startsWith(`${x} `)) return { word: x, other: y };
      if (b.match === "first_word" && a.match !== "whole" && x.startsWith(`${y} `)) return { word: x, other: y };
    }
  }
  return null;
}
