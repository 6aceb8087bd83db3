// A workspace's two-way settings, stored as JSON on the tenant and merged over the defaults,
// like compose settings: a PATCH names only what it changes.

import { z } from "@hono/zod-openapi";

export type InboxWordCategory = "complaint" | "suggestion" | "vote" | "question";

export type InboundSettings = {
  /** Added to the built-in opt-out words. */
  opt_out_words: string[];
  opt_in_words: string[];
  help_words: string[];
  /**
   * `word`: an opt-out word also counts as a word of its own inside a message ("please stop
   * texting me", 我要退订), as US rules read a reply since 2025; `whole`: only the whole message.
   */
  opt_out_match: "word" | "whole";
  /** Where a person can be reached; help and locked-activation replies say it. */
  service_phone: string;
  /** Links a reply to the latest message sent to the customer within this window. */
  attribution_window_hours: number;
  /** Words that sort the inbox, added to the built-in lists. */
  inbox_words: Record<InboxWordCategory, string[]>;
  /** Hours to answer an inbox item, by tier; `default` for the rest (e.g. gold: 24 h). */
  inbox_due_hours: Record<string, number>;
  /** Wrong card digits allowed before the customer is handed to a person. */
  activation_max_failures: number;
  /** The consent a number added by a staff SMS command gets (an opt-out on record always stays). */
  staff_add_consent: "subscribed" | "never_asked";
};

export const DEFAULT_INBOUND: InboundSettings = {
  opt_out_words: [],
  opt_in_words: [],
  help_words: [],
  opt_out_match: "word",
  service_phone: "",
  attribution_window_hours: 72,
  inbox_words: { complaint: [], suggestion: [], vote: [], question: [] },
  inbox_due_hours: { diamond: 24, gold: 24, default: 72 },
  activation_max_failures: 3,
  staff_add_consent: "subscribed",
};

export function resolveInbound(stored: Partial<InboundSettings> | null | undefined): InboundSettings {
  const s = { ...DEFAULT_INBOUND, ...(stored ?? {}) };
  return { ...s, inbox_words: { ...DEFAULT_INBOUND.inbox_words, ...(stored?.inbox_words ?? {}) } };
}

/** A PATCH over what is stored: named fields replace, inbox word lists merge per category. */
export function mergeInbound(
  stored: Partial<InboundSettings>,
  patch: Omit<Partial<InboundSettings>, "inbox_words"> & {
    inbox_words?: Partial<InboundSettings["inbox_words"]> | undefined;
  },
): Partial<InboundSettings> {
  const { inbox_words, ...rest } = patch;
  const out: Partial<InboundSettings> = { ...stored };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  if (inbox_words) {
    const words = { ...resolveInbound(stored).inbox_words };
    for (const [k, v] of Object.entries(inbox_words)) if (v) words[k as InboxWordCategory] = v;
    out.inbox_words = words;
  }
  return out;
}

const word = z.string().trim().min(1).max(40);
const words = z.array(word).max(50);

export const InboundSettingsSchema = z
  .strictObject({
    opt_out_words: words,
    opt_in_words: words,
    help_words: words,
    opt_out_match: z.enum(["word", "whole"]),
    service_phone: z.string().max(40),
    attribution_window_hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30),
    inbox_words: z.strictObject({ complaint: words, suggestion: words, vote: words, question: words }).partial(),
    inbox_due_hours: z
      .record(
        z.string().regex(/^[a-z0-9_-]{1,40}$/, "must be a tier or default"),
        z
          .number()
          .min(0.25)
          .max(24 * 30),
      )
      .refine((r) => Object.keys(r).length <= 21, "at most 21 entries"),
    activation_max_failures: z.number().int().min(1).max(20),
    staff_add_consent: z.enum(["subscribed", "never_asked"]),
  })
  .partial()
  .openapi("InboundSettings", {
    description:
      "Two-way settings: extra opt-out/opt-in/help words (added to the built-in ones), whether an opt-out word inside a message counts, the service phone for help replies, the attribution window, inbox word lists and answer times by tier, activation attempts, the consent a staff-added number gets. Omitted fields keep their value.",
    example: { opt_out_words: ["取消"], service_phone: "400-820-8888", inbox_due_hours: { gold: 24, default: 72 } },
  });
