// Template work gives the event loop a turn: an audience preview or a dispatch batch of renders
// that each work hard lets other requests and timers run between them, and an audience preview
// stops at a budget of its own.
import { describe, expect, it } from "vitest";
import { runDispatch } from "../src/jobs/dispatch";
import { tenant } from "./harness";
import { setup } from "./helpers";

// About 9,000 steps a render (three a turn): under the budget of one message, but hard work.
const HARD = "Hi{{#each a}}{{#if this}}{{/if}}{{/each}}";
const hardVariables = { a: Array.from({ length: 3000 }, () => 1) };

/**
 * Runs `work` beside a timer that sets itself again each time it fires: how often it fired says
 * how many turns the event loop had meanwhile (a request's own I/O gives it only a few).
 */
async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let done = false;
  const tick = () => {
    if (done) return;
    turns++;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const result = await work();
  done = true;
  return { result, turns };
}

async function members(env: ReturnType<typeof setup>, n: number) {
  const t = await tenant(env, { locale: "en", brand_signature: "" });
  const rows = Array.from({ length: n }, (_, i) => `+86138${String(i).padStart(8, "0")},subscribed`);
  const res = await t.client.post("/v1/customers/import", ["phone,consent", ...rows].join("\n"), {
    "content-type": "text/csv",
  });
  expect(res.body.created).toBe(n);
  const group = await t.client.post("/v1/groups", {
    name: "Subscribed",
    kind: "segment",
    filter: { field: "consent", op: "eq", value: "subscribed" },
  });
  expect(group.body).toMatchObject({ id: expect.any(String) });
  return { ...t, audience: { group: group.body.id as string } };
}

describe("template work and the event loop", () => {
  it("an audience preview lets timers run between renders", async () => {
    const env = setup();
    const t = await members(env, 60);
    const { result, turns } = await turnsDuring(() =>
      t.client.post("/v1/templates/preview", {
        source: HARD,
        kind: "notification",
        variables: hardVariables,
        audience: t.audience,
      }),
    );
    expect(result.status).toBe(200);
    expect(result.body.audience).toMatchObject({ customers: 60, rendered: 60 });
    // 60 renders of 9,000 steps, and a turn once 10,000 steps have passed: about 30.
    expect(turns).toBeGreaterThanOrEqual(20);
  });

  it("an audience preview stops at its own budget, naming the audience", async () => {
    const env = setup();
    const t = await members(env, 600);
    const res = await t.client.post("/v1/templates/preview", {
      source: HARD,
      kind: "notification",
      variables: hardVariables,
      audience: t.audience,
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe("audience");
    expect(res.body.error.message).toContain("too much work");
  });

  it("a dispatch batch lets timers run between renders, and sends every message", async () => {
    const env = setup();
    const t = await members(env, 40);
    await t.client.post("/v1/channels", { name: "Sim", provider: "simulator" });
    await t.client.post("/v1/templates", { key: "hard_one", locale: "en", kind: "notification", source: HARD });
    for (let i = 0; i < 40; i++) {
      const res = await t.client.post("/v1/messages", {
        phone: `+86138${String(i).padStart(8, "0")}`,
        template: "hard_one",
        variables: hardVariables,
      });
      expect(res.status).toBe(201);
    }
    const { result, turns } = await turnsDuring(() => runDispatch(env.deps));
    expect(result.sent).toBe(40);
    // 40 renders of 9,000 steps, several at once (the batch's concurrency): about 20 turns.
    expect(turns).toBeGreaterThanOrEqual(12);
  });
});
