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

describe("what a spreadsheet program saved", () => {
  const bytesStream = (bytes: Uint8Array, chunk: number) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (let o = 0; o < bytes.length; o += chunk) c.enqueue(bytes.slice(o, o + chunk));
        c.close();
      },
    });
  const read = async (bytes: Uint8Array, chunk: number) => {
    const out: string[][] = [];
    for await (const rows of csvRows(bytesStream(bytes, chunk))) out.push(...rows.map((r) => r.cells));
    return out;
  };
  // "姓名,手机号\r\n赵敏,139\r\n" in GB18030, then 20 000 rows of it, a byte at a time or in 7s.
  const gbRow = [0xd5, 0xd4, 0xc3, 0xf4, 0x2c, 0x31, 0x33, 0x39, 0x0d, 0x0a];
  const gb = new Uint8Array([0xd0, 0xd5, 0xc3, 0xfb, 0x2c, 0xca, 0xd6, 0xbb, 0xfa, 0x0d, 0x0a, ...gbRow]);

  it("decodes GB18030 however the bytes arrive, cut through a character or not", async () => {
    for (const chunk of [1, 3, 7, 1 << 16]) {
      expect(await read(gb, chunk), String(chunk)).toEqual([
        ["姓名", "手机"],
        ["赵敏", "139"],
      ]);
    }
    const many = new Uint8Array(gb.length + gbRow.length * 20_000);
    many.set(gb);
    for (let i = 0; i < 20_000; i++) many.set(gbRow, gb.length + i * gbRow.length);
    const rows = await read(many, 4096);
    expect(rows).toHaveLength(20_002);
    expect(rows.at(-1)).toEqual(["赵敏", "139"]);
  });

  it("keeps UTF-8 as UTF-8 when its first 16 KB end inside a character", async () => {
    // 17 bytes a row: 16 KB falls inside a 3-byte character of some row.
    const text = `姓名,手机号\n${"王小芳,13900139000\n".repeat(2000)}`;
    for (const chunk of [1000, 4096, 1 << 16]) {
      const rows = await read(new TextEncoder().encode(text), chunk);
      expect(rows).toHaveLength(2001);
      expect(
        rows.every((r, i) => i === 0 || r[0] === "王小芳"),
        String(chunk),
      ).toBe(true);
    }
  });

  it("reads UTF-16LE Chinese text without a BOM, though some of its characters have a zero byte", async () => {
    const text = "姓名\t手机号\n一一\t139\n最退\t138\n";
    const le = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) le.set([text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8], i * 2);
    expect(await read(le, 1 << 16)).toEqual([
      ["姓名", "手机号"],
      ["一一", "139"],
      ["最退", "138"],
    ]);
  });

  it("stops where a file read as UTF-8 turns into GBK, keeping the rows before, never storing U+FFFD", async () => {
    const ascii = `name,phone\n${"Ann,139\n".repeat(3000)}`; // 24 KB of ASCII: read as UTF-8
    const bytes = new Uint8Array([...new TextEncoder().encode(ascii), 0xd5, 0xd4, 0xc3, 0xf4, 0x2c, 0x31, 0x0a]);
    const rows: string[][] = [];
    let error: unknown;
    try {
      for await (const batch of csvRows(bytesStream(bytes, 4096))) rows.push(...batch.map((r) => r.cells));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect((error as Error).message).toContain("not UTF-8");
    expect(rows.length).toBeGreaterThan(2000);
    expect(rows.flat().some((c) => c.includes("\ufffd"))).toBe(false);
  });

  it("reads UTF-16 without a BOM by its zero bytes, and tabs as the separator", async () => {
    const text = "name\tphone\nAnn\t139\n";
    const be = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) be.set([0, text.charCodeAt(i)], i * 2);
    expect(await read(be, 5)).toEqual([
      ["name", "phone"],
      ["Ann", "139"],
    ]);
  });
});
