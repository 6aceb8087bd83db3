// Cells as a spreadsheet should read them: RFC 4180 quoting, and a text that a spreadsheet would
// take for a formula (= + - @, or a tab or return first) made plain with a leading apostrophe.

// Spaces first, or the full-width forms, are read as a formula by some spreadsheets too.
const FORMULA = /^[\s\u3000]*[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;

/** One value as a CSV cell: null and undefined empty, objects as JSON. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  // A number is a number; text that looks like the start of a formula is shown as written.
  if (typeof value !== "number" && FORMULA.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
