// The Worker's bindings and secrets, checked once per isolate with zod: a missing binding or a
// bad secret is a clear 500 with a code, not a crash on first use.
import { z } from "zod";

const binding = (what: string, method: string) =>
  z.custom<unknown>(
    (v) => typeof v === "object" && v !== null && typeof (v as Record<string, unknown>)[method] === "function",
    {
      message: `must be a ${what} binding (see wrangler.toml)`,
    },
  );

export const WorkerEnvSchema = z.object({
  DB: binding("D1 database", "prepare"),
  DISPATCH_QUEUE: binding("Queue producer", "sendBatch"),
  TIDINGS_SECRET_KEY: z
    .string({ message: "is required: 32 bytes, base64 (wrangler secret put TIDINGS_SECRET_KEY)" })
    .refine((s) => {
      try {
        return atob(s).length === 32;
      } catch {
        return false;
      }
    }, "must be 32 bytes, base64 (openssl rand -base64 32)"),
  TIDINGS_PUBLIC_URL: z.url().optional(),
  /** Where short links point from when a workspace names no link domain (else TIDINGS_PUBLIC_URL). */
  TIDINGS_LINK_URL: z.url().optional(),
  /** Enables POST /admin/tenants for this bearer token: how workspaces are made on Workers. */
  TIDINGS_ADMIN_TOKEN: z.string().min(24, "must be at least 24 characters").optional(),
  TIDINGS_WEBHOOKS_ALLOW_PRIVATE: z.enum(["true", "false"]).optional(),
  /** Local development (`npm run dev:worker`): seed Demo Gym into an empty database. */
  TIDINGS_SEED_DEMO: z.enum(["true", "false"]).optional(),
});

export type WorkerEnv = z.infer<typeof WorkerEnvSchema>;

export function parseWorkerEnv(env: unknown): { ok: true; env: WorkerEnv } | { ok: false; problems: string[] } {
  const r = WorkerEnvSchema.safeParse(env);
  if (r.success) return { ok: true, env: r.data };
  return { ok: false, problems: r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
}
