// A campaign as the API shows it.
import type { CampaignRow, Experiment } from "../db/schema";
import { iso } from "../lib/time";

/** The experiment without the hash version it is planned with (the planner's business). */
function publicExperiment({ hash: _hash, ...x }: Experiment) {
  return x;
}

export const PRIORITY_NAME = ["low", "normal", "high"] as const;

export function campaignView(c: CampaignRow) {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    status: c.status,
    template: c.templateKey,
    variables: c.variables,
    variables_by_locale: c.variablesByLocale ?? null,
    message_kind: c.messageKind,
    audience: c.audience,
    cron: c.cron,
    time_zone: c.timeZone,
    trigger: c.trigger,
    priority: PRIORITY_NAME[c.priority] ?? "normal",
    expires_end_of_local_day: c.expiresEndOfDay,
    channel_id: c.channelId,
    next_occurrence_at: iso(c.nextOccurrenceAt),
    valid_for_hours: c.validForMs === null ? null : c.validForMs / 3_600_000,
    track_links: c.trackLinks,
    experiment: c.experiment ? publicExperiment(c.experiment) : null,
    response: c.response ?? null,
    planned: c.planned,
    reason: c.reason,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}
