import { expect, type Page } from "@playwright/test";

export const admin = {
  username: process.env.QUNFA_ADMIN_USER ?? "admin",
  password: process.env.QUNFA_ADMIN_PASSWORD ?? "e2e-admin-password",
};

/** Waits until the page is hydrated, so clicks go to the app, not the HTML. */
export async function hydrated(page: Page) {
  await expect(page.locator("#app")).toHaveAttribute("data-hydrated", "true");
}

/** Logs in from the login page (going there first unless already there). */
export async function logIn(page: Page, username: string, password: string) {
  if (!new URL(page.url(), "http://x").pathname.startsWith("/login")) {
    await page.goto("/login");
  }
  await page.getByLabel(/^(Username|用户名)$/).fill(username);
  await page.getByLabel(/^(Password|密码)$/).fill(password);
  await page.getByRole("button", { name: /^(Log in|登录)$/ }).click();
}
