import { countFilter, createGroup } from "../../src/groups/service";
import type { Result } from ".";
import { benchWorkspace, prng } from "./common";

const CUSTOMERS = 1_000_000;
/**
 * The segment against a bare count(*) of the same customers: five conditions, two of them on
 * JSON attributes, a group anti-join and an OR over birthdays and tags read every row's values,
 * where count(*) reads only an index. A tenth of its speed is a full read of each row (0.13
 * measured on 2026-12-07: 270 ms against 36 ms).
 */
const TARGET_RATIO = 0.1;
const ZONES = ["Asia/Shanghai", "Asia/Shanghai", "Asia/Shanghai", "Asia/Hong_Kong", "America/New_York"];
const TIERS = ["ordinary", "ordinary", "ordinary", "silver", "silver", "gold", "diamond"];
const CONSENT = ["subscribed", "subscribed", "subscribed", "unsubscribed", "never_asked"];

/**
 * The segment a gym actually builds: top tiers, reachable, lapsed for 30 days, not already in
 * the yoga group, with a birthday or a tag as a second chance. Counted over 1,000,000 customers.
 */
export async function segmentCount1m(): Promise<Result> {
  const w = await segmentWorkspace(CUSTOMERS);
  const { ctx } = w;
  const { median, ceilingMs, expected, times } = await timeSegment(w);
  const simple = performance.now();
  await countFilter(ctx, { field: "tier", op: "eq", value: "gold" });
  const simpleMs = performance.now() - simple;
  return {
    value: Math.round(median),
    unit: "ms",
    target: 500,
    better: "lower",
    ceiling: Math.round(ceilingMs),
    // Time the ceiling takes over time the segment takes: 1 would be as fast as counting rows.
    ratio: Math.round((ceilingMs / median) * 100) / 100,
    target_ratio: TARGET_RATIO,
    matched: expected,
    customers: CUSTOMERS,
    fastest_ms: Math.round(times[0] as number),
    single_condition_ms: Math.round(simpleMs),
  };
}

/** The segment's count and a raw count(*) of the same customers, seven times each: their medians. */
export async function timeSegment({ db, ctx, filter }: Awaited<ReturnType<typeof segmentWorkspace>>) {
  const expected = await countFilter(ctx, filter);
  if (expected <= 0) throw new Error("the bench segment matched nobody");
  const times: number[] = [];
  for (let run = 0; run < 7; run++) {
    const t0 = performance.now();
    const n = await countFilter(ctx, filter);
    times.push(performance.now() - t0);
    if (n !== expected) throw new Error("count changed between runs");
  }
  times.sort((a, b) => a - b);
  // The ceiling: a raw count(*) of the workspace's customers, the scan no filter can beat.
  const raw = db.sqlite.prepare("select count(*) as n from customers where tenant_id = ?");
  const rawTimes: number[] = [];
  for (let run = 0; run < 7; run++) {
    const t0 = performance.now();
    raw.get(ctx.tenantId);
    rawTimes.push(performance.now() - t0);
  }
  rawTimes.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] as number;
  const ceilingMs = rawTimes[Math.floor(rawTimes.length / 2)] as number;
  return { median, ceilingMs, expected, times };
}

/** A workspace with `count` customers spread over tiers, zones, consent states, tags and a group. */
export async function segmentWorkspace(count: number) {
  const { db, ctx, close } = await benchWorkspace();
  const group = await createGroup(ctx, { name: "Morning Yoga", kind: "static", code: "01" });
  const rand = prng(7);
  const insertCustomer = db.sqlite.prepare(
    `insert into customers (id, tenant_id, phone, name, locale, time_zone, birthday_month, birthday_day, birthday_lunar,
       tier, tags, attributes, consent_state, source, created_at, updated_at)
     values (?, ?, ?, ?, 'zh-CN', ?, ?, ?, ?, ?, ?, ?, ?, 'import', ?, ?)`,
  );
  const insertMember = db.sqlite.prepare(
    "insert into group_members (tenant_id, group_id, customer_id, added_at) values (?, ?, ?, 0)",
  );
  const fill = db.sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = ctx.ids.next("cus");
      const tags = i % 3 === 0 ? ["yoga"] : i % 7 === 0 ? ["vip"] : [];
      const visit = `2026-${String(1 + Math.floor(rand() * 11)).padStart(2, "0")}-${String(1 + Math.floor(rand() * 28)).padStart(2, "0")}`;
      insertCustomer.run(
        id,
        ctx.tenantId,
        `+86138${String(i).padStart(8, "0")}`,
        `Member ${i}`,
        ZONES[i % ZONES.length],
        1 + Math.floor(rand() * 12),
        1 + Math.floor(rand() * 28),
        i % 10 === 0 ? 1 : 0,
        TIERS[i % TIERS.length],
        JSON.stringify(tags),
        JSON.stringify({ last_visit: visit, visits: Math.floor(rand() * 200) }),
        CONSENT[i % CONSENT.length],
        0,
        0,
      );
      if (i % 10 === 0) insertMember.run(ctx.tenantId, group.id, id);
    }
    for (const z of new Set(ZONES))
      db.sqlite.prepare("insert or ignore into tenant_time_zones values (?, ?)").run(ctx.tenantId, z);
    db.sqlite
      .prepare(
        "insert into attribute_definitions (tenant_id, key, type, description, created_at) values (?, 'last_visit', 'date', null, 0), (?, 'visits', 'number', null, 0)",
      )
      .run(ctx.tenantId, ctx.tenantId);
  });
  fill();
  db.sqlite.exec("analyze");
  // The fixture is one 1M-row transaction, not how the app writes; flush it to disk now, so that
  // a timed scenario after it does not pay for syncing the fixture's pages at its first checkpoint.
  db.sqlite.pragma("wal_checkpoint(TRUNCATE)");

  const filter = {
    and: [
      { field: "tier", op: "in", value: ["gold", "diamond"] },
      { field: "consent", op: "eq", value: "subscribed" },
      { field: "attributes.last_visit", op: "older_than", value: 30 },
      { not: { field: "groups", op: "member_of", value: "01" } },
      {
        or: [
          { field: "birthday", op: "within_next", value: 30 },
          { field: "tags", op: "has", value: "vip" },
          { field: "attributes.visits", op: "gte", value: 100 },
        ],
      },
    ],
  };
  return { db, ctx, filter, close };
}
