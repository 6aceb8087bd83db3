import type { Clock } from "./clock";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32

/**
 * ULID-style ids: 48 bits of time then 80 random bits, Crockford base32, with a resource
 * prefix (`cus_...`). Monotonic within one generator, so sorting by id is creation order,
 * which is what cursor pagination relies on.
 */
export class IdGenerator {
  private lastTime = -1;
  private lastTimeText = "";
  private lastRandom = new Uint8Array(10);

  constructor(private readonly clock: Clock) {}

  next(prefix: string): string {
    const time = this.clock.now().getTime();
    if (time <= this.lastTime) {
      incrementBytes(this.lastRandom);
    } else {
      this.lastTime = time;
      this.lastTimeText = encodeTime(time);
      crypto.getRandomValues(this.lastRandom);
      this.lastRandom[0] = (this.lastRandom[0] ?? 0) & 0x7f; // room to increment
    }
    return `${prefix}_${this.lastTimeText}${encodeBytes(this.lastRandom)}`;
  }

  /**
   * The first 16 characters after the prefix of a block of ids that SQL numbers itself (a
   * planner appends a 10-digit counter). Ids issued later, even in the same millisecond, sort
   * after the whole block, and no other block shares it.
   */
  block(prefix: string): string {
    const id = this.next(prefix);
    // Step the 7th random character (bit 50 of the 80 random bits): later ids pass the block.
    addAtBit(this.lastRandom, 50);
    return id.slice(0, prefix.length + 1 + 16);
  }
}

function addAtBit(bytes: Uint8Array, bit: number): void {
  let i = bytes.length - 1 - Math.floor(bit / 8);
  let carry = 1 << (bit % 8);
  while (i >= 0 && carry > 0) {
    const v = (bytes[i] ?? 0) + carry;
    bytes[i] = v & 0xff;
    carry = v >> 8;
    i--;
  }
}

function incrementBytes(bytes: Uint8Array): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const v = (bytes[i] ?? 0) + 1;
    bytes[i] = v & 0xff;
    if (v <= 0xff) return;
  }
}

function encodeTime(ms: number): string {
  let out = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const randomCodes: number[] = new Array(16).fill(0);

function encodeBytes(bytes: Uint8Array): string {
  // 80 bits -> 16 base32 characters, made as one flat string: built a character at a time, an
  // id was a chain of sixteen strings (hundreds of bytes of garbage each, on a path that makes one
  // per imported row).
  let buffer = 0;
  let bits = 0;
  let n = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      randomCodes[n++] = CODES[(buffer >> (bits - 5)) & 31] as number;
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return String.fromCharCode.apply(null, randomCodes);
}
