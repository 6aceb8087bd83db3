// The console's way to the data: the app's own /v1 routes, called in-process with the
// session's token as the bearer credential.
export type ApiFetch = (path: string, init: RequestInit) => Response | Promise<Response>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`API answered ${status}`);
  }
}

/** The API's own words for a refusal the user can act on (a 4xx). */
export type Refusal = {
  status: number;
  message: string /** The first detail (e.g. a template's line and column). */;
  detail?: string;
  /** The error as the API sent it: its code and details, for wording it in the page's language. */
  error?: { code?: string; message?: string; details?: unknown };
};

/**
 * A 4xx from the API as a refusal to show on the page; anything else (a 5xx, a bug) is not the
 * user's to fix and is thrown on to the app's error handler.
 */
export function refusal(e: unknown): Refusal {
  if (!(e instanceof ApiError) || e.status >= 500) throw e;
  const err = (e.body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  const first = Array.isArray(err?.details) ? (err.details[0] as { message?: unknown } | undefined) : undefined;
  const detail = typeof first?.message === "string" ? first.message : undefined;
  return {
    status: e.status,
    message: err?.message ?? `HTTP ${e.status}`,
    ...(detail && { detail }),
    ...(err && { error: err }),
  };
}

export function consoleApi(fetch: ApiFetch, token: string) {
  const call = async <T>(method: string, path: string, body?: unknown, type = "application/json"): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers["content-type"] = type;
    const payload =
      body === undefined ? undefined : type === "application/json" ? JSON.stringify(body) : (body as BodyInit);
    const res = await fetch(path, { method, headers, ...(payload !== undefined && { body: payload }) });
    const json = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
    if (!res.ok) throw new ApiError(res.status, json);
    return json as T;
  };
  return {
    get: <T>(path: string) => call<T>("GET", path),
    /** A read that may legitimately find nothing: null for a 404. */
    find: async <T>(path: string): Promise<T | null> => {
      try {
        return await call<T>("GET", path);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    post: <T>(path: string, body: unknown) => call<T>("POST", path, body),
    patch: <T>(path: string, body: unknown) => call<T>("PATCH", path, body),
    put: <T>(path: string, body: unknown) => call<T>("PUT", path, body),
    delete: (path: string) => call<unknown>("DELETE", path),
    /** A file the API streams (an export), answered as it is; a refusal is thrown as from `get`. */
    download: async (path: string): Promise<Response> => {
      const res = await fetch(path, { method: "GET", headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) {
        const text = await res.text();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {}
        throw new ApiError(res.status, body);
      }
      return res;
    },
    /** A body that is not JSON (a CSV file), sent as it is with its content type. */
    upload: <T>(path: string, type: string, body: ArrayBuffer) => call<T>("POST", path, body, type),
  };
}

export type ConsoleApi = ReturnType<typeof consoleApi>;
