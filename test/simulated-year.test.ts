// A year of scheduling through the injected clock: birthdays (solar, lunar, 29 February, and on
// each zone's DST change days), lunar holidays, a monthly recurring offer and event-triggered
// surveys, for customers in Shanghai, New York, London and Sydney. Each send must land at its
// local time, be held (never sent) during quiet hours, and match the forecast made on 1 January.

import { describe, expect, it } from "vitest";
import { lunarToSolar } from "../src/lib/lunar";
import { localParts } from "../src/lib/time";
import { drive } from "./drive";
import { type Client, setup, tenant } from "./helpers";

const ZONES = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Sydney"] as const;
// Days when each zone's clocks change in 2027 (none in Shanghai).
const DST_DAYS: Record<string, string[]> = {
  "Asia/Shanghai": ["2027-06-01"],
  "America/New_York": ["2027-03-14", "2027-11-07"],
  "Europe/London": ["2027-03-28", "2027-10-31"],
  "Australia/Sydney": ["2027-04-04", "2027-10-03"],
};

function local(ms: number, zone: string) {
  const p = localParts(new Date(ms), zone);
  const d = `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
  return {
    date: d,
    time: `${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`,
    minutes: p.hour * 60 + p.minute,
  };
}

const inQuietHours = (minutes: number) => minutes >= 21 * 60 || minutes < 8 * 60;

async function add(c: Client, n: number, fields: Record<string, unknown>) {
  const r = await c.post("/v1/customers", {
    phone: `+86139${String(10_000_000 + n).slice(-8)}`,
    locale: "en",
    consent: { state: "subscribed" },
    ...fields,
  });
  expect(r.status).toBe(201);
  return r.body.id as string;
}

describe("a simulated year across four time zones", () => {
  it("sends birthdays, lunar holidays, a recurring offer and event follow-ups at the right local times", async () => {
    const env = setup("2027-01-01T00:00:00Z");
    const t = await tenant(env, {
      locale: "en",
      time_zone: "Asia/Shanghai",
      brand_signature: "[Demo Gym]",
      quiet_hours: { start: "21:00", end: "08:00" },
    });
    expect((await t.client.post("/v1/channels", { name: "Sim", provider: "simulator" })).status).toBe(201);

    // Who should get a birthday greeting on which local date.
    const expectedBirthday = new Map<string, string>();
    const zoneOf = new Map<string, string>();
    let n = 0;
    for (const zone of ZONES) {
      for (const day of DST_DAYS[zone] as string[]) {
        const id = await add(t.client, n++, { name: `DST ${zone}`, time_zone: zone, birthday: day.slice(5) });
        expectedBirthday.set(id, day);
        zoneOf.set(id, zone);
      }
      // A lunar birthday (the 20th of the 5th lunar month) and a 29 February one.
      const lunar = await add(t.client, n++, {
        name: "Lunar",
        time_zone: zone,
        birthday: { month: 5, day: 20, lunar: true },
      });
      const s = lunarToSolar(2027, 5, 20);
      expectedBirthday.set(lunar, `${s.year}-${String(s.month).padStart(2, "0")}-${String(s.day).padStart(2, "0")}`);
      zoneOf.set(lunar, zone);
      const leap = await add(t.client, n++, { name: "Leap", time_zone: zone, birthday: "1996-02-29" });
      expectedBirthday.set(leap, "2027-02-28");
      zoneOf.set(leap, zone);
    }
    const optedOut = await add(t.client, n++, {
      name: "Out",
      time_zone: "Europe/London",
      birthday: "06-15",
      consent: { state: "unsubscribed" },
    });
    zoneOf.set(optedOut, "Europe/London");

    const create = async (body: Record<string, unknown>) => {
      const r = await t.client.post("/v1/campaigns", body);
      expect(r.status).toBe(201);
      expect((await t.client.post(`/v1/campaigns/${r.body.id}/schedule`, {})).status).toBe(200);
      return r.body.id as string;
    };
    const birthday = await create({
      name: "Birthdays",
      kind: "date_relative",
      template: "birthday_greeting",
      variables: { offer: "a free smoothie" },
      anchor: "birthday",
      delivery_time: "09:00",
    });
    const spring = await create({
      name: "Spring Festival",
      kind: "holiday",
      template: "spring_festival_greeting",
      holiday: "spring_festival",
      delivery_time: "10:00",
    });
    // 07:30 is inside quiet hours: every zone's greeting waits for 08:00.
    const midAutumn = await create({
      name: "Mid-Autumn",
      kind: "holiday",
      template: "mid_autumn_greeting",
      holiday: "mid_autumn",
      delivery_time: "07:30",
    });
    const monthly = await create({
      name: "First Monday offer",
      kind: "recurring",
      cron: "0 10 * * 1#1",
      time_zone: "America/New_York",
      template: "member_promotion",
      variables: { offer: "a free class", validUntil: "2027-12-31", link: "gym.example/m" },
      audience: { customers: ZONES.map((z) => [...zoneOf].find(([, zone]) => zone === z)?.[0] as string) },
    });
    const survey = await create({
      name: "After a visit",
      kind: "event",
      template: "post_visit_survey",
      variables: { service: "your class" },
      event: { type: "visit", delay: { value: 2, unit: "hours" } },
    });

    // The forecast made on 1 January, per campaign: anchor date -> zone -> local send time.
    const forecastOf = async (id: string) => {
      const f = (await t.client.get(`/v1/campaigns/${id}/forecast?days=366`)).body;
      const out = new Map<string, Map<string, { local: string; customers: number }>>();
      for (const o of f.occurrences)
        out.set(
          o.anchor_date,
          new Map(o.send_times.map((s: any) => [s.time_zone, { local: s.local, customers: s.customers }])),
        );
      return out;
    };
    const forecasts = {
      [birthday]: await forecastOf(birthday),
      [spring]: await forecastOf(spring),
      [midAutumn]: await forecastOf(midAutumn),
    };

    // Visits through the year, at 19:30 local (the survey 2 h later falls in quiet hours) and 10:00.
    const inZone = (zone: string) => [...zoneOf].filter(([, z]) => z === zone).map(([id]) => id);
    const visits = [
      { customer: inZone("America/New_York")[0] as string, at: "2027-03-14T23:30:00Z" }, // 19:30 EDT, DST's first day
      { customer: inZone("America/New_York")[1] as string, at: "2027-07-01T14:00:00Z" }, // 10:00 EDT
      { customer: inZone("Europe/London")[0] as string, at: "2027-10-31T19:30:00Z" }, // 19:30 GMT, DST's last day
    ];
    for (const v of visits) {
      await drive(env, v.at);
      const r = await t.client.post("/v1/events", { customer_id: v.customer, type: "visit" });
      expect(r.status).toBe(201);
    }
    await drive(env, "2028-01-01T00:00:00Z");

    const sent = await env.db.rawAll<{
      campaign_id: string;
      customer_id: string;
      status: string;
      reason: string | null;
      kind: string;
      sent_at: number | null;
      send_at: number;
      variables: string;
    }>(
      "select campaign_id, customer_id, status, reason, kind, sent_at, send_at, variables from messages order by send_at",
      [],
    );
    const delivered = sent.filter((m) => m.status === "delivered");
    // Never during quiet hours, in the customer's own zone.
    for (const m of delivered) {
      const l = local(m.sent_at as number, zoneOf.get(m.customer_id) as string);
      expect(inQuietHours(l.minutes), `${m.campaign_id} to ${m.customer_id} at ${l.date} ${l.time}`).toBe(false);
    }

    // Birthdays: each on its local date at 09:00, DST days included; the opted-out one skipped.
    const greetings = sent.filter((m) => m.campaign_id === birthday);
    expect(greetings.filter((m) => m.status === "delivered")).toHaveLength(expectedBirthday.size);
    for (const m of greetings.filter((g) => g.status === "delivered")) {
      const l = local(m.sent_at as number, zoneOf.get(m.customer_id) as string);
      expect(`${l.date} ${l.time}`).toBe(`${expectedBirthday.get(m.customer_id)} 09:00`);
    }
    expect(greetings.find((m) => m.customer_id === optedOut)).toMatchObject({ status: "skipped", reason: "opted_out" });

    // Holidays: Spring Festival on 6 February at 10:00; Mid-Autumn on 15 September, held to 08:00.
    for (const [id, date, time] of [
      [spring, "2027-02-06", "10:00"],
      [midAutumn, "2027-09-15", "08:00"],
    ] as const) {
      const mine = sent.filter((m) => m.campaign_id === id);
      expect(mine).toHaveLength(zoneOf.size);
      for (const m of mine.filter((x) => x.customer_id !== optedOut)) {
        expect(m.status).toBe("delivered");
        const l = local(m.sent_at as number, zoneOf.get(m.customer_id) as string);
        expect(`${l.date} ${l.time}`).toBe(`${date} ${time}`);
      }
    }

    // The forecast said the same: for every delivered date message, its zone's forecast time.
    for (const id of [birthday, spring, midAutumn]) {
      for (const m of sent.filter((x) => x.campaign_id === id && x.status === "delivered")) {
        const zone = zoneOf.get(m.customer_id) as string;
        const anchor = JSON.parse(m.variables).anchorDate as string;
        const f = forecasts[id]?.get(anchor)?.get(zone);
        const l = local(m.sent_at as number, zone);
        expect(f?.local, `${id} ${anchor} ${zone}`).toBe(`${l.date}T${l.time}`);
      }
    }

    // Recurring: twelve first Mondays at 10:00 New York time, DST or not; elsewhere held if quiet.
    const offers = sent.filter((m) => m.campaign_id === monthly);
    expect(offers).toHaveLength(12 * 4);
    for (const m of offers) {
      expect(m.status).toBe("delivered");
      const ny = local(m.send_at, "America/New_York");
      expect(ny.time).toBe("10:00");
      expect(new Date(`${ny.date}T12:00:00Z`).getUTCDay()).toBe(1);
      expect(Number(ny.date.slice(8))).toBeLessThanOrEqual(7);
      const zone = zoneOf.get(m.customer_id) as string;
      const l = local(m.sent_at as number, zone);
      if (zone === "America/New_York") expect(l.time).toBe("10:00");
      else if (inQuietHours(local(m.send_at, zone).minutes)) expect(l.time).toBe("08:00");
      else expect(m.sent_at).toBe(m.send_at);
    }

    // Event follow-ups: two hours after each visit, or at 08:00 when that falls in quiet hours.
    const surveys = sent.filter((m) => m.campaign_id === survey);
    expect(surveys.map((m) => m.status)).toEqual(["delivered", "delivered", "delivered"]);
    expect(
      surveys.map((m) => {
        const l = local(m.sent_at as number, zoneOf.get(m.customer_id) as string);
        return `${l.date} ${l.time}`;
      }),
    ).toEqual(["2027-03-15 08:00", "2027-07-01 12:00", "2027-11-01 08:00"]);
  }, 120_000);
});
