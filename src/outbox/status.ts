import type { MessageStatus } from "../db/schema";

// Statuses only move forward. A provider report that would go back (a late `sent` after
// `delivered`) is kept in the history with applied = false, and the message stays where it is.
const RANK: Record<MessageStatus, number> = {
  planned: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  unknown: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  expired: 4,
  skipped: 4,
};

export function isFinal(s: MessageStatus): boolean {
  return RANK[s] === 4;
}

/** Whether a message in this status is still in the outbox (OUTBOX_LIVE): to send, or being sent. */
export function isLive(s: MessageStatus): boolean {
  return RANK[s] <= 2;
}

/** Whether a status reported by a provider moves the message forward. */
export function advances(current: MessageStatus, reported: MessageStatus): boolean {
  return !isFinal(current) && RANK[reported] > RANK[current];
}

/** Skip and failure reasons, with the text a person reads. */
export const REASONS: Record<string, string> = {
  opted_out: "The customer opted out of marketing messages",
  no_consent: "No consent to marketing on record",
  quiet_hours_deferred: "Held until the end of quiet hours in the customer's time zone",
  render_error: "The template could not be rendered for this customer",
  template_not_approved: "The provider did not approve the template this message is bound to (or no longer has it)",
  no_template_binding:
    "The channel sends only templates its provider approved, and this message's template (in this language) is not bound to one",
  too_long: "The message is longer than the channel's provider takes",
  invalid_number: "The customer has no valid mobile number",
  over_quota: "The workspace's monthly segment cap is reached",
  expired: "Its time to send ran out (valid until) before it could be sent",
  customer_deleted: "The customer was deleted",
  no_channel: "No channel to send through: add one under Settings, Channels",
  rate_limited: "Waiting for the channel's rate limit",
  throttled: "The provider asked to slow down",
  channel_down: "The channel's link to its provider is down; waiting for it to come back",
  retry: "A temporary provider error; retrying",
  retries_exhausted: "The provider kept failing; gave up",
  rejected: "The provider rejected the message",
  provider_error: "The provider reported an error",
  lease_expired: "The sender stopped while sending (crash or restart)",
  campaign_paused: "The campaign is paused; held until it resumes",
  frequency_capped: "The customer got as many marketing messages as the frequency cap allows; held until one fits",
  number_capped:
    "The number got as many messages through this channel as its provider allows per number; held until one fits",
  campaign_cancelled: "The campaign was cancelled",
  missed_send_time: "Its send time had passed when it could be planned, beyond the campaign's catch-up window",
  cancelled_by_event: "An event that cancels this campaign arrived before it was sent",
  holdout: "In the campaign's holdout: followed to measure what its messages cause, never sent",
  control_group:
    "In the workspace's control group this year: gets no marketing, so that what marketing causes can be measured",
  already_converted: "The customer had already converted (e.g. activated the card) before it was sent",
  shipment_returned: "The shipment was returned to sender",
};
