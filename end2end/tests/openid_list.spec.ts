import { type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

/** A text no other test sends, so the repeat warning never meets it. */
function unique(name: string): string {
  return `e2e-list-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/** The n-th follower of the built-in simulator's first account. */
function openid(n: number): string {
  return `oSIM${String(n).padStart(24, "0")}`;
}

const words = {
  en: {
    locale: "en-US",
    text: "Text",
    message: "Message text",
    list: "A list of followers",
    openids: "Followers' OpenIDs",
    file: "Or read a file (.txt or .csv)",
    check: "Check list",
    counted: "3 OpenIDs; 1 duplicates removed.",
    csvCounted: "2 OpenIDs; the first line is a header, skipped.",
    send: "Send",
    confirm: "Confirm",
    question: "Send to the 3 listed followers?",
    took: "WeChat took the send",
    calls: /1 call: 1 /,
    single: "A send to a list needs at least 2 OpenIDs (WeChat requires it). To reach one person, use Preview.",
  },
  zh: {
    locale: "zh-CN",
    text: "文本",
    message: "文本内容",
    list: "指定粉丝列表",
    openids: "粉丝 OpenID",
    file: "或从文件读入（.txt 或 .csv）",
    check: "检查名单",
    counted: "共 3 个 OpenID；去掉了 1 个重复的。",
    csvCounted: "共 2 个 OpenID；第一行是表头，已跳过。",
    send: "发送",
    confirm: "确认",
    question: "确认发送给指定的 3 位粉丝？",
    took: "微信已接受这次群发",
    calls: /1 次调用：1 次/,
    single: "按名单群发至少需要 2 个 OpenID（微信的要求）。只发给一个人，请用“预览”。",
  },
};

async function textToList(page: Page, w: (typeof words)["en"], text: string, list: string) {
  await page.getByRole("radio", { name: w.text, exact: true }).check();
  await page.getByLabel(w.message).fill(text);
  await page.getByRole("radio", { name: w.list }).check();
  await page.getByLabel(w.openids).fill(list);
}

async function noSidewaysScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
}

for (const [lang, w] of Object.entries(words)) {
  for (const size of [
    { width: 1366, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test.describe(`a list of followers (${lang}, ${size.width} px)`, () => {
      test.use({ locale: w.locale, viewport: size });

      test.beforeEach(async ({ page }) => {
        await logIn(page, admin.username, admin.password);
        await page.goto("/compose");
        await hydrated(page);
      });

      test("a pasted list is counted, confirmed and one History row", async ({ page }) => {
        const text = unique("paste");
        await textToList(page, w, text, [openid(1), openid(2), openid(1), openid(3)].join("\n"));
        await page.getByRole("button", { name: w.check }).click();
        await expect(page.getByRole("status").filter({ hasText: w.counted })).toBeVisible();
        await noSidewaysScroll(page);
        await page.screenshot({ path: `/tmp/list-compose-${lang}-${size.width}.png`, fullPage: true });
        await page.getByRole("button", { name: w.send, exact: true }).click();
        const dialog = page.getByRole("dialog", { name: w.question });
        await expect(dialog).toBeVisible();
        await dialog.getByRole("button", { name: w.confirm }).click();
        await expect(page.getByRole("heading", { name: w.took })).toBeVisible();

        await page.goto("/sends");
        const rows = page.getByRole("row").filter({ hasText: text });
        await expect(rows).toHaveCount(1);
        await expect(rows).toContainText(w.calls);
        await noSidewaysScroll(page);
        await page.screenshot({ path: `/tmp/list-history-${lang}-${size.width}.png`, fullPage: true });
      });

      test("a CSV file is read into the list", async ({ page }) => {
        await page.getByRole("radio", { name: w.list }).check();
        await page.getByLabel(w.file).setInputFiles({
          name: "followers.csv",
          mimeType: "text/csv",
          buffer: Buffer.from(`name,openid\n张三,${openid(4)}\n李四,${openid(5)}\n`),
        });
        await expect(page.getByLabel(w.openids)).toHaveValue(new RegExp(openid(5)));
        await page.getByRole("button", { name: w.check }).click();
        await expect(page.getByRole("status").filter({ hasText: w.csvCounted })).toBeVisible();
      });

      test("a single follower is refused in words", async ({ page }) => {
        await textToList(page, w, unique("one"), openid(1));
        await page.getByRole("button", { name: w.send, exact: true }).click();
        await expect(page.getByLabel(w.openids)).toHaveAccessibleDescription(new RegExp(w.single.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
        await expect(page.getByRole("dialog")).toHaveCount(0);
      });
    });
  }

  test(`without JavaScript a pasted list is sent (${lang})`, async ({ browser }) => {
    const context = await browser.newContext({ locale: w.locale, javaScriptEnabled: false });
    const page = await context.newPage();
    await logIn(page, admin.username, admin.password);
    await page.goto("/compose");
    const text = unique("plain");
    await textToList(page, w, text, [openid(6), openid(7), openid(6), openid(8)].join("\n"));
    await page.getByRole("button", { name: w.send, exact: true }).click();
    await expect(page.getByText(w.question)).toBeVisible();
    await page.getByRole("button", { name: w.confirm }).click();
    await expect(page.getByRole("heading", { name: w.took })).toBeVisible();
    await page.goto("/sends");
    await expect(page.getByRole("row").filter({ hasText: text })).toHaveCount(1);
    await context.close();
  });
}
