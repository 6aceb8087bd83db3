// `npm run build [-- <dir>]`: bundles the Node entries into dist/node/ (or <dir>, two levels
// below the root like it; the tests build their own), one plain-JavaScript file each, for
// `npm start` and the bench. Run from source under tsx, each process and each of its threads
// carries the TypeScript loader and the source maps of every module it loaded: about 60 MB
// for the service, 30 to 50 MB more for each thread. Bundled, they load what they use.
//
// dist/node/ is as deep as src/node/, so the paths the code finds relative to its own file
// (templates/, migrations/) are the same from either; the threads sit next to the entries
// that start them (threads.ts).

import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { asciiOnly } from "./ascii.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = resolve(root, process.argv[2] ?? "dist/node");

const entryPoints = {
  main: "src/node/main.ts",
  cli: "src/node/cli.ts",
  "checkpoint-thread": "src/node/checkpoint-thread.ts",
  "import-parse-thread": "src/node/import-parse-thread.ts",
  "jobs-thread": "src/node/jobs-thread.ts",
  bench: "bench/run.ts",
  "bench-inbound-app": "bench/servers/inbound-app.ts",
  "bench-bare-hono": "bench/servers/bare-hono.ts",
  "bench-links-app": "bench/servers/links-app.ts",
  "bench-smsc": "bench/servers/smsc.ts",
  "bench-api-app": "bench/servers/api-app.ts",
};

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Packages are bundled too (a thread that loads its packages one module at a time costs about
  // 10 MB more); better-sqlite3 is native and stays in node_modules. Some packages are CommonJS
  // that require() Node's modules, which an ES module bundle gets from createRequire.
  external: ["better-sqlite3"],
  banner: {
    js: 'import { createRequire as __tidingsRequire } from "node:module"; const require = __tidingsRequire(import.meta.url);',
  },
  // Only read with `node --enable-source-maps`; stack traces name the bundle's lines otherwise.
  sourcemap: "linked",
  // Each thread keeps its bundle's text for as long as it runs; without the indentation and
  // comments it is 40 % smaller. Names stay, so stack traces still read.
  minifyWhitespace: true,
  logLevel: "warning",
});

// esbuild writes strings ASCII-only but leaves regular expressions (and legal comments) as they
// were. One character beyond Latin-1 (a "€" in the smpp package's GSM-7 tables) makes V8 hold
// the whole text as two bytes a character: 8 MB for the service's 4 MB, in every thread that
// loads it. Escaped, it is one byte a character. (On the few lines that change, positions after
// an escape shift, so the maps point a little early there.)
for (const file of readdirSync(outdir).filter((f) => f.endsWith(".js"))) {
  const path = resolve(outdir, file);
  const text = readFileSync(path, "utf8");
  const ascii = asciiOnly(text);
  if (ascii !== text) writeFileSync(path, ascii);
}
