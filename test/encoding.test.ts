import fc from "fast-check";
import { SegmentedMessage } from "sms-segments-calculator";
import { describe, expect, it } from "vitest";
import { countSegments, smartEncode, ucs2Culprits } from "../src/compose/encoding";

const seg = (text: string, counting: "standard" | "cn_carrier" = "standard") => {
  const c = countSegments(text, counting);
  return [c.encoding, c.units, c.segments];
};

describe("segment counting", () => {
  it("follows the GSM-7 limits, with extension characters costing two and never split", () => {
    expect(seg("a".repeat(160))).toEqual(["GSM-7", 160, 1]);
    expect(seg("a".repeat(161))).toEqual(["GSM-7", 161, 2]);
    expect(seg("a".repeat(306))).toEqual(["GSM-7", 306, 2]);
    expect(seg("a".repeat(307))).toEqual(["GSM-7", 307, 3]);
    expect(seg("€".repeat(80))).toEqual(["GSM-7", 160, 1]);
    expect(seg("€".repeat(81))).toEqual(["GSM-7", 162, 2]);
    expect(seg("Price: {10} [promo] ~ok~ ^ | \\")).toEqual(["GSM-7", 39, 1]); // 30 characters, 9 of them doubled
    // 306 septets would fit two parts, but the € cannot straddle the first boundary.
    expect(seg(`${"a".repeat(152)}€${"a".repeat(152)}`)).toEqual(["GSM-7", 306, 3]);
    expect(seg("")).toEqual(["GSM-7", 0, 1]);
  });

  it("follows the UCS-2 limits, with emoji costing two units and never split", () => {
    expect(seg("中".repeat(70))).toEqual(["UCS-2", 70, 1]);
    expect(seg("中".repeat(71))).toEqual(["UCS-2", 71, 2]);
    expect(seg("中".repeat(134))).toEqual(["UCS-2", 134, 2]);
    expect(seg("中".repeat(135))).toEqual(["UCS-2", 135, 3]);
    expect(seg("😀".repeat(35))).toEqual(["UCS-2", 70, 1]);
    // 134 units would fit two parts of 67, but a part cannot end inside a surrogate pair.
    expect(seg("😀".repeat(67))).toEqual(["UCS-2", 134, 3]);
    // One curly apostrophe turns a whole English text into UCS-2.
    expect(seg(`It’s ${"a".repeat(100)}`)).toEqual(["UCS-2", 105, 2]);
    expect(countSegments("Hi 😀").characters).toBe(4);
  });

  it("counts every character as one under the Chinese-carrier rule, signature included", () => {
    const sig = "【悦动健身】";
    expect(seg(sig + "中".repeat(64), "cn_carrier")).toEqual(["UCS-2", 70, 1]);
    expect(seg(sig + "中".repeat(65), "cn_carrier")).toEqual(["UCS-2", 71, 2]);
    expect(seg(sig + "中".repeat(128), "cn_carrier")).toEqual(["UCS-2", 134, 2]);
    expect(seg(sig + "中".repeat(129), "cn_carrier")).toEqual(["UCS-2", 135, 3]);
    expect(seg("😀".repeat(70), "cn_carrier")).toEqual(["UCS-2", 70, 1]);
    expect(seg("a".repeat(71), "cn_carrier")).toEqual(["GSM-7", 71, 2]);
  });

  it("agrees with Twilio's segment calculator on generated texts", () => {
    const alphabet = fc.constantFrom(
      "a",
      "Z",
      " ",
      "\n",
      "@",
      "é",
      "Ä",
      "€",
      "{",
      "\\",
      "~",
      "^",
      "中",
      "’",
      "😀",
      "🎂",
      "，",
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 420 }), fc.integer({ min: 0, max: 330 }), (chars, padding) => {
        // Long runs of one kind reach the boundaries where packing matters.
        const text = "a".repeat(padding) + chars.join("");
        const ours = countSegments(text);
        const twilio = new SegmentedMessage(text);
        expect([ours.encoding, ours.segments]).toEqual([twilio.encodingName, twilio.segmentsCount]);
      }),
      { numRuns: 1500, seed: 6 },
    );
  });
});

describe("UCS-2 culprits and smart encoding", () => {
  it("lists the characters that force UCS-2, with a look-alike when there is one", () => {
    expect(ucs2Culprits("It’s “great” – see you 😀 ’")).toEqual([
      { char: "’", code_point: "U+2019", count: 2, first_index: 2, replacement: "'" },
      { char: "“", code_point: "U+201C", count: 1, first_index: 5, replacement: '"' },
      { char: "”", code_point: "U+201D", count: 1, first_index: 11, replacement: '"' },
      { char: "–", code_point: "U+2013", count: 1, first_index: 13, replacement: "-" },
      { char: "😀", code_point: "U+1F600", count: 1, first_index: 23 },
    ]);
    expect(ucs2Culprits("Plain GSM text {ok} €5")).toEqual([]);
  });

  it("makes an English text GSM-7 and never touches a Chinese one", () => {
    const en = smartEncode("It’s “great” — see you at 7…ｏｋ！");
    expect(en.text).toBe('It\'s "great" - see you at 7...ok!');
    expect(countSegments(en.text).encoding).toBe("GSM-7");
    expect(en.replaced).toContainEqual({ from: "’", to: "'", count: 1 });
    const zh = "您好，会员日“满100减20”…";
    expect(smartEncode(zh)).toEqual({ text: zh, replaced: [] });
    // An emoji keeps the message UCS-2, so nothing is replaced either.
    expect(smartEncode("It’s your day 🎂").text).toBe("It’s your day 🎂");
  });
});
