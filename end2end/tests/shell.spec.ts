import { admin, hydrated, logIn, expect, test } from "./helpers";

test.describe("the app shell", () => {
  test.use({ locale: "en-US" });

  test("an admin logs in, sees the navigation, switches the language and logs out", async ({ page }) => {
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    await page.goto("/sends");
    await expect(page).toHaveURL(/\/login\?next=%2Fsends$/);
    await logIn(page, admin.username, admin.password);
    await expect(page).toHaveURL(/\/sends$/);
    await hydrated(page);

    const nav = page.getByRole("navigation", { name: "Main" });
    for (const link of ["Compose", "History", "Users", "Settings", "Audit log"]) {
      await expect(nav.getByRole("link", { name: link })).toBeVisible();
    }
    await expect(page.getByText(`Signed in as ${admin.username}`)).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: "simulator" })).toBeVisible();

    await nav.getByRole("link", { name: "Compose" }).click();
    await expect(page).toHaveURL(/\/compose$/);
    await expect(page.getByRole("heading", { name: "Compose" })).toBeVisible();
    await expect(page.getByRole("radio", { name: "Article" })).toBeChecked();

    await page.getByRole("button", { name: "简体中文" }).click();
    const zhNav = page.getByRole("navigation", { name: "主导航" });
    await expect(zhNav.getByRole("link", { name: "撰写" })).toBeVisible();
    await expect(zhNav.getByRole("link", { name: "历史" })).toBeVisible();
    await expect(page).toHaveURL(/\/compose$/);
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");

    await page.getByRole("button", { name: "退出登录" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByLabel("用户名")).toBeVisible();
    await page.getByRole("button", { name: "English" }).click();
    await expect(page.getByLabel("Username")).toBeVisible();

    await page.goto("/compose");
    await expect(page).toHaveURL(/\/login\?next=%2Fcompose$/);
    expect(errors).toEqual([]);
  });

  test("a wrong password is refused in words that do not say which part was wrong", async ({ page }) => {
    await logIn(page, admin.username, "not-the-password");
    await expect(page.getByRole("alert")).toHaveText("The username or the password is wrong.");
    await logIn(page, "nobody-here", "not-the-password");
    await expect(page.getByRole("alert")).toHaveText("The username or the password is wrong.");
  });

  test("an admin adds an editor, who cannot open the admin pages", async ({ page, browser }) => {
    await logIn(page, admin.username, admin.password);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
    await hydrated(page);
    const editor = `editor${Date.now() % 100000}`;
    await page.getByLabel("Username", { exact: true }).fill(editor);
    await page.getByLabel("Password", { exact: true }).fill("editor-password-1");
    await page.getByLabel("Role", { exact: true }).selectOption("editor");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
    await expect(page.getByRole("rowheader", { name: editor })).toBeVisible();
    // With two accounts a new editor may use none until granted one.
    await page.getByRole("button", { name: `Grant 模拟订阅号 to ${editor}` }).click();
    await expect(page.getByRole("button", { name: `Revoke 模拟订阅号 from ${editor}` })).toBeVisible();

    const other = await browser.newContext({ locale: "en-US" });
    const editorPage = await other.newPage();
    await logIn(editorPage, editor, "editor-password-1");
    await expect(editorPage).toHaveURL(/\/compose$/);
    const nav = editorPage.getByRole("navigation", { name: "Main" });
    await expect(nav.getByRole("link", { name: "Compose" })).toBeVisible();
    await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);
    const response = await editorPage.goto("/users");
    expect(response?.status()).toBe(403);
    await expect(editorPage.getByRole("heading", { name: "Not allowed" })).toBeVisible();

    // Disabling the editor ends their open session.
    await page.getByRole("button", { name: `Disable ${editor}` }).click();
    await expect(page.getByRole("row", { name: new RegExp(editor) }).getByText("Disabled")).toBeVisible();
    await editorPage.goto("/compose");
    await expect(editorPage).toHaveURL(/\/login\?next=%2Fcompose$/);
    await other.close();
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false, locale: "zh-CN" });

  test("logging in and out works before hydration", async ({ page }) => {
    await page.goto("/compose");
    await expect(page).toHaveURL(/\/login\?next=%2Fcompose$/);
    await page.getByLabel("用户名").fill(admin.username);
    await page.getByLabel("密码").fill("wrong-password");
    await page.getByRole("button", { name: "登录" }).click();
    await expect(page.getByRole("alert")).toHaveText("用户名或密码不正确。");

    await page.getByLabel("用户名").fill(admin.username);
    await page.getByLabel("密码").fill(admin.password);
    await page.getByRole("button", { name: "登录" }).click();
    await expect(page).toHaveURL(/\/compose$/);
    await expect(page.getByRole("navigation", { name: "主导航" }).getByRole("link", { name: "撰写" })).toBeVisible();
    await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "false");

    await page.getByRole("button", { name: "退出登录" }).click();
    await expect(page).toHaveURL(/\/login$/);
  });
});
