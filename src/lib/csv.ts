// Streaming CSV rows from a byte stream, with the line each row starts on. Papa Parse does the
// parsing (several times faster than csv-parse here); we feed it decoded text chunk by chunk
// the way its own ChunkStreamer does: parse all complete rows, carry the last partial row over.
import Papa from "papaparse";
import { sniffDelimiter, sniffEncoding } from "./sniff";

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

// Bytes read before the encoding is decided: a header and a few hundred rows (a network read or
// a file chunk is usually this much already, so reading does not run further ahead for it).
const SNIFF_BYTES = 16 * 1024;

/** The byte stream's chunks, the first of them at least SNIFF_BYTES long (or the whole file). */
async function* sniffed(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const head: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (value) {
      head.push(value);
      size += value.length;
    }
    if (done || size >= SNIFF_BYTES) {
      const first = new Uint8Array(size);
      let at = 0;
      for (const part of head) {
        first.set(part, at);
        at += part.length;
      }
      const { encoding, bom } = sniffEncoding(first, done);
      yield { encoding, bytes: first.subarray(bom), done };
      if (done) return;
      break;
    }
  }
  for (;;) {
    const { done, value } = await reader.read();
    yield { encoding: null, bytes: value ?? new Uint8Array(0), done };
    if (done) return;
  }
}

/**
 * Yields rows in batches as the bytes arrive. The encoding (UTF-8 with or without a BOM,
 * UTF-16, GB18030/GBK) and the separator (comma, semicolon or tab, read from the header line)
 * are what the file was saved with. Empty lines are skipped but counted, so `line` is the line
 * number a person sees in a text editor.
 */
export async function* csvRows(body: ReadableStream<Uint8Array>): AsyncGenerator<CsvRow[]> {
  let decoder: TextDecoder | null = null;
  let carry = "";
  let line = 1;
  let newline: Newline | null = null;
  let delimiter = ",";
  for await (const chunk of sniffed(body)) {
    // UTF-8 is read strictly: bytes that are not UTF-8 later on (a file whose first 16 KB were
    // plain ASCII, then GBK) stop the import there, with the rows before it kept, not as U+FFFD.
    decoder ??= new TextDecoder(chunk.encoding ?? "utf-8", {
      fatal: (chunk.encoding ?? "utf-8") === "utf-8",
      ignoreBOM: false,
    });
    const done = chunk.done;
    let decoded: string;
    try {
      decoded = decoder.decode(chunk.bytes, { stream: !done });
    } catch {
      throw new CsvSyntaxError(
        line,
        "the text is not UTF-8 from here on: save the file as CSV UTF-8 and import it again",
      );
    }
    const text = carry + decoded;
    if (!newline) {
      // A "\r" at the very end may be the first half of "\r\n": wait for the next character.
      const cr = text.indexOf("\r");
      if (text.includes("\n") || (cr !== -1 && cr < text.length - 1) || done) {
        newline = detectNewline(text);
        const end = text.indexOf(newline);
        delimiter = sniffDelimiter(end === -1 ? text : text.slice(0, end));
      } else {
        carry = text;
        continue;
      }
    }
    const parser = new Papa.Parser({ newline, delimiter });
    const result = parser.parse(text, 0, !done) as Papa.ParseResult<string[]>;
    const rows: CsvRow[] = [];
    const nl = newline === "\r" ? "\r" : "\n";
    for (let i = 0; i < result.data.length; i++) {
      const cells = result.data[i] as string[];
      const error = result.errors.find((e) => e.row === i);
      if (error) {
        // The rows before the broken one are whole: they go first.
        if (rows.length > 0) yield rows;
        throw new CsvSyntaxError(line, error.message);
      }
      if (!(cells.length === 1 && cells[0] === "")) rows.push({ line, cells });
      line += 1;
      for (const c of cells) if (c.includes(nl)) line += countOf(c, nl);
    }
    // Errors on the partial last row are Papa's view of an unfinished row; it is parsed again
    // with the next chunk. At the end of input they are real (an unclosed quote).
    if (done && result.errors.length > 0) {
      const e = result.errors[0] as Papa.ParseError;
      if (rows.length > 0) yield rows;
      throw new CsvSyntaxError(line, e.message);
    }
    if (rows.length > 0) yield rows;
    if (done) return;
    carry = text.slice(result.meta.cursor);
    if (carry.length > MAX_ROW_CHARS) throw new CsvSyntaxError(line, "a row is longer than 1 MB (an unclosed quote?)");
  }
}
