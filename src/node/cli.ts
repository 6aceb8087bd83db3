// `npm run cli -- <command>`: operator tasks against the configured database.
import "./heap";
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { eq } from "drizzle-orm";
import { createKey, listKeys, revokeKey } from "../api-keys/service";
import type { Scope } from "../auth/scope";
import { createStarterChannel } from "../channels/service";
import type { Ctx } from "../context";
import { importCustomers } from "../customers/import";
import { tenants } from "../db/schema";
import { seedDemo } from "../demo/seed";
import { AppError } from "../lib/errors";
import { createTenant } from "../tenants/service";
import { ConfigError, loadConfig } from "./config";
import { startImportParser } from "./import-parser";
import { nodeDeps } from "./runtime";

const HELP = `Tidings operator CLI

  npm run cli -- <command> [options]

Commands
  migrate                                   apply migrations/ to the database
  tenant:create --name <n> --slug <s> [--country CN] [--time-zone Asia/Shanghai]
                [--locale zh-CN] [--signature 【Brand】]
                                            create a workspace; prints its first admin key
  tenant:list                               list workspaces
  key:create --tenant <slug> [--name <n>] [--scope admin|write|read]
                                            create an API key; prints it once
  key:list --tenant <slug>                  list a workspace's keys
  key:revoke --tenant <slug> <key-id>       revoke a key
  import --tenant <slug> <file.csv>         import customers from a CSV file (streamed)
  seed-demo                                 create the "Demo Gym" workspace

The database is TIDINGS_DB_PATH (default ./data/tidings.db).`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: "string" },
    slug: { type: "string" },
    country: { type: "string", default: "CN" },
    "time-zone": { type: "string", default: "Asia/Shanghai" },
    locale: { type: "string", default: "zh-CN" },
    signature: { type: "string", default: "" },
    tenant: { type: "string" },
    scope: { type: "string", default: "admin" },
    help: { type: "boolean", short: "h" },
  },
});

function need(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`missing --${flag}`);
  return value;
}

class UsageError extends Error {}

async function main() {
  const [command, ...args] = positionals;
  if (!command || values.help) {
    console.log(HELP);
    return;
  }
  const deps = await nodeDeps(loadConfig());
  const tenantCtx = async (): Promise<Ctx> => {
    const slug = need(values.tenant, "tenant");
    const t = await deps.db.orm.select().from(tenants).where(eq(tenants.slug, slug)).get();
    if (!t) throw new UsageError(`no workspace with slug '${slug}' (see tenant:list)`);
    return { ...deps, tenantId: t.id };
  };
  try {
    switch (command) {
      case "migrate":
        console.log("Migrations applied.");
        break;
      case "tenant:create": {
        const { tenant, apiKey } = await createTenant(deps, {
          name: need(values.name, "name"),
          slug: need(values.slug, "slug"),
          default_country: values.country as string,
          time_zone: values["time-zone"] as string,
          locale: values.locale as string,
          brand_signature: values.signature as string,
        });
        await createStarterChannel(deps, tenant.id);
        console.log(
          `Created workspace ${tenant.name} (${tenant.slug}, ${tenant.id}), with the simulator as its channel.`,
        );
        console.log(`Admin API key (shown once): ${apiKey}`);
        break;
      }
      case "tenant:list":
        for (const t of await deps.db.orm.select().from(tenants).all()) {
          console.log(`${t.slug}\t${t.id}\t${t.name}\t${t.defaultCountry}\t${t.timeZone}`);
        }
        break;
      case "key:create": {
        const scope = values.scope as Scope;
        if (!["admin", "write", "read"].includes(scope)) throw new UsageError("--scope must be admin, write or read");
        const key = await createKey(await tenantCtx(), { name: values.name ?? `cli ${scope} key`, scope });
        console.log(`Created ${scope} key ${key.id} (${key.prefix}). Key (shown once): ${key.key}`);
        break;
      }
      case "key:list":
        for (const k of await listKeys(await tenantCtx())) {
          console.log(
            `${k.id}\t${k.prefix}\t${k.scope}\t${k.name}\t${k.revoked_at ? `revoked ${k.revoked_at}` : "active"}`,
          );
        }
        break;
      case "key:revoke": {
        const k = await revokeKey(await tenantCtx(), need(args[0], "key id (positional)"));
        console.log(`Revoked ${k.id} (${k.prefix}).`);
        break;
      }
      case "import": {
        const file = need(args[0], "file (positional)");
        const stream = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
        const parser = startImportParser();
        const report = await importCustomers(await tenantCtx(), stream, parser.parse).finally(() => parser.stop());
        console.log(
          `rows ${report.rows}: created ${report.created}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.rejected}`,
        );
        for (const e of report.errors) console.log(`  line ${e.line}, ${e.column}: ${e.reason}`);
        if (report.errors_truncated) console.log("  (more errors not shown)");
        break;
      }
      case "seed-demo": {
        const demo = await seedDemo(deps);
        console.log(
          `Created ${demo.tenant.name} with ${demo.customers} members. Admin API key (shown once): ${demo.apiKey}`,
        );
        break;
      }
      default:
        throw new UsageError(`unknown command '${command}'\n\n${HELP}`);
    }
  } finally {
    deps.db.close();
  }
}

main().catch((e) => {
  if (e instanceof UsageError || e instanceof ConfigError) console.error(e.message);
  else if (e instanceof AppError) console.error(`${e.code}: ${e.message}`);
  else console.error(e);
  process.exit(1);
});
