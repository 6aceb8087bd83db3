import { describe, expect, it } from "vitest";
import { type CsvRow, CsvSyntaxError, csvRows } from "../src/lib/csv";

function streamOf(text: string, chunkBytes: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  return new ReadableStream({
    start(c) {
      for (let o = 0; o < bytes.length; o += chunkBytes) c.enqueue(bytes.slice(o, o + chunkBytes));
      c.close();
    },
  });
}

async function all(text: string, chunkBytes = 1 << 16): Promise<CsvRow[]> {
  const out: CsvRow[] = [];
  for await (const rows of csvRows(streamOf(text, chunkBytes))) out.push(...rows);
  return out;
}

describe("csvRows", () => {
  const text = '\ufeffname,note\r\n"Wang, Fang","line one\r\nline two"\r\n\r\n张三,"say ""hi"""\r\n';
  const expected = [
    { line: 1, cells: ["name", "note"] },
    { line: 2, cells: ["Wang, Fang", "line one\r\nline two"] },
    { line: 5, cells: ["张三", 'say "hi"'] },
  ];

  it("parses quotes, embedded newlines and Chinese text, numbering rows by their first line", async () => {
    expect(await all(text)).toEqual(expected);
  });

  it("gives the same rows whatever the chunk boundaries (inside quotes, BOM and UTF-8 sequences)", async () => {
    for (const size of [1, 2, 3, 5, 7, 13, 31]) expect(await all(text, size), `chunk ${size}`).toEqual(expected);
  });

  it("accepts LF and CR line endings and a last line without one", async () => {
    expect(await all("a,b\n1,2\n3,4")).toEqual([
      { line: 1, cells: ["a", "b"] },
      { line: 2, cells: ["1", "2"] },
      { line: 3, cells: ["3", "4"] },
    ]);
    expect((await all("a,b\r1,2\r")).map((r) => r.cells)).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("reports an unclosed quote with its line", async () => {
    const err = await all('a,b\n1,2\n3,"open\n4,5\n').catch((e) => e);
    expect(err).toBeInstanceOf(CsvSyntaxError);
    expect(err.line).toBe(3);
  });

  it("refuses a row longer than 1 MB instead of buffering without end", async () => {
    const err = await all(`a\n"${"x".repeat(1_100_000)}`, 65_536).catch((e) => e);
    expect(err).toBeInstanceOf(CsvSyntaxError);
    expect(err.message).toContain("longer than 1 MB");
  });
});
