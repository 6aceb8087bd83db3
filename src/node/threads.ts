// Starts one of the service's worker threads, from source or from the build.
//
// From source (tsx: tests, `npm run cli`), Node 20 gives a worker none of the parent's
// TypeScript loader, so thread-boot.mjs registers tsx in the thread and loads the .ts entry.
// From the build (`npm start`, the bench), each thread is a bundle of its own next to the
// one that starts it (build.mjs puts them all in dist/node/), loaded by plain Node: no
// compiler or source maps in any thread, tens of megabytes less for each.

import { Worker, type WorkerOptions } from "node:worker_threads";

export type ThreadName = "checkpoint-thread" | "import-parse-thread" | "jobs-thread";

/** True when this module runs from the build (its bundle ends in .js; from source it is .ts). */
export const fromBuild = import.meta.url.endsWith(".js");

export function startThread(name: ThreadName, options: WorkerOptions = {}): Worker {
  if (fromBuild) return new Worker(new URL(`./${name}.js`, import.meta.url), options);
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  const workerData = { ...(options.workerData as object | undefined), entry };
  return new Worker(new URL("./thread-boot.mjs", import.meta.url), { ...options, workerData });
}
