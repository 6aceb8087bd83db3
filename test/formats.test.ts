// Formats every API answer uses, checked against the platform's own.
import { describe, expect, it } from "vitest";
import { sha256Hex, tokenHash } from "../src/lib/crypto";
import { seededRandom } from "../src/lib/random";
import { iso } from "../src/lib/time";

describe("iso", () => {
  it("writes an instant as toISOString does, across days, edges and odd values", () => {
    const rand = seededRandom(7);
    const cases = [
      0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, 951_782_400_000, 1_764_000_000_000, 253_402_300_799_999,
      253_402_300_800_000, -1, -86_400_001, 1.5, 8.64e15,
    ];
    // Shuffled instants over 60 years, so consecutive calls land on other days as well as the same one.
    for (let i = 0; i < 20_000; i++) cases.push(Math.floor(rand() * 1.9e12));
    for (let i = 0; i < 2000; i++) cases.push(1_764_000_000_000 + Math.floor(rand() * 86_400_000));
    for (const ms of cases) expect(iso(ms), String(ms)).toBe(new Date(ms).toISOString());
    expect(iso(null)).toBeNull();
  });
});

describe("tokenHash", () => {
  it("is the SHA-256 a stored key or session hash was made with", async () => {
    for (const token of ["tid_abc", "tcs_ünïcødé", "", "x".repeat(300)]) {
      expect(tokenHash(token)).toBe(await sha256Hex(token));
    }
    expect(tokenHash("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});
