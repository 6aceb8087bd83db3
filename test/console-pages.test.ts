// Console pages beyond the daily lists: activation timing, keywords and settings, the other
// campaign kinds, editing a customer and saving a template. Each reads and writes through /v1.

import { setup } from "test-runtime";
import { describe, expect, it } from "vitest";
import { seedDemo } from "../src/demo/seed";
import { page, signIn } from "./console-helpers";
import { client } from "./harness";

describe("console: activation timing", () => {
  it("shows the lead-time histogram with the send day, each courier × region, the fitness and the channel mix", async () => {
    const env = await setup();
    const demo = await seedDemo(env.deps);
    const cookie = await signIn(env, demo.apiKey);
    const api = client(env, demo.apiKey);
    const model = (await api.get("/v1/reports/delivery?item_kind=membership_kit")).body;
    const day = model.workspace.recommended_send_day as number;

    // The demo gym ships membership kits: the page picks that kind without being told.
    const html = await (await page(env, "/console/activation?rule_days=2", cookie)).text();
    expect(html).toContain(`<option value="membership_kit" selected="">`);
    expect(html).toContain(
      `Send the activation prompt on day ${day} after shipping: by then 80% of items have arrived.`,
    );
    // The workspace's histogram, one bar per day, with the p80 line at the send day.
    expect(html).toContain(`All shipments: ${model.workspace.samples} samples`);
    expect(html).toContain(`p80: send on day ${day}</text>`);
    const bars = [...html.matchAll(/<title>day (\d+): (\d+)<\/title>/g)].map((m) => Number(m[2]));
    expect(bars.reduce((s, n) => s + n, 0)).toBe(model.workspace.samples);
    // Every cell, with what times it (too few samples of its own: the workspace's).
    for (const c of model.cells) expect(html).toContain(`<td data-label="Courier">${c.courier}</td>`);
    expect(html).toContain(`<td data-label="Timed by">the whole workspace</td>`);
    // Fitness: the model and the fixed rule over the same shipments.
    expect(html).toContain("The model (p80)");
    expect(html).toContain("Fixed: day 2");
    // Channel mix: a stacked bar chart and the shares before and after the comparison date.
    expect(html).toContain("How members activate, per week");
    expect(html).toMatch(/<td data-label="Channel">Front desk<\/td>/);

    // One cell's own chart.
    const zto = model.couriers.find((c: any) => c.courier === "ZTO");
    const one = await (await page(env, "/console/activation?item_kind=membership_kit&courier=ZTO", cookie)).text();
    expect(one).toContain(`ZTO · all regions: ${zto.samples} samples`);

    // In Chinese, and for a kind with no shipments yet.
    const zh = await (await page(env, "/console/activation?item_kind=card", cookie, "zh-CN")).text();
    expect(zh).toContain("最近 90 天内还没有带送达日期的发货记录。");
    expect(zh).toContain("此期间没有激活记录。");
  });
});
