import { type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

/** The sends of the built-in WeChat's account `appid` whose body contains `marker`. */
async function simulatedSends(page: Page, marker: string): Promise<number> {
  const state = await (await page.request.get("/sim/control/state")).json();
  return state.sends.filter((s: { request: unknown }) => JSON.stringify(s.request).includes(marker)).length;
}

const words = {
  en: {
    locale: "en-US",
    text: "Text",
    message: "Message text",
    oneTag: "One tag",
    tag: "Tag",
    send: "Send",
    confirm: "Confirm",
    also: "Also send to",
    audience: "Audience of 模拟服务号",
    lines: "Also sent once from each of these accounts",
    line: "模拟服务号: 842 followers of 金卡会员",
    took: "WeChat took the send",
    campaignLink: "See each account's send (campaign)",
    pageTitle: "Campaign",
    submitted: /Submitted|Finished/,
    mark: "Campaign",
  },
  zh: {
    locale: "zh-CN",
    text: "文本",
    message: "文本内容",
    oneTag: "按标签",
    tag: "标签",
    send: "发送",
    confirm: "确认",
    also: "同时发给",
    audience: "“模拟服务号”的受众",
    lines: "同时从这些公众号各发一次",
    line: "模拟服务号：标签“金卡会员”的 842 位粉丝",
    took: "微信已接受这次群发",
    campaignLink: "查看各公众号的群发（多账号群发）",
    pageTitle: "多账号群发",
    submitted: /已提交|已完成/,
    mark: "多账号群发",
  },
};

for (const [lang, w] of Object.entries(words)) {
  for (const size of [
    { width: 1366, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test.describe(`campaign (${lang}, ${size.width} px)`, () => {
      test.use({ locale: w.locale, viewport: size });

      test("an admin ticks the second account, confirms, and sees both sends on the campaign page", async ({ page }) => {
        const marker = `e2e-campaign-${lang}-${size.width}-${Date.now()}`;
        await logIn(page, admin.username, admin.password);
        await page.goto("/a/main/compose");
        await hydrated(page);
        await page.getByRole("radio", { name: w.text, exact: true }).check();
        await page.getByLabel(w.message).fill(marker);
        await page.getByRole("radio", { name: w.oneTag }).check();
        await page.getByLabel(w.tag, { exact: true }).selectOption("100");
        const also = page.getByRole("group", { name: w.also });
        await also.getByRole("checkbox", { name: "模拟服务号" }).check();
        await also.getByLabel(w.audience).selectOption("120");
        await also.screenshot({ path: `/tmp/campaign-compose-${lang}-${size.width}.png` });
        await page.getByRole("button", { name: w.send, exact: true }).click();
        const dialog = page.getByRole("dialog");
        await expect(dialog.getByRole("heading", { name: w.lines })).toBeVisible();
        await expect(dialog.getByRole("listitem").filter({ hasText: w.line })).toBeVisible();
        await dialog.screenshot({ path: `/tmp/campaign-confirm-${lang}-${size.width}.png` });
        await dialog.getByRole("button", { name: w.confirm }).click();
        await expect(page.getByRole("heading", { name: w.took })).toBeVisible();
        await page.getByRole("link", { name: w.campaignLink }).click();
        await expect(page).toHaveURL(/\/campaigns\/\d+$/);
        const rows = page.getByRole("row");
        await expect(rows.filter({ hasText: "模拟订阅号" }).getByText(w.submitted)).toBeVisible();
        await expect(rows.filter({ hasText: "模拟服务号" }).getByText(w.submitted)).toBeVisible();
        const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
        expect(wide, "nothing wider than the window").toBe(false);
        await page.screenshot({ path: `/tmp/campaign-page-${lang}-${size.width}.png`, fullPage: true });
        expect(await simulatedSends(page, marker)).toBe(1);

        // Each account's History marks its send and links to the campaign.
        const campaign = new URL(page.url()).pathname;
        await page.goto("/a/sim-2/sends");
        const row = page.getByRole("row").filter({ hasText: marker });
        await expect(row.getByRole("link", { name: w.mark, exact: true })).toHaveAttribute("href", campaign);
      });
    });
  }
}

test.describe("campaign without JavaScript", () => {
  test.use({ locale: "en-US", javaScriptEnabled: false });

  test("the same with plain forms", async ({ page }) => {
    const marker = `e2e-campaign-plain-${Date.now()}`;
    await logIn(page, admin.username, admin.password);
    await page.goto("/a/main/compose");
    await page.getByRole("radio", { name: "Text", exact: true }).check();
    await page.getByLabel("Message text").fill(marker);
    await page.getByRole("radio", { name: "One tag" }).check();
    await page.getByLabel("Tag", { exact: true }).selectOption("100");
    const also = page.getByRole("group", { name: "Also send to" });
    await also.getByRole("checkbox", { name: "模拟服务号" }).check();
    await also.getByLabel("Audience of 模拟服务号").selectOption("120");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect(page).toHaveURL(/\/compose\?attempt=/);
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByRole("listitem").filter({ hasText: "模拟服务号: 842 followers of 金卡会员" })).toBeVisible();
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(page).toHaveURL(/\/compose\?sent=\d+/);
    await page.getByRole("link", { name: "See each account's send (campaign)" }).click();
    await expect(page).toHaveURL(/\/campaigns\/\d+$/);
    await expect(page.getByRole("row").filter({ hasText: "模拟服务号" }).getByText(/Submitted|Finished/)).toBeVisible();
    await page.screenshot({ path: "/tmp/campaign-page-nojs.png", fullPage: true });
  });
});
