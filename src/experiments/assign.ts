// Which arm of an experiment a customer is in: a hash of the customer's id under the campaign's
// own multiplier and salt, the same in JavaScript and in SQL (a broadcast's rows are planned by
// SQL straight from the audience query, without the customers passing through JavaScript), so
// a campaign planned again puts everyone where they were.

/** A prime just over a million: the hash's buckets. */
const P = 1_000_003;
/** Characters of the id that are hashed, from its end (its random or counter part). */
const CHARS = 8;

export type Arm = { name: string; weight: number };
/**
 * `rollout.test_share`: the arms share only that part of the rest; everyone beyond is REST.
 * `hash`: 1 for experiments planned before the weighted sum was squared (they keep their
 * assignment); missing for every later one.
 */
export type Design = {
  arms: Arm[];
  holdout: number;
  rollout?: { test_share: number } | undefined;
  hash?: number | undefined;
};
export const HOLDOUT = "holdout";
/** A rollout's customers outside its test: they get the winner once it is chosen. */
export const REST = "rest";

/** Where the arms end: the whole audience, or a rollout's test share of what the holdout leaves. */
function armsEnd(design: Design): number {
  return design.rollout ? design.holdout + (1 - design.holdout) * design.rollout.test_share : 1;
}

/** FNV-1a over the campaign id: where its multiplier and salt come from. */
function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export type Hash = { weights: number[]; salt: number; squared: boolean };

/** The campaign's hash: weights of the id's last characters (powers of its multiplier) and a salt. */
export function campaignHash(campaignId: string, version = 2): Hash {
  const h = fnv(campaignId);
  // A multiplier in [2, P-1]: different for each campaign, so each gets its own order.
  const m = 2 + (h % (P - 3));
  // Powers of m from m itself, never 1: ids that count up (an import's block) then step by m
  // through the buckets, spread over all of them, instead of filling a few neighbouring ones.
  const weights: number[] = [];
  let w = m;
  for (let i = 0; i < CHARS; i++) {
    weights.push(w);
    w = (w * m) % P;
  }
  return { weights, salt: fnv(`${campaignId}#salt`) % P, squared: version >= 2 };
}

/**
 * The customer's place in [0, 1) for this campaign. The weighted sum alone steps through the
 * buckets by a fixed stride as an import's ids count up, and some strides leave a small
 * audience's arms lopsided (71 against 26 in a test of 97); squaring it modulo P breaks the
 * stride, and small audiences split as evenly as by chance.
 */
export function bucketOf(hash: Hash, customerId: string): number {
  let f = hash.salt;
  for (let i = 0; i < CHARS; i++) {
    const at = customerId.length - 1 - i;
    f = (f + (at >= 0 ? customerId.charCodeAt(at) : 0) * (hash.weights[i] as number)) % P;
  }
  return hash.squared ? ((f * f + hash.salt) % P) / P : f / P;
}

/** The same place, as SQL over a customer id column (SQLite and D1: integers, unicode(), substr()). */
export function bucketSql(hash: Hash, column: string): string {
  const terms = hash.weights.map((w, i) => `coalesce(unicode(substr(${column}, -${i + 1}, 1)), 0) * ${w}`);
  // A term is below 2^21 (a code point) × 2^20, their sum below 2^44 and the square of the
  // reduced sum below 2^40: all far inside 64-bit integers. Ids are ASCII, where JavaScript's
  // UTF-16 units and SQLite's characters are the same.
  const f = `((${hash.salt} + ${terms.join(" + ")}) % ${P})`;
  return hash.squared ? `((${f} * ${f} + ${hash.salt}) % ${P}) * 1.0 / ${P}` : `${f} * 1.0 / ${P}`;
}

/** The arm a place falls in: the holdout share first, then the arms by their weights. */
export function armAt(design: Design, u: number): string {
  if (u < design.holdout) return HOLDOUT;
  const end = armsEnd(design);
  if (u >= end) return REST;
  const total = design.arms.reduce((s, a) => s + a.weight, 0);
  let edge = design.holdout;
  for (const a of design.arms) {
    edge += ((end - design.holdout) * a.weight) / total;
    if (u < edge) return a.name;
  }
  return (design.arms.at(-1) as Arm).name;
}

export function armOf(design: Design, campaignId: string, customerId: string): string {
  return armAt(design, bucketOf(campaignHash(campaignId, design.hash), customerId));
}

/** The arm as a SQL case over the bucket (the same edges as armAt). */
export function armSql(design: Design, campaignId: string, column: string): string {
  const u = bucketSql(campaignHash(campaignId, design.hash), column);
  const total = design.arms.reduce((s, a) => s + a.weight, 0);
  const whens: string[] = [];
  const end = armsEnd(design);
  if (design.holdout > 0) whens.push(`when ${u} < ${design.holdout} then '${HOLDOUT}'`);
  if (end < 1) whens.push(`when ${u} >= ${end} then '${REST}'`);
  let edge = design.holdout;
  for (const a of design.arms.slice(0, -1)) {
    edge += ((end - design.holdout) * a.weight) / total;
    whens.push(`when ${u} < ${edge} then '${a.name.replace(/'/g, "''")}'`);
  }
  const last = (design.arms.at(-1) as Arm).name.replace(/'/g, "''");
  return whens.length === 0 ? `'${last}'` : `case ${whens.join(" ")} else '${last}' end`;
}
