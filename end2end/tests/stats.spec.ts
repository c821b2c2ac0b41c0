import { type Browser, type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

// Read figures (issue 19): a send's page shows each article's chart and the
// same numbers as a table once WeChat (the simulator) has figures and the
// fetcher has stored them; History's "Readers" column sorts by them.

type Lang = "zh" | "en";
const locales: Record<Lang, string> = { zh: "zh-CN", en: "en-US" };
const sizes = [
  { width: 1366, height: 900 },
  { width: 390, height: 844 },
];

const words = {
  en: {
    section: "Reads",
    chart: /^Readers, reads, sharers and favourites per day/,
    table: /figures per day$/,
    rate: /^Read rate: \d+\.\d %/,
    column: "Readers",
    sorted: "Sorted by readers, most first; sends without read figures are not listed.",
    byTime: "Newest first",
    mostRead: "Most read first",
  },
  zh: {
    section: "阅读数据",
    chart: /^每日阅读人数、阅读次数、分享人数和收藏人数/,
    table: /每日阅读数据$/,
    rate: /^阅读率：\d+\.\d%/,
    column: "阅读人数",
    sorted: "按阅读人数排序，最多的在前；没有阅读数据的群发不列出。",
    byTime: "最新的在前",
    mostRead: "阅读最多的在前",
  },
};

/**
 * A draft of the simulator's fixtures that no other spec sends: a send uses
 * its draft up.
 */
const DRAFT = "sim_draft_archive_0021";

/** The article send made once for the file, and the figures' wait. */
const made: { id?: number } = {};

async function post(page: Page, path: string, form: Record<string, string>) {
  const headers = { Accept: "application/json", Origin: new URL(page.url()).origin };
  const answer = await page.request.post(path, { form, headers });
  expect(answer.ok(), `${path}: ${await answer.text()}`).toBe(true);
  return answer.json();
}

/** The simulator's now (unix seconds), moved on by `advance`; its clock is the worker's and the fetcher's. */
async function simNow(page: Page, advance = 0): Promise<number> {
  const answer = await page.request.post("/sim/control/clock", { data: { advance_secs: advance } });
  expect(answer.ok()).toBe(true);
  return (await answer.json()).now;
}

/**
 * An article sent through Compose's server functions, finished by the
 * simulator; then its clock moves two days on, so WeChat has the figures of
 * the send's day (ready at 08:00 China time the next day), and the page
 * shows them once the fetcher has stored them.
 */
async function sendAndWaitForFigures(browser: Browser) {
  const context = await browser.newContext({ locale: "en-US" });
  const page = await context.newPage();
  await logIn(page, admin.username, admin.password);
  await expect(page).toHaveURL(/\/compose/);
  const id = `qf-e2e-stats-${Date.now() % 1e9}`;
  await post(page, "/api/prepare_send", {
    account: "main",
    "form[clientmsgid]": id,
    "form[msgtype]": "mpnews",
    "form[mpnews_media_id]": DRAFT,
    "form[audience]": "tag",
    "form[tag_id]": "102",
  });
  const result = await post(page, "/api/confirm_send", { account: "main", clientmsgid: id });
  made.id = result.id;
  await page.goto(`/a/main/sends/${made.id}`);
  await expect(page.locator(".state-finished").first()).toBeVisible({ timeout: 15_000 });
  // Finished, no figures yet: the page says when they come.
  await expect(page.getByRole("region", { name: "Reads", exact: true }).getByRole("status")).toContainText("No figures yet");

  await simNow(page, 2 * 24 * 3600);
  const section = page.getByRole("region", { name: "Reads", exact: true });
  await expect(async () => {
    await page.reload();
    await expect(section.locator("table.reads-table").first()).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 90_000, intervals: [1_000, 2_000, 3_000] });
  await context.close();
}

test.beforeAll(async ({ browser }) => {
  test.setTimeout(150_000);
  await sendAndWaitForFigures(browser);
});

async function noSidewaysScroll(page: Page, width: number) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(width);
}

for (const lang of ["en", "zh"] as Lang[]) {
  const w = words[lang];
  for (const size of sizes) {
    for (const javaScriptEnabled of [true, false]) {
      const how = javaScriptEnabled ? "hydrated" : "without JavaScript";
      test.describe(`read figures (${lang}, ${size.width} px, ${how})`, () => {
        test.use({ locale: locales[lang], viewport: size, javaScriptEnabled });

        test("a send's page shows the chart and the table after the simulator's clock moves two days", async ({ page }) => {
          await logIn(page, admin.username, admin.password);
          await page.goto(`/a/main/sends/${made.id}`);
          if (javaScriptEnabled) await hydrated(page);
          const section = page.getByRole("region", { name: w.section, exact: true });
          await expect(section).toBeVisible();
          const article = section.locator("article").first();
          await expect(article.getByRole("img", { name: w.chart })).toBeVisible();
          const table = article.getByRole("table", { name: w.table });
          await expect(table).toBeVisible();
          // The send's day at least, and a total of readers.
          const rows = table.locator("tbody tr");
          expect(await rows.count()).toBeGreaterThanOrEqual(1);
          await expect(rows.first().locator("td").first()).toHaveText(/^([\d,]+|—)$/);
          await expect(table.locator("tfoot td").first()).toHaveText(/^[\d,]+$/);
          await expect(article.getByText(w.rate)).toBeVisible();
          await section.scrollIntoViewIfNeeded();
          await noSidewaysScroll(page, size.width);
          await section.screenshot({ path: `test-results/stats-send-${lang}-${size.width}${javaScriptEnabled ? "" : "-nojs"}.png` });
        });

        test("the History column sorts by reads", async ({ page }) => {
          await logIn(page, admin.username, admin.password);
          await page.goto("/a/main/sends");
          if (javaScriptEnabled) await hydrated(page);
          const row = page.locator(`tr[data-send='${made.id}']`);
          await expect(row.locator("td.reads-col")).toHaveText(/^[\d,]+$/);
          if (size.width > 400) {
            // The column's header is the link on a wide screen…
            await page.getByRole("columnheader", { name: w.column, exact: true }).getByRole("link").click();
          } else {
            // …a phone shows each row as a card, without the header row.
            await page.getByRole("navigation", { name: lang === "en" ? "Order" : "排序" }).getByRole("link", { name: w.mostRead, exact: true }).click();
          }
          await expect(page).toHaveURL(/\/a\/main\/sends\?sort=reads$/);
          await expect(page.getByText(w.sorted)).toBeVisible();
          await expect(page.getByRole("columnheader", { name: w.column, exact: true })).toHaveAttribute("aria-sort", "descending");
          await expect(page.getByRole("link", { name: w.mostRead, exact: true })).toHaveAttribute("aria-current", "page");
          // Most read first; every row has figures.
          const counts = (await page.locator("td.reads-col").allTextContents()).map((t) => Number(t.replace(/,/g, "")));
          expect(counts.length).toBeGreaterThanOrEqual(1);
          expect(counts.every((n) => Number.isFinite(n))).toBe(true);
          expect([...counts].sort((a, b) => b - a)).toEqual(counts);
          await expect(page.locator(`tr[data-send='${made.id}']`)).toBeVisible();
          if (javaScriptEnabled) {
            // The sorted page keeps refreshing itself in its order.
            await page.waitForResponse((r) => r.url().endsWith("/api/list_sends"));
            await expect(page.locator(`tr[data-send='${made.id}']`)).toBeVisible();
          }
          await noSidewaysScroll(page, size.width);
          await page.screenshot({ path: `test-results/stats-history-${lang}-${size.width}${javaScriptEnabled ? "" : "-nojs"}.png` });
          await page.getByRole("link", { name: w.byTime, exact: true }).click();
          await expect(page).toHaveURL(/\/a\/main\/sends$/);
        });
      });
    }
  }
}
