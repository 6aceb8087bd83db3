// The build's escaping of characters beyond ASCII (scripts/ascii.mjs) keeps what the code means:
// regular expressions (the smpp package's GSM-7 tables are written with "€", "Δ", "ß"), strings
// and templates, identity escapes and characters beyond the Basic Multilingual Plane.
import { describe, expect, it } from "vitest";
import { asciiOnly } from "../scripts/ascii.mjs";

const evaluate = (code: string) => new Function(`return (${code});`)() as unknown;

describe("the build's ASCII escaping", () => {
  it("keeps regular expressions, strings and templates meaning what they did", () => {
    const cases = [
      String.raw`/^[@£$¥èéù\n\rΔ_ΦΓ]*$/`,
      String.raw`/\€|\\€/`,
      "/[€-₭]/u",
      "/😀+/u",
      '"会员 € 😀"',
      `\`生日快乐 \${1 + 1} €\``,
    ];
    const samples = ["@£$¥", "Δ_Φ", "€", "\\€", "₩", "😀😀", "abc", "\u20ac\u20ac", ""];
    for (const code of cases) {
      const escaped = asciiOnly(code);
      expect(/[\u0080-\uffff]/.test(escaped), code).toBe(false);
      const before = evaluate(code);
      const after = evaluate(escaped);
      if (before instanceof RegExp) {
        expect((after as RegExp).flags).toBe(before.flags);
        for (const s of samples) expect((after as RegExp).test(s), `${code} on ${s}`).toBe(before.test(s));
      } else expect(after).toBe(before);
    }
    // A comment stays a comment.
    expect(asciiOnly("// 会员\n1")).toBe("// \\u4f1a\\u5458\n1");
  });
});
