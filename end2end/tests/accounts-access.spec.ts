import { type Browser, type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

// Several accounts as people see them (issue 16). The e2e console runs the
// built-in simulator, so it has two accounts: `main` 模拟订阅号 (tags such
// as 内测用户) and `sim-2` 模拟服务号 (tags such as 金卡会员).

const main = { slug: "main", name: "模拟订阅号", tag: "内测用户 (12 followers)" };
const second = { slug: "sim-2", name: "模拟服务号", tag: "金卡会员 (842 followers)" };
const phone = { width: 390, height: 844 };

const origin = () => new URL(process.env.BASE_URL ?? "http://127.0.0.1:3100").origin;
const json = () => ({ Accept: "application/json", Origin: origin() });

/** A signed-in page in its own browser context. */
async function signedIn(browser: Browser, username: string, password: string, options: { locale?: string; javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {}) {
  const context = await browser.newContext({ locale: "en-US", ...options });
  const page = await context.newPage();
  await logIn(page, username, password);
  await expect(page).not.toHaveURL(/\/login/);
  return { context, page };
}

/** Adds an editor through the users page's server function; with two accounts they may use none yet. */
async function addEditor(page: Page, username: string, password: string) {
  const added = await page.request.post("/api/add_user", { form: { username, password, role: "editor" }, headers: json() });
  expect(added.ok(), await added.text()).toBe(true);
}

/** Fills a text send to one tag on the (hydrated) compose page and opens its confirmation. */
async function prepareText(page: Page, text: string, tag: string) {
  await page.getByRole("radio", { name: "Text" }).check();
  await page.getByLabel("Message text").fill(text);
  await page.getByRole("radio", { name: "One tag" }).check();
  await page.getByLabel("Tag", { exact: true }).selectOption({ label: tag });
  await page.getByRole("button", { name: "Send", exact: true }).click();
}

/** Sends a text from an account's compose page; the send's id. */
async function sendText(page: Page, account: { slug: string; tag: string }, text: string): Promise<string> {
  await page.goto(`/a/${account.slug}/compose`);
  await hydrated(page);
  await prepareText(page, text, account.tag);
  await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
  await expect(page.getByRole("heading", { name: "WeChat took the send" })).toBeVisible();
  const href = await page.getByRole("link", { name: "See this send's details" }).getAttribute("href");
  const id = href?.match(new RegExp(`^/a/${account.slug}/sends/(\\d+)$`))?.[1];
  expect(id, `the detail link ${href}`).toBeTruthy();
  return id!;
}

test.describe("who may use which account", () => {
  test("an editor granted only sim-2 on the users page sees only sim-2, and main's pages are not found, in both languages", async ({ page, browser }) => {
    await logIn(page, admin.username, admin.password);
    const marker = `e2e-grants-main-${Date.now()}`;
    const mainSend = await sendText(page, main, marker);

    const editor = `grant${Date.now() % 1e7}`;
    await addEditor(page, editor, "editor-password-1");
    await page.goto("/users");
    await hydrated(page);
    const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: editor, exact: true }) });
    await expect(row).toContainText("Can use no account yet");
    // An admin's own row says admins use every account.
    const adminRow = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: admin.username, exact: true }) });
    await expect(adminRow).toContainText("Admins use every account");
    await expect(adminRow.getByRole("button", { name: /^Grant/ })).toHaveCount(0);

    await row.getByRole("button", { name: `Grant ${second.name} to ${editor}` }).click();
    await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
    await expect(row).not.toContainText("Can use no account yet");
    await expect(row.getByRole("listitem").filter({ hasText: second.name })).toContainText("Can use");
    await expect(row.getByRole("listitem").filter({ hasText: main.name })).toContainText("Cannot use");
    await expect(row.getByRole("button", { name: `Revoke ${second.name} from ${editor}` })).toBeVisible();
    await expect(row.getByRole("button", { name: `Grant ${main.name} to ${editor}` })).toBeVisible();

    for (const [locale, notFound, nav] of [
      ["en-US", "There is no such account here, or it is not yours to use.", "Main"],
      ["zh-CN", "找不到这个公众号，或您没有使用它的权限。", "主导航"],
    ]) {
      const { context, page: theirs } = await signedIn(browser, editor, "editor-password-1", { locale });
      // The old address lands on the only account they may use.
      await expect(theirs).toHaveURL(`/a/${second.slug}/compose`);
      await hydrated(theirs);
      const header = theirs.locator("header");
      await expect(header).toContainText(second.name);
      await expect(header.getByRole("navigation", { name: /^(Switch account|切换公众号)$/ })).toHaveCount(0);
      await expect(header.locator("summary")).toHaveCount(0);
      await expect(theirs.getByText(main.name)).toHaveCount(0);
      await expect(theirs.getByLabel(/^(Tag|标签)$/).getByRole("option", { name: /^金卡会员/ })).toHaveCount(1);
      await expect(theirs.getByLabel(/^(Tag|标签)$/).getByRole("option", { name: /^内测用户/ })).toHaveCount(0);

      for (const path of [`/a/${main.slug}/sends/${mainSend}`, `/a/${main.slug}/compose`, `/a/${main.slug}/sends`]) {
        const answer = await theirs.goto(path);
        expect(answer?.status(), path).toBe(404);
        await expect(theirs.getByRole("alert")).toHaveText(notFound);
        await expect(theirs.getByText(marker)).toHaveCount(0);
        await expect(theirs.getByText(main.name)).toHaveCount(0);
        // The header still offers their own account.
        await expect(theirs.getByRole("navigation", { name: nav }).getByRole("link").first()).toHaveAttribute("href", new RegExp(`^/a/${second.slug}/`));
      }
      await theirs.goto(`/a/${second.slug}/sends`);
      await expect(theirs.locator("main")).not.toContainText(marker);
      await context.close();
    }

    // Taken back, the editor may use no account.
    await row.getByRole("button", { name: `Revoke ${second.name} from ${editor}` }).click();
    await expect(row).toContainText("Can use no account yet");
  });

  test("without JavaScript an admin grants and revokes an account with plain forms, in Chinese", async ({ page, browser }) => {
    await logIn(page, admin.username, admin.password);
    const editor = `plain${Date.now() % 1e7}`;
    await addEditor(page, editor, "editor-password-1");

    const { context, page: plain } = await signedIn(browser, admin.username, admin.password, { locale: "zh-CN", javaScriptEnabled: false });
    await plain.goto("/users");
    const row = plain.getByRole("row").filter({ has: plain.getByRole("rowheader", { name: editor, exact: true }) });
    await expect(row).toContainText("还不能使用任何公众号");
    await expect(plain.getByRole("row").filter({ has: plain.getByRole("rowheader", { name: admin.username, exact: true }) })).toContainText("管理员可以使用所有公众号");
    await row.getByRole("button", { name: `授权 ${editor} 使用${main.name}` }).click();
    await expect(plain).toHaveURL(/\/users$/);
    await expect(row.getByRole("listitem").filter({ hasText: main.name })).toContainText("可以使用");
    await expect(row.getByRole("listitem").filter({ hasText: second.name })).toContainText("不能使用");
    await expect(plain.locator("#app")).toHaveAttribute("data-hydrated", "false");

    const { context: theirContext, page: theirs } = await signedIn(browser, editor, "editor-password-1", { locale: "zh-CN" });
    await expect(theirs).toHaveURL(`/a/${main.slug}/compose`);
    await expect(theirs.locator("header")).toContainText(main.name);

    await row.getByRole("button", { name: `取消授权：${editor} 使用${main.name}` }).click();
    await expect(row).toContainText("还不能使用任何公众号");
    await theirs.goto("/compose");
    await expect(theirs).toHaveURL(/\/no-account$/);
    await theirContext.close();
    await context.close();
  });
});

test.describe("two accounts side by side", () => {
  test("two tabs on two accounts send at the same time and each history shows only its own send", async ({ page, context }) => {
    await logIn(page, admin.username, admin.password);
    const run = Date.now();
    const tabs = [
      { page, account: main, text: `e2e-two-tabs-main-${run}` },
      { page: await context.newPage(), account: second, text: `e2e-two-tabs-sim2-${run}` },
    ];
    for (const tab of tabs) {
      await tab.page.goto(`/a/${tab.account.slug}/compose`);
      await hydrated(tab.page);
      await prepareText(tab.page, tab.text, tab.account.tag);
      await expect(tab.page.getByRole("dialog")).toBeVisible();
    }
    // Both confirmed at once.
    await Promise.all(tabs.map((tab) => tab.page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click()));
    for (const tab of tabs) {
      await expect(tab.page.getByRole("heading", { name: "WeChat took the send" })).toBeVisible();
      await expect(tab.page.getByRole("link", { name: "See this send's details" })).toHaveAttribute("href", new RegExp(`^/a/${tab.account.slug}/sends/\\d+$`));
    }
    for (const [i, tab] of tabs.entries()) {
      const other = tabs[1 - i];
      await tab.page.goto(`/a/${tab.account.slug}/sends`);
      await hydrated(tab.page);
      await expect(tab.page.getByRole("row").filter({ hasText: tab.text })).toBeVisible();
      await expect(tab.page.getByRole("row").filter({ hasText: other.text })).toHaveCount(0);
      await expect(tab.page.locator("header")).toContainText(tab.account.name);
    }
  });
});

test.describe("the account switcher", () => {
  for (const javaScriptEnabled of [true, false]) {
    test(`takes an admin from main's history to sim-2's history ${javaScriptEnabled ? "with" : "without"} JavaScript`, async ({ browser }) => {
      const { context, page } = await signedIn(browser, admin.username, admin.password, { javaScriptEnabled });
      await page.goto(`/a/${main.slug}/sends`);
      if (javaScriptEnabled) await hydrated(page);
      const header = page.locator("header");
      const summary = header.locator("summary");
      // Its name says which account the page is about.
      await expect(summary).toHaveAccessibleName(`Account: ${main.name} Subscription account (订阅号)`);
      const switcher = header.getByRole("navigation", { name: "Switch account" });
      await expect(switcher).toBeHidden();
      await summary.click();
      await expect(switcher).toBeVisible();
      await switcher.getByRole("link", { name: new RegExp(`^${second.name}`) }).click();
      await expect(page).toHaveURL(`/a/${second.slug}/sends`);
      if (javaScriptEnabled) await hydrated(page);
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("History");
      await expect(header.locator("summary")).toHaveAccessibleName(`Account: ${second.name} Service account (服务号)`);
      await expect(header.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Compose" })).toHaveAttribute("href", `/a/${second.slug}/compose`);
      await context.close();
    });
  }

  test("works with the keyboard and closes with Escape, in Chinese", async ({ browser }) => {
    const { context, page } = await signedIn(browser, admin.username, admin.password, { locale: "zh-CN" });
    await page.goto(`/a/${second.slug}/compose`);
    await hydrated(page);
    const summary = page.locator("header summary");
    await expect(summary).toHaveAccessibleName(new RegExp(`^公众号：\\s*${second.name} 服务号$`));
    await summary.focus();
    await page.keyboard.press("Enter");
    const switcher = page.getByRole("navigation", { name: "切换公众号" });
    await expect(switcher).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(switcher).toBeHidden();
    await expect(summary).toBeFocused();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    const link = switcher.getByRole("link", { name: new RegExp(`^${main.name}`) });
    await expect(link).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(`/a/${main.slug}/compose`);
    await context.close();
  });

  for (const locale of ["en-US", "zh-CN"]) {
    test(`fits a phone's width with the header in one piece, ${locale}`, async ({ browser }) => {
      const { context, page } = await signedIn(browser, admin.username, admin.password, { locale, viewport: phone });
      for (const path of [`/a/${main.slug}/compose`, `/a/${second.slug}/sends`, "/users"]) {
        await page.goto(path);
        await hydrated(page);
        const summary = page.locator("header summary");
        const closed = await page.locator("header").boundingBox();
        expect(closed!.height, `header height on ${path}`).toBeLessThan(phone.height / 4);
        await summary.click();
        const switcher = page.locator("header .account-switch nav");
        await expect(switcher).toBeVisible();
        // The list opens over the page: the header keeps its height.
        expect((await page.locator("header").boundingBox())!.height).toBeCloseTo(closed!.height, 0);
        for (const link of await switcher.getByRole("link").all()) await expect(link).toBeInViewport();
        const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(over, `sideways scroll on ${path}`).toBe(0);
        // Nothing of the header sticks out of it.
        const sticking = await page.locator("header").evaluate((h) => {
          const box = h.getBoundingClientRect();
          return [...h.querySelectorAll("a, button, summary, .brand")]
            .filter((e) => {
              const r = e.getBoundingClientRect();
              return r.width > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5);
            })
            .map((e) => (e as HTMLElement).innerText);
        });
        expect(sticking, `header parts outside it on ${path}`).toEqual([]);
        await summary.click();
        await expect(switcher).toBeHidden();
      }
      await context.close();
    });
  }
});

test.describe("the old addresses", () => {
  test("land on the same page of the first account", async ({ page }) => {
    await logIn(page, admin.username, admin.password);
    for (const [old, now] of [
      ["/compose", `/a/${main.slug}/compose`],
      ["/sends", `/a/${main.slug}/sends`],
      ["/sends?state=finished", `/a/${main.slug}/sends?state=finished`],
      ["/settings", `/a/${main.slug}/settings`],
      ["/", `/a/${main.slug}/compose`],
    ]) {
      const answer = await page.goto(old);
      expect(answer?.status(), old).toBe(200);
      await expect(page).toHaveURL(now);
      await expect(page.locator("header")).toContainText(main.name);
    }
  });
});
