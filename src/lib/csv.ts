// Streaming CSV rows from a byte stream, with the line each row starts on. Papa Parse does the
// parsing (several times faster than csv-parse here); we feed it decoded text chunk by chunk
// the way its own ChunkStreamer does: parse all complete rows, carry the last partial row over.
import Papa from "papaparse";

export type CsvRow = { line: number; cells: string[] };

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    /** What is wrong, without the line. */
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/** Longest text a single row may span before we call the file broken (e.g. an unclosed quote). */
const MAX_ROW_CHARS = 1024 * 1024;

type Newline = "\n" | "\r" | "\r\n";

function detectNewline(text: string): Newline {
  const n = text.indexOf("\n");
  if (n === -1) return text.includes("\r") ? "\r" : "\n";
  return n > 0 && text[n - 1] === "\r" ? "\r\n" : "\n";
}

function countOf(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

/**
 * The line a row that starts on `line` ends on: a quoted cell may hold line breaks (a "\n" in a
 * file of \n or \r\n lines, a "\r" in one of \r lines), counted as csvRows counts them.
 */
export function lastLineOf(line: number, cells: readonly string[]): number {
  let end = line;
  for (const c of cells) end += c.includes("\n") ? countOf(c, "\n") : countOf(c, "\r");
  return end;
}

/**
 * Yields rows in batches as the bytes arrive (UTF-8, BOM skipped). Empty lines are skipped but
 * counted, so `line` is the line number a person sees in a text editor.
 */
export async function* csvRows(body: ReadableStream<Uint8Array>): AsyncGenerator<CsvRow[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder("utf-8");
  let carry = "";
  let line = 1;
  let newline: Newline | null = null;
  let first = true;
  for (;;) {
    const { done, value } = await reader.read();
    let text = carry + (done ? decoder.decode() : decoder.decode(value, { stream: true }));
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (!newline) {
      // A "\r" at the very end may be the first half of "\r\n": wait for the next character.
      const cr = text.indexOf("\r");
      if (text.includes("\n") || (cr !== -1 && cr < text.length - 1) || done) newline = detectNewline(text);
      else {
        carry = text;
        continue;
      }
    }
    const parser = new Papa.Parser({ newline, delimiter: "," });
    const result = parser.parse(text, 0, !done) as Papa.ParseResult<string[]>;
    const rows: CsvRow[] = [];
    const nl = newline === "\r" ? "\r" : "\n";
    for (let i = 0; i < result.data.length; i++) {
      const cells = result.data[i] as string[];
      const error = result.errors.find((e) => e.row === i);
      if (error) throw new CsvSyntaxError(line, error.message);
      if (!(cells.length === 1 && cells[0] === "")) rows.push({ line, cells });
      line += 1;
      for (const c of cells) if (c.includes(nl)) line += countOf(c, nl);
    }
    // Errors on the partial last row are Papa's view of an unfinished row; it is parsed again
    // with the next chunk. At the end of input they are real (an unclosed quote).
    if (done && result.errors.length > 0) {
      const e = result.errors[0] as Papa.ParseError;
      throw new CsvSyntaxError(line, e.message);
    }
    if (rows.length > 0) yield rows;
    if (done) return;
    carry = text.slice(result.meta.cursor);
    if (carry.length > MAX_ROW_CHARS) throw new CsvSyntaxError(line, "a row is longer than 1 MB (an unclosed quote?)");
  }
}
