// Node setup for the test files shared with the Workers project (alias "test-runtime"): a new
// in-memory database per call. Async, as the Workers setup is.
import { setup as nodeSetup, type TestEnv } from "./helpers";

export async function setup(...args: Parameters<typeof nodeSetup>): Promise<TestEnv> {
  return nodeSetup(...args);
}
