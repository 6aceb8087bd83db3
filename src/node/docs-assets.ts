import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DocsAssets } from "../deps";

const TYPES: Record<string, string> = {
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".png": "image/png",
};

/** Serves swagger-ui-dist's files from node_modules, read once and kept in memory. */
export function swaggerUiAssets(): DocsAssets {
  const dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  const cache = new Map<string, Uint8Array>();
  return async (name) => {
    let body = cache.get(name);
    if (!body) {
      try {
        body = new Uint8Array(await readFile(join(dir, name)));
      } catch {
        return null;
      }
      cache.set(name, body);
    }
    return { body, type: TYPES[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream" };
  };
}
