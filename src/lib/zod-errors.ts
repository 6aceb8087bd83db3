import type { z } from "zod";
import { type ErrorDetail, ValidationError } from "./errors";

/** Turns zod issues into details that name each field and the reason. */
export function zodDetails(error: z.ZodError, prefix = ""): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        details.push({ path: base ? `${base}.${key}` : key, message: "is not a known field" });
      }
    } else {
      details.push({ path: base || prefix || "(root)", message: issue.message });
    }
  }
  return details;
}

export function validationErrorFrom(error: z.ZodError, prefix = ""): ValidationError {
  const details = zodDetails(error, prefix);
  const summary = details.map((d) => `${d.path}: ${d.message}`).join("; ");
  return new ValidationError(`Invalid request: ${summary}`, details);
}
