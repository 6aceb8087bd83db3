// The demo workspace `npm start` creates on an empty database: a gym with members across
// tiers, time zones and both locales, so every feature has something real to show.

import { putAttribute } from "../attributes/service";
import { createStarterChannel } from "../channels/service";
import type { CustomerInput } from "../customers/model";
import { createCustomer } from "../customers/service";
import type { Database } from "../db/client";
import { addMembers, createGroup } from "../groups/service";
import { createKeyword } from "../keywords/service";
import type { Clock } from "../lib/clock";
import type { IdGenerator } from "../lib/ids";
import { seededRandom } from "../lib/random";
import type { SecretKey } from "../lib/secretbox";
import { addDays, formatCivil, localDate } from "../lib/time";
import { createStaff } from "../staff/service";
import { type DefaultTemplate, libraryOf } from "../templates/library";
import { createTenant } from "../tenants/service";
import { seedKits } from "./kits";

type Deps = {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  secretKey: SecretKey;
  defaultTemplates?: readonly DefaultTemplate[];
};

const ZH_NAMES = [
  "王芳",
  "李娜",
  "张伟",
  "刘洋",
  "陈静",
  "杨磊",
  "赵敏",
  "黄丽",
  "周杰",
  "吴婷",
  "徐强",
  "孙悦",
  "马超",
  "朱琳",
  "胡斌",
  "郭佳",
  "何欣",
  "林峰",
  "高雪",
  "罗凯",
  "梁晨",
  "宋雨",
  "郑浩",
  "谢颖",
  "韩梅",
  "唐亮",
  "冯蕾",
  "曹阳",
  "彭菲",
  "邓博",
];
const EN_NAMES = [
  "Emma Thompson",
  "Liam Carter",
  "Olivia Brooks",
  "Noah Bennett",
  "Ava Mitchell",
  "Ethan Hughes",
  "Sophia Reed",
  "Mason Foster",
  "Isabella Gray",
  "Lucas Ward",
  "Mia Sanders",
  "James Cole",
  "Charlotte Price",
  "Benjamin Ross",
  "Amelia Hayes",
  "Henry Long",
  "Harper Perry",
  "Jack Russell",
  "Evelyn Powell",
  "Leo Jenkins",
];

const EN_PLACES = [
  { tz: "America/New_York", phone: (n: number) => `+1212555${1000 + n}` },
  { tz: "Europe/London", phone: (n: number) => `+447911123${100 + n}` },
  { tz: "America/Los_Angeles", phone: (n: number) => `+1415555${1000 + n}` },
  { tz: "Asia/Singapore", phone: (n: number) => `+659123${1000 + n}` },
];

export function demoMembers(today: { year: number; month: number; day: number }): CustomerInput[] {
  const rand = seededRandom(20261123);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const tierFor = () => {
    const r = rand();
    return r < 0.5 ? "ordinary" : r < 0.75 ? "silver" : r < 0.92 ? "gold" : "diamond";
  };
  const members: CustomerInput[] = [];
  const one = (name: string, phone: string, locale: string, tz: string, i: number) => {
    const lastVisit = addDays(today, -Math.floor(rand() * 90));
    const expires = addDays(today, Math.floor(rand() * 200) - 20);
    // A few birthdays fall in the coming week, so "birthday within 7 days" shows something.
    const bday =
      i % 9 === 0 ? addDays(today, i % 7) : { month: 1 + Math.floor(rand() * 12), day: 1 + Math.floor(rand() * 28) };
    const consent = rand();
    members.push({
      name,
      phone,
      external_id: `M${String(1001 + i)}`,
      locale,
      time_zone: tz,
      tier: tierFor(),
      birthday: {
        year: 1960 + Math.floor(rand() * 45),
        month: bday.month,
        day: bday.day,
        lunar: locale === "zh-CN" && i % 5 === 0,
      },
      tags: [pick(["yoga", "spin", "strength", "swim"]), ...(rand() < 0.3 ? ["early-bird"] : [])],
      attributes: {
        last_visit: formatCivil(lastVisit),
        membership_expires: formatCivil(expires),
        visits: Math.floor(rand() * 150),
      },
      consent:
        consent < 0.8
          ? { state: "subscribed", evidence: "Membership form, SMS offers box ticked" }
          : consent < 0.9
            ? { state: "unsubscribed", evidence: "Asked at the front desk" }
            : undefined,
    });
  };
  ZH_NAMES.forEach((name, i) => {
    one(
      name,
      `+86139${String(10000000 + i * 7919).slice(0, 8)}`,
      "zh-CN",
      i % 6 === 5 ? "Asia/Hong_Kong" : "Asia/Shanghai",
      i,
    );
  });
  EN_NAMES.forEach((name, i) => {
    const place = EN_PLACES[i % EN_PLACES.length] as (typeof EN_PLACES)[number];
    one(name, place.phone(i), "en", place.tz, ZH_NAMES.length + i);
  });
  return members;
}

/** Creates the "Demo Gym" workspace and returns its admin key (shown once). */
export async function seedDemo(deps: Deps) {
  const { tenant, apiKey } = await createTenant(deps, {
    name: "Demo Gym",
    slug: "demo-gym",
    default_country: "CN",
    time_zone: "Asia/Shanghai",
    locale: "zh-CN",
    brand_signature: "【Demo Gym】",
    quiet_hours: { start: "21:00", end: "08:00" },
    plan: {
      type: "package",
      currency: "CNY",
      monthly_fee: 49,
      allowance_segments: 600,
      overage_price_per_segment: 0.1,
    },
  });
  const ctx = { ...deps, tenantId: tenant.id };
  await createStarterChannel(deps, tenant.id);
  const manager = await createStaff(ctx, {
    name: "陈经理 (Manager)",
    phone: "+8613700137000",
    email: "manager@demo-gym.example",
    role: "admin",
  });
  // Named as the rest of the demo is, for a front desk reading either language.
  await putAttribute(ctx, "last_visit", { type: "date", label: "上次到店 (Last visit)" });
  await putAttribute(ctx, "membership_expires", { type: "date", label: "会籍到期 (Membership ends)" });
  await putAttribute(ctx, "visits", { type: "number", label: "到店次数 (Visits)" });
  const today = localDate(deps.clock.now(), tenant.time_zone);
  const ids: string[] = [];
  for (const [i, m] of demoMembers(today).entries()) {
    ids.push((await createCustomer(ctx, { ...m, owner_id: i % 4 === 0 ? manager.id : undefined })).id);
  }
  const yoga = await createGroup(ctx, {
    name: "Morning Yoga",
    code: "01",
    kind: "static",
    description: "7am yoga class",
  });
  const pt = await createGroup(ctx, {
    name: "Personal Training",
    code: "02",
    kind: "static",
    description: "Members with a PT package",
  });
  await addMembers(ctx, yoga.id, { customer_ids: ids.filter((_, i) => i % 3 === 0) });
  await createKeyword(
    { ...ctx, library: libraryOf(deps) },
    {
      name: "Join morning yoga",
      words: ["YOGA", "瑜伽"],
      match: "whole",
      actions: [
        { type: "add_to_group", group: yoga.id },
        { type: "reply", text: "已为您报名晨间瑜伽（每天 7 点）。You're in for morning yoga, 7am daily." },
      ],
    },
  );
  await addMembers(ctx, pt.id, { customer_ids: ids.filter((_, i) => i % 5 === 1) });
  await createGroup(ctx, {
    name: "Lapsed gold and diamond members",
    kind: "segment",
    description: "Top tiers who have not visited for 30 days",
    filter: {
      and: [
        { field: "tier", op: "in", value: ["gold", "diamond"] },
        { field: "consent", op: "eq", value: "subscribed" },
        { field: "attributes.last_visit", op: "older_than", value: 30 },
      ],
    },
  });
  await seedKits(ctx, ids);
  return { tenant, apiKey, customers: ids.length };
}
