// Who is asking for a short link. Chat apps and mail clients fetch a link to draw its preview,
// security scanners follow it, and some carriers test every link in an SMS: none of these is a
// person's click, and counting them would make every campaign look clicked.

// User agents of link-preview fetchers, crawlers and HTTP libraries. Chat apps' in-app browsers
// (WeChat's MicroMessenger, WhatsApp's own browser when opened) are people and do not match.
// ("bot" as a word or before a version: Googlebot/2.1, not a Cubot handset.)
const BOTS =
  /\bbot\b|bot[/\-_;)]|crawl|spider|slurp|preview|facebookexternalhit|facebot|whatsapp\/|telegrambot|discordbot|slackbot|slack-imgproxy|skypeuripreview|linkedinbot|embedly|pinterest|vkshare|w3c_validator|headlesschrome|phantomjs|curl\/|wget\/|python-requests|python-urllib|go-http-client|okhttp|java\/|apache-httpclient|node-fetch|axios\/|undici|libwww|scanner|proofpoint|mimecast|barracuda|\bbingpreview/i;

export function isBotAgent(userAgent: string): boolean {
  // A browser always says who it is; an empty agent is a program.
  return userAgent.trim() === "" || BOTS.test(userAgent);
}

/**
 * Carriers' and handsets' link scanners follow a link within seconds of the message going out;
 * a person needs longer to read it and tap. A browser's click this soon after the link was made
 * (just before the message went to the provider) is counted as a scan. (Not from the delivery
 * receipt: it reaches us late, by up to a minute, and after a person may have clicked.)
 */
export const SCANNER_WINDOW_MS = 10_000;

export function isScan(at: number, linkedAt: number): boolean {
  return at - linkedAt < SCANNER_WINDOW_MS;
}
