import { admin, hydrated, logIn, expect, test } from "./helpers";

for (const locale of ["zh-CN", "en-US"]) {
  test.describe(`the Content-Security-Policy (${locale})`, () => {
    test.use({ locale });

    test("every page hydrates under it and works", async ({ page }) => {
      const login = await page.goto("/login");
      const policy = login!.headers()["content-security-policy"];
      expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}' 'wasm-unsafe-eval'/);
      expect(policy).toContain("frame-ancestors 'none'");
      await hydrated(page);
      await logIn(page, admin.username, admin.password);
      await expect(page).toHaveURL(/\/compose/);
      for (const path of ["/compose", "/sends", "/settings", "/users", "/audit"]) {
        await page.goto(path);
        await hydrated(page);
      }
      // Hydrated code reacts: the drafts picker opens and fills the field.
      await page.goto("/compose");
      await hydrated(page);
      await page.getByRole("radio", { name: /^(Article|图文)$/ }).check();
      await page.getByRole("button", { name: /^(Choose from drafts|从草稿箱选择)$/ }).click();
      await page.getByRole("button", { name: /^(Use |选用)/ }).first().click();
      await expect(page.getByLabel(/^(Article media_id|图文 media_id)$/)).not.toHaveValue("");
    });

    test("a script the console did not write does not run, and is reported", async ({ page, cspViolations }) => {
      await page.goto("/login");
      await hydrated(page);
      await page.evaluate(() => {
        const script = document.createElement("script");
        script.textContent = "window.__injected = true";
        document.body.appendChild(script);
      });
      await expect.poll(() => cspViolations.length).toBeGreaterThan(0);
      expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
      expect(cspViolations.join("\n")).toContain("script-src");
      // Expected here; any other test with a violation fails.
      cspViolations.length = 0;
    });
  });
}
