// Domain errors: each has a stable code and knows nothing of HTTP. The app's onError maps
// codes to statuses (src/http/errors.ts).

/**
 * One field's problem: `message` is the API's English sentence; `reason` (when set) is a stable
 * word for it (`required`, `too_long`, `phone_too_short`…) with its figures beside it, so a page
 * can say the same in its own language.
 */
export type ErrorDetail = { path: string; message: string; reason?: string; [key: string]: unknown };

export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[] | Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends AppError {
  constructor(resource: string, id: string) {
    super("not_found", `${resource} ${id} was not found`, { reason: "not_found", resource, value: id });
  }
}

/** Input that is well-formed but not acceptable; details name each field and why. */
export class ValidationError extends AppError {
  constructor(message: string, details: ErrorDetail[]) {
    super("validation_failed", message, details);
  }
  static field(path: string, message: string, reason?: string): ValidationError {
    return new ValidationError(`${path}: ${message}`, [{ path, message, ...(reason && { reason }) }]);
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: ErrorDetail[] | Record<string, unknown>) {
    super("conflict", message, details);
  }
  /** A unique index caught what a check before the write missed (two requests at once). */
  static alreadyExists(dbMessage: string): ConflictError {
    return new ConflictError(`That already exists (${dbMessage}); nothing was written`);
  }
}

export class BadRequestError extends AppError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = "A valid API key is required: Authorization: Bearer <key>") {
    super("unauthorized", message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super("forbidden", message, details);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super("payload_too_large", `The request body is larger than the limit of ${limitBytes} bytes`);
  }
}

/** A provider's webhook, correctly signed, whose body cannot be read (400: a 5xx is retried forever). */
export class MalformedWebhookError extends AppError {
  constructor(reason: string) {
    super("malformed_webhook", `The webhook's body cannot be read: ${reason}`);
  }
}
