import { type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

/** A text or name no other test uses. */
function unique(name: string): string {
  return `e2e-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

const words = {
  en: {
    locale: "en-US",
    accounts: "Accounts",
    simulatedHeading: "Add a simulated account",
    name: "Name",
    kind: "Kind",
    addSimulated: "Add a simulated account",
    saved: /^Account (sim-\d+) saved and at work\./,
    text: "Text",
    message: "Message text",
    oneTag: "One tag",
    tag: "Tag",
    send: "Send",
    confirm: "Confirm",
    took: "WeChat took the send",
    addHeading: "Add an account",
    shortName: "Short name (in its URLs; it never changes later)",
    tokenSource: "Token source",
    fixedToken: "Fixed access token",
    add: "Add",
    appidWords: "An AppID is 18 letters and digits starting with wx",
    notSaved: "Not saved: correct the fields marked below.",
    check: "Check AppID and secret",
    checked: (slug: string) => `Account ${slug}: `,
  },
  zh: {
    locale: "zh-CN",
    accounts: "公众号",
    simulatedHeading: "添加模拟公众号",
    name: "名称",
    kind: "类型",
    addSimulated: "添加模拟公众号",
    saved: /^已保存公众号 (sim-\d+)，已生效。/,
    text: "文本",
    message: "文本内容",
    oneTag: "按标签",
    tag: "标签",
    send: "发送",
    confirm: "确认",
    took: "微信已接受这次群发",
    addHeading: "添加公众号",
    shortName: "短名（用于网址，之后不能修改）",
    tokenSource: "access_token 来源",
    fixedToken: "固定的 access_token",
    add: "添加",
    appidWords: "AppID 是以 wx 开头的 18 个字母和数字",
    notSaved: "未保存：请修改标出的字段。",
    check: "检查 AppID 和密钥",
    checked: (slug: string) => `公众号 ${slug}：`,
  },
};

type Words = (typeof words)["en"];

/** Adds a simulated account from /accounts; its slug. */
async function addSimulated(page: Page, w: Words, name: string): Promise<string> {
  const form = page.locator("section.add-simulated");
  await expect(form.getByRole("heading", { name: w.simulatedHeading })).toBeVisible();
  await form.getByLabel(w.name).fill(name);
  await form.getByLabel(w.kind).selectOption("service");
  await form.getByRole("button", { name: w.addSimulated }).click();
  const status = page.getByRole("status").filter({ hasText: w.saved });
  await expect(status).toBeVisible();
  const slug = (await status.innerText()).match(w.saved)![1];
  await expect(page.getByRole("row").filter({ hasText: name })).toBeVisible();
  return slug;
}

for (const [lang, w] of Object.entries(words)) {
  for (const size of [
    { width: 1366, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test.describe(`accounts (${lang}, ${size.width} px)`, () => {
      test.use({ locale: w.locale, viewport: size });

      test("an admin adds a simulated account and sends from it; only its history shows the send", async ({ page }) => {
        await logIn(page, admin.username, admin.password);
        await page.goto("/a/main/compose");
        await hydrated(page);
        await page.getByRole("navigation").getByRole("link", { name: w.accounts, exact: true }).click();
        await expect(page).toHaveURL(/\/accounts$/);
        await hydrated(page);
        const name = unique("sim");
        const slug = await addSimulated(page, w, name);
        await page.locator("table.accounts").screenshot({ path: `/tmp/admin-accounts-${lang}-${size.width}.png` });
        const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
        expect(wide, "nothing wider than the window").toBe(false);
        await page
          .getByRole("row")
          .filter({ hasText: name })
          .screenshot({ path: `/tmp/admin-row-${lang}-${size.width}.png` });
        // The result offers "Check": WeChat (here the simulator) takes the new account's AppSecret.
        await page.getByRole("status").filter({ hasText: w.saved }).getByRole("button", { name: w.check }).click();
        await expect(page.locator("p.ok").filter({ hasText: w.checked(slug) })).toBeVisible();

        await page.goto(`/a/${slug}/compose`);
        await hydrated(page);
        const text = unique("from-new-account");
        await page.getByRole("radio", { name: w.text, exact: true }).check();
        await page.getByLabel(w.message).fill(text);
        await page.getByRole("radio", { name: w.oneTag }).check();
        await page.getByLabel(w.tag, { exact: true }).selectOption("120");
        await page.getByRole("button", { name: w.send, exact: true }).click();
        await page.getByRole("dialog").getByRole("button", { name: w.confirm }).click();
        await expect(page.getByRole("heading", { name: w.took })).toBeVisible();

        await page.goto(`/a/${slug}/sends`);
        await expect(page.getByText(text)).toBeVisible();
        await page.screenshot({ path: `/tmp/admin-history-${lang}-${size.width}.png` });
        await page.goto("/a/main/sends");
        await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
        await expect(page.getByText(text)).toHaveCount(0);
      });
    });
  }

  test.describe(`accounts without JavaScript (${lang})`, () => {
    test.use({ locale: w.locale, javaScriptEnabled: false, viewport: { width: 390, height: 844 } });

    test("the add form says what is wrong beside the field, then adds the account", async ({ page }) => {
      await logIn(page, admin.username, admin.password);
      await page.goto("/accounts");
      const form = page.locator("section.add-account");
      await expect(form.getByRole("heading", { name: w.addHeading })).toBeVisible();
      const slug = `e2e-${Date.now() % 1e9}`;
      const appid = `wx${String(Date.now()).padStart(16, "0")}`;
      await form.getByLabel(w.name, { exact: true }).fill(`E2E ${slug}`);
      await form.getByLabel(w.shortName).fill(slug);
      await form.getByLabel("AppID").fill("wx1");
      await form.getByLabel(w.tokenSource).selectOption("fixed");
      await form.getByLabel(w.fixedToken).fill("e2e-fixed-token");
      await form.getByRole("button", { name: w.add, exact: true }).click();

      await expect(page.getByText(w.notSaved)).toBeVisible();
      const appidField = page.locator("section.add-account").getByLabel("AppID");
      await expect(appidField).toHaveAccessibleDescription(new RegExp(w.appidWords));
      // What is not secret comes back; the token does not.
      await expect(page.locator("section.add-account").getByLabel(w.shortName)).toHaveValue(slug);
      await expect(page.locator("section.add-account").getByLabel(w.fixedToken)).toHaveValue("");
      await appidField.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `/tmp/admin-refused-nojs-${lang}.png` });

      const again = page.locator("section.add-account");
      await again.getByLabel("AppID").fill(appid);
      await again.getByLabel(w.fixedToken).fill("e2e-fixed-token");
      await again.getByRole("button", { name: w.add, exact: true }).click();
      await expect(page).toHaveURL(new RegExp(`/accounts\\?saved=${slug}$`));
      await expect(page.getByRole("row").filter({ hasText: appid })).toBeVisible();

      const name = unique("sim-nojs");
      const sim = page.locator("section.add-simulated");
      await sim.getByLabel(w.name).fill(name);
      await sim.getByRole("button", { name: w.addSimulated }).click();
      await expect(page.getByRole("status").filter({ hasText: w.saved })).toBeVisible();
      await expect(page.getByRole("row").filter({ hasText: name })).toBeVisible();
    });
  });
}
