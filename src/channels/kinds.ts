// What kinds of channel there are, as far as the rest of the app needs to know.

/** Providers that send only templates they approved (the Chinese clouds), by name. */
export const TEMPLATED: ReadonlySet<string> = new Set(["aliyun", "tencent"]);

/**
 * The night the Chinese clouds hold marketing SMS back (promotions go out 08:00 to 21:00 local):
 * the quiet hours of a marketing message on such a channel when the workspace set none.
 */
export const CLOUD_MARKETING_NIGHT = { start: "21:00", end: "08:00" } as const;
