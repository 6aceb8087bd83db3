// What a spreadsheet program saved: the text encoding of a CSV's first bytes, and the character
// between its columns. Excel writes UTF-8 with a BOM ("CSV UTF-8"), GB18030 on a Chinese system
// ("CSV"), UTF-16 with a BOM ("Unicode text", tab-separated); others write UTF-8 without a BOM.
// A European Excel separates with semicolons. Decoding is the platform's TextDecoder (the
// WHATWG encodings, in Node and in Workers).

export type Encoding = "utf-8" | "utf-16le" | "utf-16be" | "gb18030";

/**
 * The encoding of a file from its first bytes (up to 64 KB is plenty): a BOM if there is one;
 * UTF-16 without one by its zero bytes; UTF-8 if the bytes are valid UTF-8; else GB18030, the
 * superset of GBK and GB2312 that Chinese Windows saves.
 */
export function sniffEncoding(head: Uint8Array, complete: boolean): { encoding: Encoding; bom: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: "utf-8", bom: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: "utf-16le", bom: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: "utf-16be", bom: 2 };
  const n = Math.min(head.length, 4096) & ~1;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenZeros++;
    if (head[i + 1] === 0) oddZeros++;
  }
  // A text file in UTF-8 or GBK has no zero bytes; UTF-16 has one in the high byte of every
  // ASCII character (and in the low byte of a few Chinese ones: 一 is 4E 00). The side with more
  // zeros is the high byte.
  if (n >= 4 && oddZeros + evenZeros > n / 16) {
    return { encoding: oddZeros >= evenZeros ? "utf-16le" : "utf-16be", bom: 0 };
  }
  return { encoding: validUtf8(head, complete) ? "utf-8" : "gb18030", bom: 0 };
}

/** Whether the bytes are UTF-8; a sequence cut off at the end of an incomplete head is allowed. */
function validUtf8(bytes: Uint8Array, complete: boolean): boolean {
  let end = bytes.length;
  if (!complete) {
    // Drop a trailing partial sequence: back to the last lead byte, if its sequence is cut.
    let i = end - 1;
    while (i > end - 4 && i >= 0 && ((bytes[i] as number) & 0xc0) === 0x80) i--;
    const lead = bytes[i] ?? 0;
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (i >= 0 && end - i < need) end = i;
  }
  try {
    new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

/** The column separator of a header line: the most frequent of comma, semicolon and tab outside quotes. */
export function sniffDelimiter(header: string): "," | ";" | "\t" {
  const counts = { ",": 0, ";": 0, "\t": 0 };
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "," || ch === ";" || ch === "\t")) counts[ch]++;
  }
  if (counts[";"] > counts[","] && counts[";"] >= counts["\t"]) return ";";
  if (counts["\t"] > counts[","] && counts["\t"] > counts[";"]) return "\t";
  return ",";
}
