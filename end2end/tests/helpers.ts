import { test as base, expect, type Page } from "@playwright/test";

export { expect };

/**
 * Playwright's `test`, with every page watched for Content-Security-Policy
 * violations: a script, style or frame the policy refused fails the test
 * that caused it, so the policy and the pages cannot drift apart.
 */
export const test = base.extend<{ cspViolations: string[]; appErrors: string[] }>({
  cspViolations: [
    async ({ context }, use) => {
      const violations: string[] = [];
      await context.exposeBinding("__reportCspViolation", (_source, text: string) => {
        violations.push(text);
      });
      await context.addInitScript(() => {
        document.addEventListener("securitypolicyviolation", (event) => {
          const report = (window as unknown as { __reportCspViolation: (t: string) => void }).__reportCspViolation;
          report(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${document.location.pathname}`);
        });
      });
      context.on("console", (message) => {
        if (/Content[- ]Security[- ]Policy/i.test(message.text())) {
          violations.push(message.text());
        }
      });
      await use(violations);
      expect(violations, "Content-Security-Policy violations").toEqual([]);
    },
    { auto: true },
  ],
  // The browser code's own failures: a panic (which stops the page's code),
  // an uncaught error, or a page that did not hydrate the server's HTML as
  // sent (Leptos logs a hydration error and may render the page a second
  // time beside it). Any of them fails the test that caused it.
  appErrors: [
    async ({ context }, use) => {
      const errors: string[] = [];
      context.on("weberror", (error) => errors.push(`uncaught: ${error.error().message}`));
      context.on("console", (message) => {
        if (message.type() === "error" && /hydration error|panicked at/i.test(message.text())) {
          errors.push(message.text().split("\n")[0]);
        }
      });
      await use(errors);
      expect(errors, "errors in the browser code").toEqual([]);
    },
    { auto: true },
  ],
});

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
