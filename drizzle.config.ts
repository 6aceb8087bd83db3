import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes a new SQL migration to migrations/ from src/db/schema.ts.
// The same files are applied by drizzle's migrator on Node and by wrangler on D1.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
