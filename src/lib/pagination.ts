import { ValidationError } from "./errors";

// Cursors are opaque to clients: base64url of the last id seen.
export function encodeCursor(id: string): string {
  return btoa(id).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** An id as the app makes them: a three-letter kind and a ULID. */
const ID = /^[a-z]{3}_[0-9A-Z]{26}$/;

/** The id a cursor carries, when it has the shape of this list's ids (`shape`: ids that are not plain). */
export function decodeCursor(cursor: string, shape: RegExp = ID): string {
  try {
    const id = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    if (shape.test(id)) return id;
  } catch {
    // fall through
  }
  throw ValidationError.field("cursor", "is not a cursor returned by this API", "bad_cursor");
}

/**
 * One page from rows fetched with `limit + 1`: the extra row only says there is a next page,
 * whose cursor is the last id shown.
 */
export function pageOf<R extends { id: string }, V>(rows: R[], limit: number, view: (r: R) => V) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: page.map(view), next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

/** A cursor over a sort key and the id that breaks its ties (a name may be null or any text). */
export function encodeKeyCursor(key: string | null, id: string): string {
  const bytes = new TextEncoder().encode(JSON.stringify([key, id]));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeKeyCursor(cursor: string): { key: string | null; id: string } {
  try {
    const bin = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const [key, id] = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
    if ((key === null || typeof key === "string") && typeof id === "string" && ID.test(id)) {
      return { key, id };
    }
  } catch {
    // fall through
  }
  throw ValidationError.field("cursor", "is not a cursor returned by this API", "bad_cursor");
}
