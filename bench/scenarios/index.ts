export type Result = {
  value: number;
  unit: string;
  target: number;
  better: "higher" | "lower";
  /** The same work done the plainest way in the same run, in the value's unit. */
  ceiling?: number;
  /** The value against the ceiling, as a share of it (higher is better). */
  ratio?: number;
  /** The ratio this scenario must reach; its reason is beside it in the scenario. */
  target_ratio?: number;
  [extra: string]: unknown;
};

// Each scenario's modules are loaded when it runs: its process (bench/run.ts) then holds only
// what the scenario uses, and the peak RSS it reports is the scenario's own. (Loaded all at
// once, every scenario carried the others' code and startup state: 24 MB at the start of the
// import's.)
export const scenarios: Record<string, () => Promise<Result>> = {
  import_csv_100k: async () => (await import("./import-csv")).importCsv100k(),
  segment_count_1m: async () => (await import("./segment-count")).segmentCount1m(),
  compose_1m: async () => (await import("./compose")).compose1m(),
  template_worst_case: async () => (await import("./template-work")).templateWorstCase(),
  dispatch_simulator_100k: async () => (await import("./dispatch")).dispatchSimulator100k(),
  rate_limiter_accuracy: async () => (await import("./dispatch")).rateLimiterAccuracy(),
  plan_broadcast_1m: async () => (await import("./plan")).planBroadcast1m(),
  plan_idle_tick_1m: async () => (await import("./plan-idle")).planIdleTick1m(),
  inbound_webhook: async () => (await import("./inbound")).inboundWebhook(),
  smpp_submit: async () => (await import("./smpp")).smppSubmit(),
  export_1m: async () => (await import("./export")).export1m(),
  link_redirect: async () => (await import("./links")).linkRedirect(),
  api_read: async () => (await import("./api-read")).apiRead(),
  scale_curve: async () => (await import("./scale")).scaleCurve(),
  idle_memory: async () => (await import("./idle")).idleMemory(),
  console_pages: async () => (await import("./console-pages")).consolePages(),
  workers_cost: async () => (await import("./workers-cost")).workersCost(),
  broadcast_e2e_100k: async () => (await import("./broadcast-e2e")).broadcastE2e100k(),
};
