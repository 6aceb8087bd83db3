import { lookup } from "node:dns/promises";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { httpProviders, ProviderRegistry } from "../delivery/registry";
import type { Deps } from "../deps";
import { defaultAppConfig } from "../deps";
import { systemClock } from "../lib/clock";
import { IdGenerator } from "../lib/ids";
import { importSecretKey, newSecretKeyBase64 } from "../lib/secretbox";
import type { NodeConfig } from "./config";
import { migrateDatabase, type NodeDatabase, openDatabase } from "./db";
import { swaggerUiAssets } from "./docs-assets";
import { nodeHmac } from "./hmac";
import { SmppProvider } from "./smpp";
import { loadDefaultTemplates } from "./templates";

/**
 * The key that encrypts channel credentials: from TIDINGS_SECRET_KEY, or made once and kept
 * beside the database (readable by its owner only), so `npm start` needs no setup.
 */
function secretKeyText(config: NodeConfig): string {
  if (config.TIDINGS_SECRET_KEY) return config.TIDINGS_SECRET_KEY;
  if (config.TIDINGS_DB_PATH === ":memory:") return newSecretKeyBase64();
  const file = join(dirname(resolve(config.TIDINGS_DB_PATH)), "secret.key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dirname(file), { recursive: true });
  const key = newSecretKeyBase64();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * Opens (and migrates, unless another connection of this process already did) the database and
 * assembles the app's dependencies for Node.
 */
export async function nodeDeps(
  config: NodeConfig,
  opts: { migrate: boolean; yieldTo?: Int32Array } = { migrate: true },
): Promise<Deps & { db: NodeDatabase }> {
  const db = openDatabase(config.TIDINGS_DB_PATH, opts.yieldTo);
  if (opts.migrate) migrateDatabase(db);
  const clock = systemClock;
  const secretKey = await importSecretKey(secretKeyText(config));
  return {
    db,
    clock,
    ids: new IdGenerator(clock),
    config: {
      ...defaultAppConfig,
      maxJsonBytes: config.TIDINGS_MAX_JSON_BYTES,
      maxImportBytes: config.TIDINGS_MAX_IMPORT_BYTES,
      dispatchLeaseMs: config.TIDINGS_DISPATCH_LEASE_MS,
      inboundLeaseMs: config.TIDINGS_INBOUND_LEASE_MS,
      ...(config.TIDINGS_ADMIN_TOKEN ? { adminToken: config.TIDINGS_ADMIN_TOKEN } : {}),
      ...(config.TIDINGS_WEBHOOKS_ALLOW_PRIVATE === "true" ? { webhooksAllowPrivate: true } : {}),
      ...(config.TIDINGS_PUBLIC_URL ? { publicUrl: config.TIDINGS_PUBLIC_URL } : {}),
      ...(config.TIDINGS_LINK_URL ? { linkUrl: config.TIDINGS_LINK_URL } : {}),
    },
    docsAssets: swaggerUiAssets(),
    resolveHost: async (host) => (await lookup(host, { all: true })).map((a) => a.address),
    defaultTemplates: loadDefaultTemplates(),
    secretKey,
    providers: new ProviderRegistry(
      secretKey,
      clock,
      {
        ...httpProviders,
        smpp: (channel, credentials, env) => new SmppProvider(channel, credentials, env.sink),
      },
      nodeHmac,
    ),
  };
}
