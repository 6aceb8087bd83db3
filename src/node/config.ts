import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const ConfigSchema = z.object({
  TIDINGS_DB_PATH: z.string().min(1).default("./data/tidings.db"),
  TIDINGS_HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  TIDINGS_PUBLIC_URL: z.url().optional(),
  /** Where short links point from when a workspace names no link domain (else TIDINGS_PUBLIC_URL). */
  TIDINGS_LINK_URL: z.url().optional(),
  TIDINGS_SEED_DEMO: bool.default(true),
  TIDINGS_CRON: bool.default(true),
  TIDINGS_DISPATCH_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  TIDINGS_INBOUND_LEASE_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /** 32 bytes, base64: encrypts channel credentials. Made and kept in <db dir>/secret.key if unset. */
  TIDINGS_SECRET_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}=$/, "must be 32 random bytes in base64 (openssl rand -base64 32)")
    .optional(),
  /** Enables POST /admin/tenants for this bearer token (at least 24 characters). */
  TIDINGS_ADMIN_TOKEN: z.string().min(24, "must be at least 24 characters").optional(),
  TIDINGS_WEBHOOKS_ALLOW_PRIVATE: z.enum(["true", "false"]).optional(),
  TIDINGS_MAX_JSON_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  TIDINGS_MAX_IMPORT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(100 * 1024 * 1024),
});

export type NodeConfig = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Parses the environment once, at start-up; any problem stops the process with every reason. */
export function loadConfig(env: Record<string, string | undefined> = process.env): NodeConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  ${i.path.join(".")}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}
