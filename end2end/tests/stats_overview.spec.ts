import { admin, hydrated, logIn, expect, test } from "./helpers";

// The account overview: reached from the navigation, its 30/90-day choice
// as plain links, in both languages, on a desktop and a phone, with and
// without JavaScript. Figures need the fetcher and the simulator's
// datacube (the send page's spec follows that chain); here the page shows
// whatever the run's sends left: nothing yet (the empty state in words) or
// sends without figures, or, after the whole suite, its tables.

const words = {
  zh: {
    locale: "zh-CN",
    nav: "数据",
    title: "数据",
    last30: "最近 30 天",
    last90: "最近 90 天",
    summary30: /最近 30 天内(微信接收的图文群发：[\d,]+ 次|没有图文群发)/,
    summary90: /最近 90 天内(微信接收的图文群发：[\d,]+ 次|没有图文群发)/,
    empty: /最近 30 天内没有图文群发|还没有阅读数据|群发排行|按消息类型/,
  },
  en: {
    locale: "en-US",
    nav: "Statistics",
    title: "Statistics",
    last30: "Last 30 days",
    last90: "Last 90 days",
    summary30: /Article sends WeChat took in the last 30 days: [\d,]+|No article sends in the last 30 days/,
    summary90: /Article sends WeChat took in the last 90 days: [\d,]+|No article sends in the last 90 days/,
    empty: /No article sends in the last 30 days|No figures yet|Sends ranked|By message type/,
  },
};

for (const [lang, w] of Object.entries(words)) {
  for (const size of [
    { width: 1366, height: 900 },
    { width: 390, height: 844 },
  ]) {
    for (const javaScriptEnabled of [true, false]) {
      const how = javaScriptEnabled ? "with" : "without";
      test.describe(`account overview (${lang}, ${size.width} px, ${how} JavaScript)`, () => {
        test.use({ locale: w.locale, viewport: size, javaScriptEnabled });

        test("is reached from the navigation and switches between 30 and 90 days", async ({ page }) => {
          await logIn(page, admin.username, admin.password);
          await page.goto("/a/main/sends");
          if (javaScriptEnabled) await hydrated(page);
          const nav = page.getByRole("navigation", { name: lang === "zh" ? "主导航" : "Main" });
          await nav.getByRole("link", { name: w.nav, exact: true }).click();
          await expect(page).toHaveURL(/\/a\/main\/stats$/);
          await expect(page.getByRole("heading", { level: 1, name: w.title })).toBeVisible();
          const period = page.getByRole("navigation", { name: lang === "zh" ? "时间范围" : "Period" });
          await expect(period.getByText(w.last30)).toHaveAttribute("aria-current", "page");
          await expect(page.getByText(w.summary30)).toBeVisible();
          await expect(page.getByText(w.empty).first()).toBeVisible();
          const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
          expect(wide, "nothing wider than the window").toBe(false);
          await page.screenshot({ path: `/tmp/overview-${lang}-${size.width}-${how}js-30.png`, fullPage: true });

          await period.getByRole("link", { name: w.last90 }).click();
          await expect(page).toHaveURL(/\/a\/main\/stats\?days=90$/);
          await expect(page.getByText(w.summary90)).toBeVisible();
          await expect(period.getByText(w.last90)).toHaveAttribute("aria-current", "page");
          await expect(period.getByRole("link", { name: w.last30 })).toBeVisible();
          const wider = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
          expect(wider, "nothing wider than the window").toBe(false);
          await page.screenshot({ path: `/tmp/overview-${lang}-${size.width}-${how}js-90.png`, fullPage: true });
        });
      });
    }
  }
}
