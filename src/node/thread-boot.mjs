// A worker thread's entry: Node 20 gives a worker none of the parent's TypeScript loader, so the
// thread registers tsx itself and then loads its real entry (workerData.entry, a .ts file).
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
