import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "../lib/errors";

const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  not_found: 404,
  validation_failed: 422,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  invalid_json: 400,
  bad_request: 400,
  malformed_webhook: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  template_invalid: 422,
  template_render_failed: 422,
};

const CODE_BY_HTTP_STATUS: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

export function errorBody(c: Context, code: string, message: string, details?: unknown) {
  return {
    error: {
      code,
      message,
      ...(details === undefined ? {} : { details }),
      requestId: (c.get("requestId") as string | undefined) ?? "",
    },
  };
}

/** The one place that turns errors into `{ error: { code, message, details?, requestId } }`. */
export function onError(err: Error, c: Context) {
  if (err instanceof AppError) {
    const status = STATUS_BY_CODE[err.code] ?? 400;
    return c.json(errorBody(c, err.code, err.message, err.details), status);
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    let code = CODE_BY_HTTP_STATUS[status] ?? "http_error";
    if (status === 400 && /JSON/i.test(err.message)) code = "invalid_json";
    return c.json(errorBody(c, code, err.message || code), status as ContentfulStatusCode);
  }
  console.error(`[${c.get("requestId") ?? "-"}]`, err);
  return c.json(errorBody(c, "internal_error", "Something went wrong on our side"), 500);
}

export function onNotFound(c: Context) {
  return c.json(errorBody(c, "not_found", `No route for ${c.req.method} ${c.req.path}`), 404);
}
