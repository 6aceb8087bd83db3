import type { Deps } from "../deps";
import { defaultAppConfig } from "../deps";
import { systemClock } from "../lib/clock";
import { IdGenerator } from "../lib/ids";
import type { NodeConfig } from "./config";
import { migrateDatabase, type NodeDatabase, openDatabase } from "./db";
import { swaggerUiAssets } from "./docs-assets";
import { loadDefaultTemplates } from "./templates";

/** Opens and migrates the database and assembles the app's dependencies for Node. */
export function nodeDeps(config: NodeConfig): Deps & { db: NodeDatabase } {
  const db = openDatabase(config.TIDINGS_DB_PATH);
  migrateDatabase(db);
  const clock = systemClock;
  return {
    db,
    clock,
    ids: new IdGenerator(clock),
    config: {
      ...defaultAppConfig,
      maxJsonBytes: config.TIDINGS_MAX_JSON_BYTES,
      maxImportBytes: config.TIDINGS_MAX_IMPORT_BYTES,
    },
    docsAssets: swaggerUiAssets(),
    defaultTemplates: loadDefaultTemplates(),
  };
}
