// Text as the pipeline matches it. The original is always kept; this is only for matching:
// NFKC (full-width ｓｔｏｐ and １２３４ become stop and 1234), invisible characters dropped,
// case folded, spaces collapsed, and punctuation or emoji around the message ignored ("STOP!").

const INVISIBLE = /[\p{Cc}\p{Cf}]/gu;
const EDGES = /^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu;
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

export type Normalized = {
  /** The whole message, folded, without surrounding punctuation. */
  text: string;
  /** Words: runs of letters and digits (an apostrophe inside a word stays: don't). */
  words: string[];
};

export function fold(s: string): string {
  return s
    .normalize("NFKC")
    .replace(INVISIBLE, " ")
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .replace(EDGES, "");
}

export function normalize(original: string): Normalized {
  const text = fold(original);
  const words = text.match(/[\p{L}\p{N}\p{M}]+(?:'[\p{L}\p{N}\p{M}]+)*/gu) ?? [];
  return { text, words };
}

export function hasCjk(s: string): boolean {
  return CJK.test(s);
}

/** Chinese has no spaces: a CJK word counts as a word of its own wherever it appears. */
export function containsWord(n: Normalized, word: string): number {
  if (hasCjk(word)) return n.text.indexOf(word);
  const parts = word.split(" ");
  for (let i = 0; i + parts.length <= n.words.length; i++) {
    if (parts.every((p, j) => n.words[i + j] === p)) return i;
  }
  return -1;
}
