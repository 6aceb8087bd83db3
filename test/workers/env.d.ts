declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    DISPATCH_QUEUE: Queue;
    TIDINGS_SECRET_KEY: string;
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
  }
}
