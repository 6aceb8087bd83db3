// A gym owner's day in a real browser (Debian's Chromium through playwright-core), on a desktop
// (1280×800) and a phone (390×844), in English and 中文: import members from the files their
// spreadsheet saves, add one, put some in a group, build a segment, write a template, set up a
// birthday campaign with an offer per language, schedule it, try replies, answer the inbox, add
// a keyword, move quiet hours. Every page of the walk is checked as a person would meet it: no
// page error and no console error, no code or internal id in the visible text, every time with
// its zone, nothing wider than the phone. Screenshots go to test/screenshots/walk/ (not
// committed) for a person to look at.
import { mkdirSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../src/demo/seed";
import { runDispatch } from "../src/jobs/dispatch";
import { runInbound } from "../src/jobs/inbound";
import { browse, chromiumPresent } from "./chromium";
import { codesIn } from "./console-helpers";
import type { TestEnv } from "./harness";
import { setup } from "./helpers";

const SHOTS = new URL("./screenshots/walk/", import.meta.url);

const VIEWS = [
  { name: "desktop", viewport: { width: 1280, height: 800 } },
  { name: "phone", viewport: { width: 390, height: 844 } },
] as const;
const LANGS = [
  { lang: "en", locale: "en-US" },
  { lang: "zh-CN", locale: "zh-CN" },
] as const;

// A time of day a person reads must say whose clock: a line with "08:00" names its zone
// ("GMT+8", "UTC" or an IANA zone such as Asia/Shanghai).
const TIME = /\b\d{1,2}:\d{2}\b/;
const ZONE = /\b(GMT|UTC)|\b[A-Z][a-z]+\/[A-Z]/;
// Text that is a message's own words (an SMS, a reply), not the console's: its times are the
// customer's, as the message says them.
const MESSAGE_TEXT = "pre.sms, blockquote, .sms-text";

describe.runIf(chromiumPresent)("a day's work in the console, on a desktop and a phone, in both languages", () => {
  let browser: Browser;
  let base: string;
  let key: string;
  let env: TestEnv;
  let close: () => Promise<void>;

  beforeAll(async () => {
    env = setup();
    key = (await seedDemo(env.deps)).apiKey;
    ({ base, browser, close } = await browse(env.app));
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await close?.();
  });

  /** Signs in and returns the page, with every page error and console error it meets collected. */
  async function open(view: (typeof VIEWS)[number], l: (typeof LANGS)[number]) {
    const context = await browser.newContext({
      viewport: view.viewport,
      locale: l.locale,
      extraHTTPHeaders: { "accept-language": l.locale },
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console error: ${m.text()} at ${page.url()}`);
    });
    await page.goto(`${base}/console/login`);
    await page.locator("input[name=key]").fill(key);
    await page.locator("form[action='/console/login/key'] button[type=submit]").click();
    await page.waitForURL(`${base}/console`);
    return { page, problems, context };
  }

  /** What a person meets on the page: no code-like token, times with zones, no sideways scroll. */
  async function look(page: Page, view: (typeof VIEWS)[number], name: string) {
    const where = `${view.name} ${name} ${page.url()}`;
    const html = await page.content();
    expect(codesIn(html), where).toEqual([]);
    const text = await page.evaluate((skip) => {
      const hidden = [...document.querySelectorAll<HTMLElement>(skip)];
      for (const el of hidden) el.style.display = "none";
      const out = document.body.innerText;
      for (const el of hidden) el.style.display = "";
      return out;
    }, MESSAGE_TEXT);
    const unzoned = text.split("\n").filter((line) => TIME.test(line) && !ZONE.test(line));
    expect(unzoned, where).toEqual([]);
    if (view.name === "phone") {
      expect(await page.evaluate(() => document.documentElement.scrollWidth), where).toBeLessThanOrEqual(390);
    }
    await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: view.name === "desktop" });
  }

  for (const view of VIEWS) {
    for (const l of LANGS) {
      it(`walks every page on a ${view.name} in ${l.lang}`, async () => {
        const { page, problems, context } = await open(view, l);
        const customer = await page.evaluate(async () => {
          const res = await fetch("/console/customers");
          return /href="(\/console\/customers\/cus_\w+)"/.exec(await res.text())?.[1] ?? "";
        });
        const paths = [
          ["home", "/console"],
          ["customers", "/console/customers"],
          ["customer", customer],
          ["birthdays", "/console/customers?view=birthdays_tomorrow"],
          ["import", "/console/customers/import"],
          ["groups", "/console/groups"],
          ["templates", "/console/templates"],
          ["editor", "/console/templates/edit?key=birthday_greeting&locale=zh-CN"],
          ["campaigns", "/console/campaigns"],
          ["activation", "/console/activation"],
          ["inbox", "/console/inbox"],
          ["keywords", "/console/keywords"],
          ["settings", "/console/settings"],
        ];
        for (const [name, path] of paths) {
          await page.goto(`${base}${path}`);
          await look(page, view, `${l.lang}-${view.name}-${name}`);
        }
        expect(problems).toEqual([]);
        await context.close();
      }, 120_000);
    }
  }

  it("does a gym owner's tasks, on a desktop in English and a phone in 中文", async () => {
    const desktop = VIEWS[0];
    const { page, problems, context } = await open(desktop, LANGS[0]);
    const shot = (name: string) => look(page, desktop, `task-${name}`);

    // Import: a GBK file from Chinese Excel and a semicolon file, through the import page.
    const gbk = Buffer.from(
      "d0d5c3fb2ccad6bbfabac52cb5c8bcb60d0ad5d4c3f42c31333930303133393030302c676f6c640d0a",
      "hex",
    );
    for (const [name, buffer] of [
      ["excel-gbk.csv", gbk],
      ["semicolons.csv", Buffer.from("name;phone;tier\nLena Ford;+447911100200;silver\n")],
    ] as const) {
      await page.goto(`${base}/console/customers/import`);
      await page.locator("input[type=file]").setInputFiles({ name, mimeType: "text/csv", buffer });
      await page.locator("form button[type=submit]").last().click();
      await page.waitForURL(`${base}/console/customers/import`);
      await expect.poll(() => page.locator("main").innerText()).toMatch(/Created\s*1/);
      await shot(`import-${name}`);
    }

    // Add one customer; the profile opens.
    await page.goto(`${base}/console/customers`);
    await page.locator("summary", { hasText: "Add a customer" }).click();
    await page.getByLabel("Name", { exact: true }).first().fill("Walk Tester");
    await page.locator("#a-phone").fill("139 0013 9555");
    await page.locator("#a-locale").selectOption("en");
    await page.getByRole("button", { name: "Add a customer" }).click();
    await page.waitForURL(/\/console\/customers\/cus_/);
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Added.");
    const profile = page.url();
    await shot("added");

    // Select two on the list and put them in Morning Yoga with a tag.
    await page.goto(`${base}/console/customers?sort=name`);
    const boxes = page.locator('#bulk input[name="ids"]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.locator("#bulk-group").selectOption({ label: "01 · Morning Yoga" });
    await page.locator("#bulk-tag").fill("walk");
    await page.getByRole("button", { name: "Add to group / tag" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Done for 2 customers.");
    await shot("bulk");

    // A segment from the picker, with the count as it is built.
    await page.goto(`${base}/console/groups`);
    await page.locator("#field0").selectOption({ label: "Tier" });
    await page.locator("#op0").selectOption({ label: "is" });
    await page.locator("#value0").fill("Gold");
    await expect.poll(() => page.getByTestId("count").textContent(), { timeout: 10_000 }).toMatch(/^[1-9]\d*$/);
    await page.locator("#segment-name").fill("Gold members");
    await page.getByRole("button", { name: "Save as segment" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Saved.");
    await shot("segment");

    // A template with sample values, saved by its name.
    await page.goto(`${base}/console/templates/edit`);
    await page.getByLabel("Text", { exact: true }).fill("{{firstName}}, {{offer}} this Friday only.");
    await page.getByLabel("Sample values").fill("offer = a free class");
    await expect.poll(() => page.locator("pre.sms").textContent(), { timeout: 10_000 }).toContain("a free class");
    await page.locator("#title").fill("Friday offer");
    await page.getByRole("button", { name: "Save template" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/^Saved “Friday offer”/);
    await shot("template");

    // A birthday campaign with an offer per language; its forecast, then scheduled.
    await page.goto(`${base}/console/campaigns`);
    await page.getByLabel("Offer in English messages").fill("a free smoothie");
    await page.getByLabel("Offer in 中文 messages").fill("鲜榨果汁一杯");
    await page.getByRole("button", { name: "Create and see the forecast" }).click();
    await page.waitForURL(/\/console\/campaigns\/cmp_/);
    await shot("forecast");
    await page.getByRole("button", { name: "Schedule" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Scheduled.");

    // A reply tried from the new customer's profile: a keyword answer shows on the timeline.
    await page.goto(profile);
    await page.locator("summary", { hasText: "Try a reply from this customer" }).click();
    await page.locator("#sim-text").fill("HELP");
    await page.getByRole("button", { name: "Receive it" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toMatch(/^Received “HELP”/);
    await runInbound(env.deps);
    await runDispatch(env.deps);
    await page.reload();
    await expect.poll(() => page.locator("ol.timeline").innerText()).toContain("Texted in");
    await shot("simulated");

    // A complaint the same way; answered from the inbox, it leaves the open list.
    await page.locator("summary", { hasText: "Try a reply from this customer" }).click();
    await page.locator("#sim-text").fill("The shower is cold again");
    await page.getByRole("button", { name: "Receive it" }).click();
    await runInbound(env.deps);
    await page.goto(`${base}/console/inbox`);
    const item = page.locator("ol.timeline li", { hasText: "The shower is cold again" });
    await item.getByLabel("Reply", { exact: true }).fill("Sorry, it is fixed today.");
    await item.getByRole("button", { name: "Send reply" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Reply sent.");
    expect(await page.locator("ol.timeline li", { hasText: "The shower is cold again" }).count()).toBe(0);
    await shot("inbox");

    // A keyword, and quiet hours moved.
    await page.goto(`${base}/console/keywords`);
    await page.locator("#kw-name").fill("Walk");
    await page.locator("#kw-words").fill("WALK");
    await page.locator("#kw-reply").fill("See you at the gym!");
    await page.getByRole("button", { name: "Add keyword" }).click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Saved.");
    await page.goto(`${base}/console/settings`);
    await page.getByLabel("Until", { exact: true }).fill("07:00");
    await page.getByRole("button", { name: "Save", exact: true }).first().click();
    await expect.poll(() => page.getByRole("status").textContent()).toBe("Saved.");
    await shot("settings");
    expect(problems).toEqual([]);
    await context.close();

    // The same on a phone in 中文: add a customer and try a reply.
    const phone = VIEWS[1];
    const zh = await open(phone, LANGS[1]);
    await zh.page.goto(`${base}/console/customers`);
    await zh.page.locator("summary", { hasText: "添加客户" }).click();
    await zh.page.locator("#a-name").fill("手机测试");
    await zh.page.locator("#a-phone").fill("13900139666");
    await zh.page.getByRole("button", { name: "添加客户" }).click();
    await zh.page.waitForURL(/\/console\/customers\/cus_/);
    await zh.page.locator("summary", { hasText: "模拟这位客户的回复" }).click();
    await zh.page.locator("#sim-text").fill("TD");
    await zh.page.getByRole("button", { name: "模拟接收" }).click();
    await expect.poll(() => zh.page.getByRole("status").textContent()).toMatch(/^已收到“TD”/);
    await runInbound(env.deps);
    await zh.page.reload();
    await expect.poll(() => zh.page.locator("dl.facts").innerText()).toContain("已退订");
    await look(zh.page, phone, "task-zh-phone-simulated");
    expect(zh.problems).toEqual([]);
    await zh.context.close();
  }, 180_000);
});
