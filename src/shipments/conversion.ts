import type { ItemKind } from "../db/schema";

/** The event that converts each kind of item: the prompt's goal, and what ends its follow-ups. */
export const CONVERSION_EVENT: Record<ItemKind, string> = {
  card: "card.activated",
  membership_kit: "membership.activated",
  parcel: "parcel.collected",
};
