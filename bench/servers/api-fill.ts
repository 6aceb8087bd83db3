// A shop's history for the read benches, written by SQLite itself: members with names, tiers,
// tags and birthdays, and a year of delivered messages spread over them.

import { ManualClock } from "../../src/lib/clock";
import { IdGenerator } from "../../src/lib/ids";
import type { NodeDatabase as Database } from "../../src/node/db";

export const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
export const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const TIERS = ["ordinary", "silver", "gold", "diamond"];
const DAY = 86_400_000;

export function fillWorkspace(db: Database, tenantId: string, now: number) {
  // Ids as the service issues them, time-ordered: members over two years, messages over the last.
  const clock = new ManualClock(new Date(now - 730 * DAY));
  const ids = new IdGenerator(clock);
  const customerIds: string[] = [];
  const insertCustomer = db.sqlite.prepare(
    `insert into customers (id, tenant_id, external_id, phone, name, locale, time_zone, birthday_month, birthday_day,
       tier, tags, attributes, consent_state, consent_source, consent_at, source, created_at, updated_at)
     values (?, ?, ?, ?, ?, 'zh-CN', 'Asia/Shanghai', ?, ?, ?, ?, ?, 'subscribed', 'import', ?, 'import', ?, ?)`,
  );
  const insertMessage = db.sqlite.prepare(
    `insert into messages (id, tenant_id, customer_id, channel_id, kind, template_key, variables, is_reply, quiet_hours,
       status, send_at, due_at, attempts, to_phone, text, encoding, segments, price_micros, currency, provider_ref,
       created_at, updated_at, sent_at, delivered_at, settled_at)
     values (?, ?, ?, 'chn_bench', 'marketing', 'birthday_greeting', ?, 0, 1, 'delivered', ?, ?, 1, ?, ?, 'UCS-2', 1,
       45000, 'CNY', ?, ?, ?, ?, ?, ?)`,
  );
  db.sqlite.transaction(() => {
    for (let i = 0; i < CUSTOMERS; i++) {
      clock.set(new Date(now - 730 * DAY + Math.floor((i * 365 * DAY) / CUSTOMERS)));
      const id = ids.next("cus");
      customerIds.push(id);
      const at = clock.now().getTime();
      insertCustomer.run(
        id,
        tenantId,
        `M${100000 + i}`,
        `+86138${String(i).padStart(8, "0")}`,
        `会员${i}`,
        1 + (i % 12),
        1 + (i % 28),
        TIERS[i % 4],
        JSON.stringify(i % 3 ? ["yoga"] : ["yoga", "spin"]),
        JSON.stringify({ points: i % 5000, coach: `Coach ${i % 7}` }),
        at,
        at,
        at,
      );
    }
  })();
  const batch = 100_000;
  for (let start = 0; start < MESSAGES; start += batch) {
    db.sqlite.transaction(() => {
      for (let i = start; i < Math.min(MESSAGES, start + batch); i++) {
        clock.set(new Date(now - 365 * DAY + Math.floor((i * 365 * DAY) / MESSAGES)));
        const at = clock.now().getTime();
        const customer = customerIds[(i * 7919) % CUSTOMERS] as string;
        const n = (i * 7919) % CUSTOMERS;
        insertMessage.run(
          ids.next("msg"),
          tenantId,
          customer,
          JSON.stringify({ name: `会员${n}` }),
          at,
          at,
          `+86138${String(n).padStart(8, "0")}`,
          `【Bench Gym】会员${n}，生日快乐！本月到店赠送一节私教课，回T退订`,
          `SIM${i}`,
          at,
          at,
          at,
          at + 4000,
          at,
        );
      }
    })();
  }
  return customerIds;
}
