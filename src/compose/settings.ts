import { z } from "@hono/zod-openapi";
import { COUNTINGS, type Counting } from "./encoding";

/** How a workspace's messages are finished before they are counted and sent. */
export type ComposeSettings = {
  /** Where the brand signature goes: 【Brand】 first is the Chinese convention. */
  signature_position: "start" | "end";
  /** Which messages carry the signature: marketing only (default), all, or none. */
  signature_on: "marketing" | "all" | "none";
  /** Add an opt-out hint in the customer's language to marketing messages. */
  opt_out_hint: boolean;
  /** Hint text per locale, overriding the defaults below. */
  opt_out_hints: Record<string, string>;
  /**
   * The signature per locale ("" for none), overriding the brand signature. Without one, a text
   * in a Latin-script language counted by the GSM rule gets the signature's GSM-7 form
   * ([Brand] for 【Brand】), since 【】 would make it UCS-2 and double its segments.
   */
  signatures: Record<string, string>;
  /** Replace look-alike punctuation so English texts stay GSM-7 (never touches Chinese). */
  smart_encoding: boolean;
  /** How segments are counted when the channel does not say: the GSM rule or Chinese carriers'. */
  counting: Counting;
  /** Which messages' links become tracked short links (a campaign can say otherwise). */
  track_links: "marketing" | "all" | "none";
  /** Where short links point from ("https://go.example.com"); null: the service's link or public URL. */
  link_domain: string | null;
};

export const DEFAULT_OPT_OUT_HINTS: Readonly<Record<string, string>> = {
  en: "Reply STOP to opt out.",
  zh: "拒收请回复R",
};

export const DEFAULT_COMPOSE: ComposeSettings = {
  signature_position: "start",
  signature_on: "marketing",
  opt_out_hint: true,
  opt_out_hints: {},
  signatures: {},
  smart_encoding: false,
  counting: "standard",
  track_links: "marketing",
  link_domain: null,
};

const locale = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, "must be a locale");

export const ComposeSettingsSchema = z
  .strictObject({
    signature_position: z.enum(["start", "end"]),
    signature_on: z.enum(["marketing", "all", "none"]),
    opt_out_hint: z.boolean(),
    opt_out_hints: z.record(locale, z.string().trim().min(1).max(60)),
    signatures: z.record(locale, z.string().trim().max(40)).openapi({
      description:
        'Signature per locale, e.g. {"en": "[Demo Gym]"}; "" for none. Without one: the brand signature, or its GSM-7 form for Latin-script texts counted by the standard rule',
    }),
    smart_encoding: z.boolean(),
    counting: z.enum(COUNTINGS as [Counting, ...Counting[]]),
    track_links: z.enum(["marketing", "all", "none"]).openapi({
      description:
        "Which messages' links become per-recipient short links whose clicks are counted: marketing (default), all or none. A campaign's track_links overrides it",
    }),
    link_domain: z
      .string()
      .max(100)
      .regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/, "must be an origin such as https://go.example.com (no path)")
      .nullable()
      .openapi({
        description:
          "The short link domain, pointed at this service (it answers /l/<code>). null: TIDINGS_LINK_URL or TIDINGS_PUBLIC_URL",
      }),
  })
  .partial()
  .openapi("ComposeSettings", {
    description:
      "How messages are finished: brand signature (on marketing only by default, per locale if set), an opt-out hint on marketing, smart encoding, and the segment counting rule. Omitted fields keep their value.",
    example: { signature_position: "start", signature_on: "marketing", opt_out_hint: true, smart_encoding: true },
  });

export function resolveCompose(stored: Partial<ComposeSettings> | null | undefined): ComposeSettings {
  return { ...DEFAULT_COMPOSE, ...(stored ?? {}) };
}
