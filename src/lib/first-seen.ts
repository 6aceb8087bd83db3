// Remembers where each string was first seen (an import's phones and external ids, by line),
// in typed arrays rather than a Map. A Map of 100,000 strings keeps 100,000 strings alive,
// which the garbage collector copies and then walks for as long as the import runs; an import
// was 10 % slower for it (bench/: import_csv_100k). Here the characters are copied into one
// growing buffer, and nothing is left for the collector but a few arrays.

const EMPTY = -1;

export class FirstSeen {
  /** Open addressing: slot -> entry, or EMPTY. Its size is a power of two, at most half full. */
  private slots = new Int32Array(1024).fill(EMPTY);
  private hashes = new Int32Array(512);
  private values = new Int32Array(512);
  /** Entry e's characters are chars[starts[e]] .. chars[starts[e + 1]]. */
  private starts = new Int32Array(513);
  private chars = new Uint16Array(8192);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The value stored with `key`, or undefined. */
  get(key: string): number | undefined {
    const e = this.find(key, hash(key));
    return e === EMPTY ? undefined : this.values[e];
  }

  /**
   * Stores `value` with `key` unless the key is already there (the first one stays). Returns
   * the value stored before, or undefined if `key` is new: one look for both questions.
   */
  add(key: string, value: number): number | undefined {
    const h = hash(key);
    const found = this.find(key, h);
    if (found !== EMPTY) return this.values[found];
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    const e = this.count++;
    if (e + 1 >= this.hashes.length) this.growEntries();
    const start = this.starts[e] as number;
    if (start + key.length > this.chars.length) this.growChars(start + key.length);
    for (let i = 0; i < key.length; i++) this.chars[start + i] = key.charCodeAt(i);
    this.starts[e + 1] = start + key.length;
    this.hashes[e] = h;
    this.values[e] = value;
    this.place(e, h);
    return undefined;
  }

  private find(key: string, h: number): number {
    const mask = this.slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const e = this.slots[s] as number;
      if (e === EMPTY) return EMPTY;
      if (this.hashes[e] === h && this.equals(e, key)) return e;
    }
  }

  private equals(e: number, key: string): boolean {
    const start = this.starts[e] as number;
    if ((this.starts[e + 1] as number) - start !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (this.chars[start + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  private place(e: number, h: number) {
    const mask = this.slots.length - 1;
    let s = h & mask;
    while (this.slots[s] !== EMPTY) s = (s + 1) & mask;
    this.slots[s] = e;
  }

  private grow() {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    for (let e = 0; e < this.count; e++) this.place(e, this.hashes[e] as number);
  }

  private growEntries() {
    const n = this.hashes.length * 2;
    this.hashes = copy(this.hashes, new Int32Array(n));
    this.values = copy(this.values, new Int32Array(n));
    this.starts = copy(this.starts, new Int32Array(n + 1));
  }

  private growChars(atLeast: number) {
    let n = this.chars.length * 2;
    while (n < atLeast) n *= 2;
    this.chars = copy(this.chars, new Uint16Array(n));
  }
}

function copy<T extends Int32Array | Uint16Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** FNV-1a over UTF-16 code units. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
