// The lead-time model's settings, stored as JSON on the tenant and merged over the defaults
// (a PATCH names only what it changes), like the inbound settings.

import { z } from "@hono/zod-openapi";

export type DeliveryModelSettings = {
  /** A cell with fewer recent samples falls back: (courier, region) → courier → workspace. */
  min_samples: number;
  /** Only shipments shipped in the last this many days count, so a courier's change shows up. */
  window_days: number;
  /**
   * Without a delivery date, shipped-to-activation stands in for the lead time (the card was
   * there by then), but only when activation came within this many days: a later one says
   * more about the customer than about the courier.
   */
  proxy_max_days: number;
  /**
   * A shipment counts once it is this many days old. Younger ones would bias the model early:
   * of last week's shipments, only the fast deliveries are in yet (right-censoring).
   */
  settle_days: number;
};

export const DEFAULT_DELIVERY_MODEL: DeliveryModelSettings = {
  min_samples: 30,
  window_days: 90,
  proxy_max_days: 14,
  settle_days: 10,
};

export function resolveDeliveryModel(stored: Partial<DeliveryModelSettings> | null | undefined): DeliveryModelSettings {
  return { ...DEFAULT_DELIVERY_MODEL, ...(stored ?? {}) };
}

export const DeliveryModelSettingsSchema = z
  .strictObject({
    min_samples: z.number().int().min(1).max(100_000),
    window_days: z.number().int().min(7).max(730),
    proxy_max_days: z.number().int().min(1).max(60),
    settle_days: z.number().int().min(0).max(60),
  })
  .partial()
  .openapi("DeliveryModelSettings");
