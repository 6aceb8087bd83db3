// The import's record of first-seen phones and external ids (src/lib/first-seen.ts) against a
// Map, through growth and hash collisions.
import { describe, expect, it } from "vitest";
import { FirstSeen } from "../src/lib/first-seen";
import { seededRandom } from "../src/lib/random";

describe("FirstSeen", () => {
  it("answers as a Map that keeps each key's first value, through growth", () => {
    const rand = seededRandom(7);
    const alphabet = ["1", "3", "8", "+", "M", "会", "员", "é", "😀"];
    const seen = new FirstSeen();
    const map = new Map<string, number>();
    for (let line = 0; line < 60_000; line++) {
      // Short keys from a small alphabet repeat often; the emoji is two UTF-16 units.
      let key = "";
      const length = Math.floor(rand() * 6);
      for (let i = 0; i < length; i++) key += alphabet[Math.floor(rand() * alphabet.length)];
      expect(seen.get(key)).toBe(map.get(key));
      // add answers with the value already there, as get did just before.
      expect(seen.add(key, line)).toBe(map.get(key));
      if (!map.has(key)) map.set(key, line);
    }
    expect(seen.size).toBe(map.size);
    for (const [key, line] of map) expect(seen.get(key)).toBe(line);
    expect(seen.get("not there")).toBeUndefined();
  });

  it("tells apart keys whose hashes collide", () => {
    // FNV-1a gives these two member numbers the same hash (found by search): the characters decide.
    const seen = new FirstSeen();
    seen.add("M15119", 1);
    expect(seen.get("M203802")).toBeUndefined();
    seen.add("M203802", 2);
    expect([seen.get("M15119"), seen.get("M203802"), seen.size]).toEqual([1, 2, 2]);
    expect(seen.add("M15119", 3)).toBe(1);
    expect(seen.get("M15119")).toBe(1);

    for (let i = 0; i < 20_000; i++) seen.add(`+86138${String(i).padStart(8, "0")}`, i);
    for (let i = 0; i < 20_000; i++) expect(seen.get(`+86138${String(i).padStart(8, "0")}`)).toBe(i);
    expect(seen.get("M15119")).toBe(1);
    expect(seen.get("+8613800020000")).toBeUndefined();
    expect(seen.get("")).toBeUndefined();
    seen.add("", 7);
    expect(seen.get("")).toBe(7);
  });
});
