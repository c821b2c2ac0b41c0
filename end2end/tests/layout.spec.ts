import { type Browser, type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

// Time, language and layout as an editor sees them (issue 14): local times
// with the zone named, Chinese everywhere in the Chinese interface, no page
// wider than a phone, a phone header that leaves room for the page.

type Lang = "zh" | "en";
const locales: Record<Lang, string> = { zh: "zh-CN", en: "en-US" };
const phone = { width: 390, height: 844 };
const desktop = { width: 1366, height: 900 };

/** Sends made once for the whole file, through the compose page's server functions. */
const made: { text?: number; copyright?: number; refused?: number; admin?: number; lost?: number } = {};

async function post(page: Page, path: string, form: Record<string, string>) {
  const headers = { Accept: "application/json", Origin: new URL(page.url()).origin };
  const answer = await page.request.post(path, { form, headers });
  expect(answer.ok(), `${path}: ${await answer.text()}`).toBe(true);
  return answer.json();
}

/** One send through prepare_send and confirm_send; its id. */
async function send(page: Page, fields: Record<string, string>): Promise<number> {
  const id = `qf-e2e-layout-${Date.now() % 1e9}-${Math.floor(Math.random() * 1e6)}`;
  const form: Record<string, string> = { account: "main", "form[clientmsgid]": id, "form[audience]": "tag", "form[tag_id]": "102" };
  for (const [name, value] of Object.entries(fields)) form[`form[${name}]`] = value;
  await post(page, "/api/prepare_send", form);
  const result = await post(page, "/api/confirm_send", { account: "main", clientmsgid: id });
  return result.id;
}

async function makeSends(browser: Browser) {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await logIn(page, admin.username, admin.password);
  await expect(page).toHaveURL(/\/compose/);
  const run = Date.now();
  made.text = await send(page, { msgtype: "text", text_content: `e2e layout ${run}: a text with a long line ${"长".repeat(40)}` });
  made.refused = await send(page, { msgtype: "text", text_content: `[sim:errcode(48021)] e2e layout refused ${run}` });
  made.admin = await send(page, { msgtype: "text", text_content: `[sim:admin(89505,reject)] e2e layout admin ${run}` });
  made.lost = await send(page, { msgtype: "text", text_content: `[sim:lose] e2e layout lost ${run}` });
  // An article judged a reprint: its page has the originality check's
  // table. A draft no other browser test uses, since a send uses it up.
  const draft = "sim_draft_archive_0013";
  const queued = await page.request.post("/sim/control/scenario", { data: { scenario: "check(2)", endpoint: "sendall" } });
  expect(queued.ok()).toBe(true);
  made.copyright = await send(page, { msgtype: "mpnews", mpnews_media_id: draft, send_ignore_reprint: "1" });
  await page.goto(`/sends/${made.copyright}`);
  await expect(page.getByRole("table")).toBeVisible({ timeout: 10_000 });
  await context.close();
}

test.beforeAll(async ({ browser }) => {
  await makeSends(browser);
});

/** Every page of a signed-in admin, the send pages included. */
function pages(): string[] {
  return ["/compose", "/sends", `/sends/${made.copyright}`, `/sends/${made.text}`, `/sends/${made.refused}`, "/users", "/audit", "/settings", "/a/main/media", "/a/main/stats?days=90"];
}

const typeNames: Record<Lang, string[]> = {
  zh: ["图文", "文本", "语音", "图片", "视频", "卡券"],
  en: ["Article", "Text", "Voice", "Image", "Video", "Card"],
};

async function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** `YYYY-MM-DD HH:MM` of an instant in a zone, as the pages write it. */
function local(datetime: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(new Date(datetime));
  const p = (type: string) => parts.find((x) => x.type === type)?.value;
  return `${p("year")}-${p("month")}-${p("day")} ${p("hour")}:${p("minute")}`;
}

/** Every `<time>` on the page says its instant in `timeZone`, names the zone, and gives UTC on hover. */
async function expectLocalTimes(page: Page, timeZone: string, zoneName: string, atLeast: number) {
  const times = await page.locator("main time").evaluateAll((all) =>
    all.map((t) => ({ datetime: t.getAttribute("datetime") ?? "", title: t.getAttribute("title") ?? "", text: t.textContent ?? "" })),
  );
  expect(times.length, `<time> elements on ${page.url()}`).toBeGreaterThanOrEqual(atLeast);
  for (const t of times) {
    expect(t.datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/);
    expect(t.title).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC$/);
    expect(t.text).toContain(local(t.datetime, timeZone));
    expect(t.text).toContain(zoneName);
  }
  // No stored time shown raw.
  const text = await page.locator("main").innerText();
  expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  expect(text).not.toMatch(/\d\d:\d\d(:\d\d)? ?UTC/);
}

/** The pages with times, and how many `<time>` each has at least. */
function timedPages(): [string, number][] {
  return [["/users", 1], ["/audit", 5], ["/sends", 5], [`/sends/${made.copyright}`, 4], ["/settings", 2]];
}

test.describe("times in the editor's zone", () => {
  test("China time with a browser in Shanghai, in Chinese", async ({ browser }) => {
    const context = await browser.newContext({ locale: "zh-CN", timezoneId: "Asia/Shanghai" });
    const page = await context.newPage();
    await logIn(page, admin.username, admin.password);
    for (const [path, atLeast] of timedPages()) {
      await page.goto(path);
      await hydrated(page);
      await expectLocalTimes(page, "Asia/Shanghai", "北京时间", atLeast);
    }
    await context.close();
  });

  test("the browser's zone once the page runs, in English", async ({ browser }) => {
    const context = await browser.newContext({ locale: "en-US", timezoneId: "Europe/Berlin" });
    const page = await context.newPage();
    // The page first renders the server's China time, so hydration finds
    // what the server wrote.
    const complaints: string[] = [];
    page.on("console", (m) => {
      if (/hydrat/i.test(m.text())) complaints.push(m.text());
    });
    page.on("pageerror", (e) => complaints.push(e.message));
    await logIn(page, admin.username, admin.password);
    for (const [path, atLeast] of timedPages()) {
      await page.goto(path);
      await hydrated(page);
      await expect(page.locator("main time").first()).toContainText("Europe/Berlin");
      await expectLocalTimes(page, "Europe/Berlin", "Europe/Berlin", atLeast);
    }
    expect(complaints).toEqual([]);
    await context.close();
  });

  test("China time without JavaScript, wherever the browser is", async ({ browser }) => {
    for (const lang of ["zh", "en"] as Lang[]) {
      const context = await browser.newContext({ locale: locales[lang], timezoneId: "Europe/Berlin", javaScriptEnabled: false });
      const page = await context.newPage();
      await logIn(page, admin.username, admin.password);
      for (const [path, atLeast] of timedPages()) {
        await page.goto(path);
        await expectLocalTimes(page, "Asia/Shanghai", lang === "zh" ? "北京时间" : "China time", atLeast);
      }
      await context.close();
    }
  });
});

/** Words WeChat and the API name things by, allowed in the Chinese interface. */
const identifiers = [
  "msg_id", "msg_data_id", "clientmsgid", "media_id", "errcode", "access_token", "mass/get", "mass/delete", "sendall",
  "MASSSENDJOBFINISH", "Status", "API", "AppID", "Token", "URL", "UTC",
];

function englishLeft(text: string): string[] {
  let rest = text;
  // WeChat's own status strings, quoted as it sends them.
  rest = rest.replace(/“[^”]*”/g, " ");
  for (const id of identifiers) rest = rest.split(id).join(" ");
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

test.describe("one language at a time", () => {
  test("the Chinese send pages say their timeline in Chinese", async ({ browser }) => {
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    await logIn(page, admin.username, admin.password);
    for (const id of [made.text, made.copyright, made.refused, made.admin, made.lost]) {
      await page.goto(`/sends/${id}`);
      await hydrated(page);
      const timeline = page.getByRole("region", { name: "时间线" });
      await expect(timeline.getByRole("listitem").first()).toBeVisible();
      expect(englishLeft(await timeline.innerText()), `timeline of /sends/${id}`).toEqual([]);
      expect(englishLeft(await page.getByRole("region", { name: "操作" }).innerText()), `actions of /sends/${id}`).toEqual([]);
    }
    await context.close();
  });

  test("no English page says a word twice in a row", async ({ browser }) => {
    const context = await browser.newContext({ locale: "en-US" });
    const page = await context.newPage();
    await page.goto("/login");
    const paths = ["/login", ...pages(), `/sends/${made.admin}`, `/sends/${made.lost}`];
    await logIn(page, admin.username, admin.password);
    for (const path of paths) {
      if (path === "/login") continue;
      await page.goto(path);
      await hydrated(page);
      const words = await page.evaluate(() => {
        const skip = new Set(["SELECT", "OPTION", "PRE", "CODE", "SCRIPT", "STYLE"]);
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {
          acceptNode: (node) => {
            for (let e = node.parentElement; e; e = e.parentElement) if (skip.has(e.tagName)) return NodeFilter.FILTER_REJECT;
            return NodeFilter.FILTER_ACCEPT;
          },
        });
        const parts: string[] = [];
        while (walker.nextNode()) parts.push(walker.currentNode.textContent ?? "");
        return parts.join(" ");
      });
      const doubled = [...words.matchAll(/\b([A-Za-z]{2,})\s+\1\b/g)].map((m) => m[0]);
      expect(doubled, `doubled words on ${path}`).toEqual([]);
    }
    await context.close();
  });
});

test.describe("a phone's width", () => {
  for (const lang of ["zh", "en"] as Lang[]) {
    for (const size of [phone, desktop]) {
      test(`no page scrolls sideways at ${size.width} px, ${lang}`, async ({ browser }) => {
        const context = await browser.newContext({ locale: locales[lang], viewport: size });
        const page = await context.newPage();
        const wide: string[] = [];
        await page.goto("/login");
        if ((await sidewaysScroll(page)) > 0) wide.push(`/login ${await sidewaysScroll(page)}px`);
        await logIn(page, admin.username, admin.password);
        await expect(page).toHaveURL(/\/compose/);
        for (const path of pages()) {
          await page.goto(path);
          await hydrated(page);
          if (path === "/compose") {
            for (const name of typeNames[lang]) {
              await page.getByRole("radio", { name, exact: true }).check();
              const over = await sidewaysScroll(page);
              if (over > 0) wide.push(`/compose ${name} ${over}px`);
            }
          } else {
            const over = await sidewaysScroll(page);
            if (over > 0) wide.push(`${path} ${over}px`);
          }
        }
        expect(wide).toEqual([]);
        await context.close();
      });
    }

    test(`the phone header takes less than a quarter of the screen, ${lang}`, async ({ browser }) => {
      const context = await browser.newContext({ locale: locales[lang], viewport: phone });
      const page = await context.newPage();
      await logIn(page, admin.username, admin.password);
      for (const path of ["/compose", "/sends", "/settings"]) {
        await page.goto(path);
        await hydrated(page);
        const nav = page.getByRole("navigation", { name: lang === "zh" ? "主导航" : "Main" });
        await expect(nav.getByRole("link").first()).toBeVisible();
        const header = await page.locator("header").boundingBox();
        expect(header, "the header").not.toBeNull();
        expect(header!.height, `header height on ${path}`).toBeLessThan(phone.height / 4);
        // Every link of the navigation can be seen and reached.
        for (const link of await nav.getByRole("link").all()) await expect(link).toBeInViewport();
        // No word of the header's controls is broken over lines ("简体中文"
        // one character a line, "Log out" on two).
        const broken = await page.locator("header").evaluate((h) =>
          [...h.querySelectorAll("a, button")]
            .filter((e) => e.getClientRects().length > 1 || e.getBoundingClientRect().height > 2.4 * parseFloat(getComputedStyle(e).fontSize))
            .map((e) => (e as HTMLElement).innerText.replace(/\s+/g, " ")),
        );
        expect(broken, `header controls broken over lines on ${path}`).toEqual([]);
      }
      await context.close();
    });
  }
});
