// Whatever a handset (or an attacker) sends is stored exactly as received and answered without a
// crash: any Unicode up to 1,600 characters, emoji, control characters, SQL- and template-looking
// text, and compliance words hidden in noise.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { setup } from "./helpers";
import { customer, settle, twoWay } from "./two-way";

const NASTY = [
  "'; drop table customers; --",
  "Robert'); DELETE FROM inbound_messages WHERE ('1'='1",
  "{{constructor.constructor('return process')()}}",
  "{{#each this}}{{@key}}{{/each}}",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-literal lookalike, on purpose
  "${process.exit()}",
  "<script>alert(1)</script>",
  "STOP\u0000",
  "\u202eSTOP",
  "ｓｔｏｐ\u200b",
  "激活\u00001234",
  "101 01 13800000001",
  "102 01 hello",
  "🙂".repeat(800),
  "\r\n\t\u0007\u001b[31m",
];

const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 1600 }),
  fc.string({ unit: "grapheme", maxLength: 400 }),
  fc.constantFrom(...NASTY),
  fc
    .tuple(fc.constantFrom(...NASTY), fc.string({ unit: "binary", maxLength: 200 }))
    .map(([a, b]) => `${a}${b}`.slice(0, 1600)),
);

describe("inbound fuzz", () => {
  it("stores any text verbatim and handles it without a crash", async () => {
    const env = setup();
    const t = await twoWay(env);
    await t.client.post("/v1/keywords", { preset: "card_activation" });
    await t.client.post("/v1/staff", { name: "Wang", phone: "+8613700137000" });
    await t.client.post("/v1/groups", { name: "Yoga", kind: "static", code: "01" });
    await customer(t.client, { phone: "+8613800138000", attributes: { card_last4: "1234" } });
    const senders = ["+8613800138000", "+8613700137000", "+8613900139000", "10086"];
    let n = 0;
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom(...senders), async (body, from) => {
        const id = `fuzz-${n++}`;
        expect(await t.sms(from, body, { id })).toBe(200);
        const handled = await settle(env);
        expect(handled.failed).toBe(0);
        const row = env.db.sqlite
          .prepare("select body, status, step, outcome from inbound_messages where provider_message_id = ?")
          .get(id) as { body: string; status: string; step: string; outcome: string };
        expect(row.body).toBe(body);
        expect(row.status).toBe("processed");
        // Only a sender that is no phone number is set aside (it cannot be answered).
        if (row.step === "ignored") expect([from, row.outcome]).toEqual(["10086", "invalid_sender"]);
      }),
      { numRuns: 150, seed: 20261123 },
    );
    // The tables are all still there, and nothing was sent that failed to render or compose.
    const broken = env.db.sqlite
      .prepare("select count(*) as n from messages where status in ('failed', 'unknown') or reason = 'render_error'")
      .get();
    expect(broken).toEqual({ n: 0 });
  }, 60_000);
});
