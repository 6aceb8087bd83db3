import { compose1m } from "./compose";
import { dispatchSimulator100k, rateLimiterAccuracy } from "./dispatch";
import { importCsv100k } from "./import-csv";
import { inboundWebhook } from "./inbound";
import { planBroadcast1m } from "./plan";
import { planIdleTick1m } from "./plan-idle";
import { segmentCount1m } from "./segment-count";

export type Result = {
  value: number;
  unit: string;
  target: number;
  better: "higher" | "lower";
  [extra: string]: unknown;
};

/** Scenarios that exist so far; later issues add compose, dispatch, planning and inbound. */
export const scenarios: Record<string, () => Promise<Result>> = {
  import_csv_100k: importCsv100k,
  segment_count_1m: segmentCount1m,
  compose_1m: compose1m,
  dispatch_simulator_100k: dispatchSimulator100k,
  rate_limiter_accuracy: rateLimiterAccuracy,
  plan_broadcast_1m: planBroadcast1m,
  plan_idle_tick_1m: planIdleTick1m,
  inbound_webhook: inboundWebhook,
};
