// `npm start`: the service on embedded SQLite, with a demo workspace on first run.
import "./heap";
import { serve } from "@hono/node-server";
import { createApp } from "../app";
import { tenants } from "../db/schema";
import { seedDemo } from "../demo/seed";
import { connectBackground, startBackground } from "./background";
import { startCheckpointer } from "./checkpointer";
import { ConfigError, loadConfig } from "./config";
import { startImportParser } from "./import-parser";
import { nodeDeps } from "./runtime";

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (e) {
  fail(e instanceof ConfigError ? e.message : String(e));
}

const deps = await nodeDeps(config);
// WAL checkpoints on a thread of their own, so no commit waits for one (checkpointer.ts).
const checkpointer = startCheckpointer(deps.db, deps.clock);
const base =
  config.TIDINGS_PUBLIC_URL ??
  `http://${config.TIDINGS_HOST === "0.0.0.0" ? "localhost" : config.TIDINGS_HOST}:${config.PORT}`;

if (config.TIDINGS_SEED_DEMO && !(await deps.db.orm.select({ id: tenants.id }).from(tenants).limit(1).get())) {
  const demo = await seedDemo(deps);
  console.log(
    [
      "",
      `Created the demo workspace "${demo.tenant.name}" with ${demo.customers} members.`,
      `  API key (shown once, keep it): ${demo.apiKey}`,
      `  Web console: ${base}/console (sign in with that key)`,
      `  Try: curl -H "Authorization: Bearer ${demo.apiKey}" ${base}/v1/customers`,
      "",
    ].join("\n"),
  );
}

// The jobs run on their own thread (background.ts); they pick up at once whatever was due while
// we were down (or left mid-send by a crash).
const background = config.TIDINGS_CRON ? startBackground(config, deps) : null;
// What is due now, a campaign just scheduled and a stored inbound SMS go to it at once, not at
// its next tick; inbound SMS and clicks are journaled beside the database (journal.ts).
if (background) connectBackground(deps, background);
// CSV imports parse on a thread of their own while this one writes (import-parser.ts).
const importParser = startImportParser();
deps.parseImport = importParser.parse;
const app = createApp(deps);
const stopJobs = async () => {
  // Together: with the jobs inline, closing the providers is what ends a send in flight.
  await Promise.all([background?.stop(), deps.providers.close()]);
};
const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.TIDINGS_HOST }, (info) => {
  console.log(
    `Tidings is listening on ${base} (port ${info.port}); console at ${base}/console; API docs at ${base}/docs; database ${config.TIDINGS_DB_PATH}`,
  );
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping jobs, closing the server and the database...`);
  await stopJobs();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Idle keep-alive connections would hold close() open; in-flight requests get 5 s.
  if ("closeIdleConnections" in server) server.closeIdleConnections();
  const force = setTimeout(() => "closeAllConnections" in server && server.closeAllConnections(), 5000);
  await closed;
  clearTimeout(force);
  background?.close();
  await checkpointer?.stop();
  await importParser.stop();
  deps.db.close();
  console.log("Stopped.");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
