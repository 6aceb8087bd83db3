import type { ParseStage } from "./customers/import-parse";
import type { Database } from "./db/client";
import type { ProviderRegistry } from "./delivery/registry";
import type { InboundSink } from "./inbound/store";
import type { Clock } from "./lib/clock";
import type { IdGenerator } from "./lib/ids";
import type { SecretKey } from "./lib/secretbox";
import type { LinkStore } from "./links/store";
import type { DefaultTemplate } from "./templates/library";

export type AppConfig = {
  /** Largest JSON body accepted, in bytes. */
  maxJsonBytes: number;
  /** Largest CSV import accepted, in bytes (streamed, never held whole). */
  maxImportBytes: number;
  /** How providers reach us (status callbacks); also the URL Twilio signs. */
  publicUrl?: string;
  /** Where short links point from when a workspace names no link domain; else publicUrl. */
  linkUrl?: string;
  /** How long a claimed message is the dispatcher's before another may recover it. */
  dispatchLeaseMs?: number;
  /** How long a claimed inbound SMS is the pipeline's before another run may take it again. */
  inboundLeaseMs?: number;
  /**
   * The operator's token for POST /admin/tenants (creating workspaces where there is no CLI, as
   * on Workers). Unset: the route does not exist.
   */
  adminToken?: string;
  /** Outgoing webhooks may go to loopback and private addresses (tests, a closed network). */
  webhooksAllowPrivate?: boolean;
};

export const defaultAppConfig: AppConfig = {
  maxJsonBytes: 1024 * 1024,
  maxImportBytes: 100 * 1024 * 1024,
};

/** Static files the docs page needs, served by the app itself (the machine may be offline). */
export type DocsAssets = (name: string) => Promise<{ body: Uint8Array | string; type: string } | null>;

export type Deps = {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  config: AppConfig;
  docsAssets?: DocsAssets;
  /** The shipped templates (templates/*.hbs), read by the runtime edge. */
  defaultTemplates?: readonly DefaultTemplate[];
  /** Encrypts channel credentials at rest. */
  secretKey: SecretKey;
  /** Provider instances per channel (the Node edge adds SMPP to the HTTP ones). */
  providers: ProviderRegistry;
  /** Called when a message becomes due now, so a runtime can dispatch at once. */
  onMessageDue?: () => void;
  /** Called when a campaign is scheduled or resumed, so a runtime can plan it at once (Node does). */
  onPlanDue?: () => void;
  /**
   * Called after a dispatcher run with when a receipt that a provider holds for collection (the
   * simulator's) falls due, so a runtime can run the dispatcher then rather than at its next tick.
   */
  onReceiptsDue?: (at: number) => void;
  /** Called when inbound SMS were stored, so a runtime can run the pipeline at once. */
  onInboundReceived?: () => void;
  /** Where webhooks store inbound SMS (Node with a jobs thread: a journal file of their own); the database when absent. */
  storeInbound?: InboundSink;
  /** Run by the pipeline before each claim: brings in what `storeInbound` journaled (Node's jobs thread). */
  inboundIntake?: () => Promise<void>;
  /**
   * The addresses a host name resolves to (Node): an outgoing webhook is not sent to a name that
   * resolves to a private address. Workers' fetch cannot reach a private network.
   */
  resolveHost?: (host: string) => Promise<string[]>;
  /** How the short links' redirect finds links and stores clicks (Node: a journal); the database when absent. */
  links?: LinkStore;
  /** Run by the click job before it claims: brings in what `links` journaled (Node's jobs thread). */
  clickIntake?: () => Promise<void>;
  /** Aborted when the runtime stops its jobs: a long run (a backlog, a broadcast) ends after its batch. */
  signal?: AbortSignal;
  /** Where imports parse their CSV (Node: a thread of its own); inline when absent. */
  parseImport?: ParseStage;
};
