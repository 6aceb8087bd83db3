// What kinds of channel there are, as far as the rest of the app needs to know.

/** Providers that send only templates they approved (the Chinese clouds), by name. */
export const TEMPLATED: ReadonlySet<string> = new Set(["aliyun", "tencent"]);

/**
 * Sends a cloud channel keeps in flight in a dispatch lane: those that arrive together and share
 * a template go in one call (Aliyun SendBatchSms, Tencent SendSms with many numbers).
 */
export const CLOUD_LANE_WIDTH = 100;

/**
 * The night the Chinese clouds hold marketing SMS back (promotions go out 08:00 to 21:00 local):
 * the quiet hours of a marketing message on such a channel when the workspace set none.
 */
export const CLOUD_MARKETING_NIGHT = { start: "21:00", end: "08:00" } as const;
