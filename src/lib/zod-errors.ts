import type { z } from "zod";
import { type ErrorDetail, ValidationError } from "./errors";

type Issue = z.core.$ZodIssue;

/**
 * The issue as a stable reason with its figures (see ErrorDetail), for the common cases a form
 * meets; others carry only zod's message.
 */
function reasonOf(issue: Issue): Record<string, unknown> {
  switch (issue.code) {
    case "invalid_type":
      // zod says "received undefined" for a field that is missing: the person left it out.
      return issue.message.endsWith("received undefined")
        ? { reason: "required" }
        : { reason: "wrong_type", expected: issue.expected };
    case "too_small": {
      const min = Number(issue.minimum);
      if (issue.origin === "string") return min <= 1 ? { reason: "required" } : { reason: "too_short", min };
      if (issue.origin === "array" || issue.origin === "set")
        return min <= 1 ? { reason: "required" } : { reason: "too_few", min };
      return { reason: "too_small", min };
    }
    case "too_big": {
      const max = Number(issue.maximum);
      if (issue.origin === "string") return { reason: "too_long", max };
      if (issue.origin === "array" || issue.origin === "set") return { reason: "too_many", max };
      return { reason: "too_big", max };
    }
    case "invalid_format":
      return { reason: "format", format: issue.format };
    case "invalid_value":
      return { reason: "one_of", values: issue.values.map(String) };
    case "custom":
      // A refinement names its reason in its params (lib/validators.ts).
      return typeof issue.params?.reason === "string" ? { reason: issue.params.reason } : {};
    default:
      return {};
  }
}

/** Turns zod issues into details that name each field and the reason. */
export function zodDetails(error: z.ZodError, prefix = ""): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        details.push({ path: base ? `${base}.${key}` : key, message: "is not a known field", reason: "unknown_field" });
      }
    } else {
      details.push({ path: base || prefix || "(root)", message: issue.message, ...reasonOf(issue) });
    }
  }
  return details;
}

export function validationErrorFrom(error: z.ZodError, prefix = ""): ValidationError {
  const details = zodDetails(error, prefix);
  const summary = details.map((d) => `${d.path}: ${d.message}`).join("; ");
  return new ValidationError(`Invalid request: ${summary}`, details);
}
