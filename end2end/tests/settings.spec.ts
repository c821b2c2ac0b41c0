import { admin, hydrated, logIn, expect, test } from "./helpers";

test.describe("the settings page", () => {
  test.use({ locale: "en-US" });

  test("an admin opens Settings and sees what to enter in the WeChat console", async ({ page, baseURL }) => {
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));

    await logIn(page, admin.username, admin.password);
    await expect(page).toHaveURL(/\/compose$/);
    await hydrated(page);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByRole("heading", { level: 1, name: "Settings" })).toBeVisible();

    // The end-to-end server runs without QUNFA_PUBLIC_URL and with the
    // built-in simulator, so these are its values.
    const server = page.getByRole("region", { name: "Server configuration" });
    await expect(server.getByText(`${baseURL}/wechat/callback`, { exact: true })).toBeVisible();
    // The built-in simulator's Token is made at the first start: 32 letters
    // and digits, never the constant the source once held.
    await expect(server.getByText(/^[A-Za-z0-9]{32}$/)).toBeVisible();
    await expect(server.getByText("qunfasimulator", { exact: true })).toHaveCount(0);
    await expect(server.getByText("Plaintext mode (no EncodingAESKey)", { exact: true })).toBeVisible();
    await expect(server.getByText("Not set", { exact: true })).toBeVisible();

    const health = page.getByRole("region", { name: "Callback health" });
    await expect(health.getByText("Last accepted", { exact: true })).toBeVisible();
    await expect(health.getByText("Last refused", { exact: true })).toBeVisible();
    const token = page.getByRole("region", { name: "access_token" });
    await expect(token.getByText("the stable_token call (AppID and AppSecret)", { exact: true })).toBeVisible();

    // The same page in Chinese (a plain form post: the page comes back).
    await page.getByRole("button", { name: "简体中文" }).click();
    const zhServer = page.getByRole("region", { name: "服务器配置" });
    await expect(zhServer.getByText("服务器地址（URL）", { exact: true })).toBeVisible();
    await expect(zhServer.getByText("明文模式（未设置 EncodingAESKey）", { exact: true })).toBeVisible();
    await expect(page).toHaveURL(/\/settings$/);
    expect(errors).toEqual([]);
  });
});
