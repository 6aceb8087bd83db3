// What the inbound bench's server and its load generator must agree on.
export const SECRET = "bench-webhook-secret-0123456789";
/** Customers seeded with phones +86138000xxxxx; the load also texts from some unknown numbers. */
export const CUSTOMERS = 5_000;
export const SERVICE_NUMBER = "+8610690000";
