import { ValidationError } from "./errors";

// Cursors are opaque to clients: base64url of the last id seen.
export function encodeCursor(id: string): string {
  return btoa(id).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string): string {
  try {
    const id = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    if (/^[a-z]{3}_[0-9A-Z]{26}$/.test(id)) return id;
  } catch {
    // fall through
  }
  throw ValidationError.field("cursor", "is not a cursor returned by this API");
}
