// A streamed CSV import writes in batches as it reads, so a file that turns out to be broken or
// too large part way through already has rows stored. Such an import does not answer 4xx (a 4xx
// changes nothing): it answers with what it stored and the line it stopped at, and the rest of
// the file (or the fixed file: rows stored before come back unchanged) can be sent again.
// Refused before any row was stored, it answers the 4xx.

import { z } from "@hono/zod-openapi";
import { CsvSyntaxError } from "./csv";
import { AppError, ValidationError } from "./errors";

export const ImportStopSchema = z
  .object({
    from_line: z.number().openapi({ description: "The first line of the file that was not imported" }),
    code: z.enum(["csv_syntax", "payload_too_large"]),
    reason: z.string(),
  })
  .openapi("ImportStop", {
    description:
      "Why a file was cut short after rows were stored (a file refused before any row is stored is a 4xx instead): send the rest, or the fixed file, again",
  });

export type ImportStop = z.infer<typeof ImportStopSchema>;

/**
 * Where an import cut short by `error` stopped, when rows were already stored; otherwise the
 * refusal to throw (a 422 for a broken file, the 413 itself). Other errors are thrown as they are.
 */
export function importStop(error: unknown, o: { stored: boolean; lastLine: number }): ImportStop {
  if (error instanceof CsvSyntaxError) {
    if (!o.stored) {
      throw new ValidationError(`The CSV could not be read: ${error.message}`, [
        { path: "body", message: error.message, line: error.line },
      ]);
    }
    return {
      from_line: o.lastLine + 1,
      code: "csv_syntax",
      reason: `The CSV could not be read from line ${error.line} (${error.reason}); lines before ${o.lastLine + 1} were imported`,
    };
  }
  if (error instanceof AppError && error.code === "payload_too_large" && o.stored) {
    return {
      from_line: o.lastLine + 1,
      code: "payload_too_large",
      reason: `${error.message}: lines before ${o.lastLine + 1} were imported; send the rest in another file`,
    };
  }
  throw error;
}
