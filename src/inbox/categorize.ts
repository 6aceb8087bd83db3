// Sorting the inbox by word lists (the built-in ones plus the workspace's), like the "SMS
// mailbox" staff read by category. First category with a hit wins, in the
// order complaint, suggestion, vote, question.

import type { InboxCategory } from "../db/schema";
import { containsWord, type Normalized, normalize } from "../inbound/normalize";
import type { InboundSettings, InboxWordCategory } from "../inbound/settings";

export const INBOX_WORDS: Record<InboxWordCategory, string[]> = {
  complaint: [
    "complaint",
    "complain",
    "terrible",
    "awful",
    "rude",
    "refund",
    "worst",
    "disappointed",
    "broken",
    "dirty",
    "投诉",
    "差评",
    "退款",
    "太差",
    "不满",
    "态度差",
    "脏",
  ],
  suggestion: [
    "suggest",
    "suggestion",
    "should",
    "could you",
    "would be nice",
    "idea",
    "建议",
    "希望",
    "能不能",
    "可不可以",
  ],
  vote: ["vote", "投票", "选"],
  question: [
    "?",
    "how",
    "what",
    "when",
    "where",
    "why",
    "can i",
    "is there",
    "吗",
    "么",
    "请问",
    "怎么",
    "什么",
    "几点",
    "多少",
  ],
};

const ORDER: InboxWordCategory[] = ["complaint", "suggestion", "vote", "question"];

export function categorize(n: Normalized, settings: InboundSettings, original: string): InboxCategory {
  for (const category of ORDER) {
    const words = [...INBOX_WORDS[category], ...settings.inbox_words[category].map((w) => normalize(w).text)];
    if (words.some((w) => (w === "?" ? /[?？]/.test(original) : w && containsWord(n, w) >= 0))) return category;
  }
  return "other";
}
