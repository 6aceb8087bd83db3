// The console in a real browser (Debian's Chromium through playwright-core): the demo workspace
// served on loopback, signed into with its key, its pages used as a person would, and a
// screenshot of each under test/screenshots/ (build output, not committed).
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../src/demo/seed";
import { runInbound } from "../src/jobs/inbound";
import { hmacBase64 } from "../src/lib/secretbox";
import { browse, chromiumPresent } from "./chromium";
import { client } from "./harness";
import { setup } from "./helpers";

const SHOTS = new URL("./screenshots/", import.meta.url);

describe.runIf(chromiumPresent)("the console in Chromium", () => {
  let browser: Browser;
  let base: string;
  let key: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const env = setup();
    key = (await seedDemo(env.deps)).apiKey;
    // A member writes in: an inbox item to answer.
    const api = client(env, key);
    const channel = await api.post("/v1/channels", {
      name: "Sim 2",
      provider: "simulator",
      config: { from: "+8610690001" },
      credentials: { secret: "browser-test-secret-0123456789" },
    });
    const someone = (await api.get("/v1/customers?limit=1")).body.data[0];
    const body = JSON.stringify({ id: "in-1", from: someone.phone, to: "+8610690001", text: "淋浴的水又是凉的" });
    const res = await env.app.request(`/webhooks/simulator/${channel.body.id}/inbound`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-simulator-signature": hmacBase64("SHA-256", "browser-test-secret-0123456789", body),
      },
      body,
    });
    expect(res.status).toBe(200);
    await runInbound(env.deps);
    ({ base, browser, close } = await browse(env.app));
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await close?.();
  });

  const shot = (page: Page, name: string) =>
    page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: true });

  it("signs in with the demo key, finds a member and reads their timeline, in both languages", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto(`${base}/console/customers`);
    expect(page.url()).toContain("/console/login?next=%2Fconsole%2Fcustomers");
    await shot(page, "login");

    await page.getByLabel("API key", { exact: true }).fill("tid_wrongwro_ngwrongwrongwrongwrongwrongwrong");
    await page.getByRole("button", { name: "Sign in" }).first().click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not valid");

    await page.getByLabel("API key", { exact: true }).fill(key);
    await page.getByRole("button", { name: "Sign in" }).first().click();
    await page.waitForURL(`${base}/console/customers`);
    const rows = page.locator("table tbody tr");
    expect(await rows.count()).toBe(50);

    // A spreadsheet with one bad row: the good row is stored, the bad one shown by line and column.
    await page.getByRole("link", { name: "Import a CSV file" }).click();
    await page.getByLabel("CSV file").setInputFiles({
      name: "new-members.csv",
      mimeType: "text/csv",
      buffer: Buffer.from("姓名,手机号,等级\r\n赵敏,13900139000,ordinary\r\n钱多,12345,silver\r\n"),
    });
    await page.getByRole("button", { name: "Import" }).click();
    await page.waitForURL(`${base}/console/customers/import`);
    const rejected = page.getByRole("table", { name: "Rejected rows" }).locator("tbody tr");
    expect(await rejected.count()).toBe(1);
    expect(await rejected.locator("td").allTextContents()).toEqual(["3", "手机号", expect.stringContaining("12345")]);
    await shot(page, "import");
    await page.goto(`${base}/console/customers`);

    await page.locator("#tier").selectOption("diamond");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/tier=diamond/);
    const diamond = await rows.count();
    expect(diamond).toBeGreaterThan(0);
    expect(diamond).toBeLessThan(50);
    for (const tier of await page.locator('td[data-label="Tier"]').allTextContents()) expect(tier).toBe("diamond");
    await shot(page, "customers");

    await rows.first().getByRole("link").click();
    await page.waitForURL(/\/console\/customers\/cus_/);
    await expect.poll(() => page.getByRole("heading", { name: "Timeline" }).isVisible()).toBe(true);
    expect((await page.locator("ol.timeline li").allTextContents()).join("\n")).toContain("Added");
    await shot(page, "customer");

    // A segment from form rows: the count follows as the rows are filled in.
    await page.getByRole("link", { name: "Groups" }).click();
    await page.locator("#field0").selectOption("tier");
    await page.locator("#op0").selectOption("in");
    await page.locator("#value0").fill("Gold, diamond");
    await expect.poll(() => page.getByTestId("count").textContent(), { timeout: 10_000 }).toMatch(/^[1-9]\d*$/);
    await shot(page, "groups");

    // A Chinese message of 77 characters: the preview updates as it is typed, to 2 segments.
    await page.getByRole("link", { name: "Templates" }).click();
    await page.getByRole("link", { name: "Write a new message" }).click();
    await page.getByLabel("Language", { exact: true }).selectOption("zh-CN");
    await page
      .getByLabel("Text", { exact: true })
      .fill(
        `{{name}}您好，您的会员卡已寄出，收到后请回复激活加卡号后四位。${"本店周末课程照常进行，欢迎预约。".repeat(3)}`,
      );
    await expect.poll(() => page.getByTestId("segments").textContent(), { timeout: 10_000 }).toBe("2");
    expect(await page.locator("pre.sms").textContent()).toContain("王芳您好");
    expect(page.url()).toBe(`${base}/console/templates/edit`); // no reload: the live preview
    await shot(page, "template");

    // Answer the member who wrote in; the item leaves the open list.
    await page.getByRole("link", { name: "Inbox" }).click();
    await expect.poll(() => page.locator("blockquote").first().textContent()).toBe("淋浴的水又是凉的");
    await page.getByLabel("Reply", { exact: true }).fill("抱歉，今天已经修好了。");
    await page.getByRole("button", { name: "Send reply" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Reply sent.");
    expect(await page.locator("blockquote").count()).toBe(0);
    await shot(page, "inbox");

    // A birthday campaign from the form; its forecast shows before anything is scheduled.
    await page.getByRole("link", { name: "Campaigns" }).click();
    await page.getByLabel("Offer in English messages").fill("a free smoothie");
    await page.getByLabel("Offer in 中文 messages").fill("鲜榨果汁一杯");
    await page.getByRole("button", { name: "Create and see the forecast" }).click();
    await page.waitForURL(/\/console\/campaigns\/cmp_/);
    const occurrences = page.getByRole("table").locator("tbody tr");
    expect(await occurrences.count()).toBeGreaterThan(0);
    expect(await occurrences.first().locator('td[data-label="Send times"]').textContent()).toMatch(/ 09:00 /);
    await shot(page, "campaign");
    await page.getByRole("button", { name: "Schedule" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Scheduled.");
    expect(await page.getByRole("img", { name: /^Planned/ }).count()).toBe(1);

    await page.getByRole("link", { name: "Home" }).click();
    await page.getByRole("link", { name: "中文" }).click();
    await page.waitForURL(`${base}/console`);
    await expect.poll(() => page.getByRole("heading", { name: "最近 7 天" }).isVisible()).toBe(true);
    await shot(page, "home");

    // On a phone screen the list folds into one column and stays usable.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/console/customers`);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shot(page, "customers-phone");

    await page.getByRole("button", { name: "退出" }).click();
    await page.waitForURL(`${base}/console/login`);
    await page.goto(`${base}/console`);
    expect(page.url()).toContain("/console/login");
    await context.close();
  }, 60_000);

  it("shows activation timing, runs keywords, settings, a one-off campaign, a customer edit and a saved template", async () => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000); // a missing element fails naming it, not at the test's timeout
    await page.goto(`${base}/console/login`);
    await page.getByLabel("API key", { exact: true }).fill(key);
    await page.getByRole("button", { name: "Sign in" }).first().click();
    await page.waitForURL(`${base}/console`);

    // Activation timing: the demo gym's kits, the p80 send day, and one courier's own chart.
    await page.getByRole("link", { name: "Activation timing" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/^Send the activation prompt on day \d+/);
    expect(await page.getByRole("img", { name: /^All shipments: \d+ samples/ }).count()).toBe(1);
    await page
      .getByRole("row", { name: /ZTO all regions/ })
      .getByRole("link", { name: "Chart" })
      .click();
    await expect.poll(() => page.getByRole("img", { name: /^ZTO · all regions/ }).count()).toBe(1);
    await shot(page, "activation");

    // A keyword from the form; it shows in the list with what it does.
    await page.getByRole("link", { name: "Keywords" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Join PT");
    await page.getByLabel("Words (comma between them)").fill("PT, 私教");
    await page.getByLabel("Reply with").fill("A trainer will call you today.");
    await page.getByLabel("Add to group").selectOption({ label: "02 · Personal Training" });
    await page.getByRole("button", { name: "Add keyword" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Saved.");
    expect(await page.getByRole("row", { name: /Join PT/ }).textContent()).toContain("adds to Personal Training");
    await shot(page, "keywords");

    // Settings: quiet hours move and a cap is set (the browser itself holds back a cap over 100).
    await page.getByRole("link", { name: "Settings" }).click();
    const cap = page.getByLabel("At most this many marketing messages per customer");
    await cap.fill("500");
    expect(await cap.evaluate((el) => (el as HTMLInputElement).validity.valid)).toBe(false);
    await page.getByLabel("…in this many days").fill("7");
    await page.getByLabel("At most this many marketing messages per customer").fill("2");
    await page.getByLabel("From", { exact: true }).fill("22:00");
    await page.getByRole("button", { name: "Save", exact: true }).first().click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Saved.");
    expect(await page.getByLabel("From", { exact: true }).inputValue()).toBe("22:00");
    await shot(page, "settings");

    // A one-off offer to a group, from its own tab of the campaign form, to its forecast.
    await page.getByRole("link", { name: "Campaigns" }).click();
    await page.getByRole("link", { name: "One-off" }).click();
    await page.getByLabel("Name", { exact: true }).fill("Yoga mats");
    await page.getByLabel("Audience").selectOption({ label: "01 · Morning Yoga" });
    await page
      .getByLabel("Template values, one per line: name=value")
      .fill("offer=a free mat\nvalidUntil=2026-12-31\nlink=gym.example");
    await shot(page, "campaign-form");
    await page.getByRole("button", { name: "Create and see the forecast" }).click();
    await page.waitForURL(/\/console\/campaigns\/cmp_/);
    expect(await page.getByRole("heading", { name: "Yoga mats" }).count()).toBe(1);
    expect(await page.locator('td[data-label="Audience"]').first().textContent()).toMatch(/^[1-9]\d*$/);

    // Edit a member from their profile.
    await page.getByRole("link", { name: "Customers" }).click();
    await page.locator("table tbody tr").first().getByRole("link").click();
    await page.getByText("Edit", { exact: true }).click();
    await page.getByLabel("Tags (comma between them)").fill("vip, 早课");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Saved.");
    expect(await page.locator("dl.facts").textContent()).toContain("vip, 早课");
    await shot(page, "customer-edit");

    // Save a template under a key; the list shows it as the workspace's own.
    await page.getByRole("link", { name: "Templates" }).click();
    await page.getByRole("link", { name: "Write a new message" }).click();
    await page.getByLabel("Text", { exact: true }).fill("{{name}}, the pool is closed on Monday.");
    await page.getByLabel("Name", { exact: true }).fill("Pool closed");
    await page.getByRole("button", { name: "Save template" }).click();
    await expect
      .poll(() => page.getByRole("status").textContent())
      .toMatch(/^Saved “Pool closed” \((English|中文)\), version 1\.$/);
    await page.getByRole("link", { name: "Templates" }).click();
    // (The list loads after the click: counted once it has, not while the form is still shown.)
    await page.waitForURL(`${base}/console/templates`);
    expect(await page.getByRole("link", { name: "Pool closed" }).count()).toBe(1);

    // Every form control on every page has a name a screen reader can say, and every chart a label.
    const pages = [
      "/console",
      "/console/customers",
      "/console/customers/import",
      "/console/groups",
      "/console/templates/edit",
    ];
    pages.push("/console/campaigns", "/console/activation", "/console/inbox", "/console/keywords", "/console/settings");
    for (const path of pages) {
      await page.goto(`${base}${path}`);
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll("input:not([type=hidden]), select, textarea, svg[role=img]")]
          .filter((el) => {
            const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute("aria-label");
            return !labelled && !el.getAttribute("aria-labelledby");
          })
          .map((el) => el.outerHTML.slice(0, 80)),
      );
      expect(unnamed, path).toEqual([]);
    }

    // The new pages on a phone: no sideways scrolling.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const path of [
      "/console/activation",
      "/console/keywords",
      "/console/settings",
      "/console/campaigns?kind=recurring",
    ]) {
      await page.goto(`${base}${path}`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    }
    await shot(page, "campaign-form-phone");
    await context.close();
  }, 60_000);
});
