// What a credential grants, shared by the API keys, the console sessions and the HTTP layer.
// A leaf: it imports nothing, so any of them can use it without importing one another.

export type Scope = "admin" | "write" | "read";

/** The tenant and scope a credential (an API key or a console session) grants. */
export type AuthInfo = { tenantId: string; keyId: string; scope: Scope };
