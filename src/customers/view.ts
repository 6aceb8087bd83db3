import type { CustomerRow } from "../db/schema";
import { iso } from "../lib/time";

export function toView(r: CustomerRow) {
  return {
    id: r.id,
    external_id: r.externalId,
    name: r.name,
    phone: r.phone ?? "",
    locale: r.locale,
    time_zone: r.timeZone,
    birthday:
      r.birthdayMonth !== null && r.birthdayDay !== null
        ? { year: r.birthdayYear, month: r.birthdayMonth, day: r.birthdayDay, lunar: r.birthdayLunar }
        : null,
    tier: r.tier,
    tags: r.tags,
    attributes: r.attributes,
    owner_id: r.ownerId,
    consent: { state: r.consentState, source: r.consentSource, at: iso(r.consentAt) },
    source: r.source,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}
