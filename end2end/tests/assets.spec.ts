import { type Response } from "@playwright/test";
import { admin, hydrated, expect, logIn, test } from "./helpers";

test("the browser's files are compressed and kept until the next build", async ({ page }) => {
  const assets: Response[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/pkg/")) assets.push(r);
  });
  await page.goto("/login");
  await hydrated(page);

  for (const name of ["qunfa.wasm", "qunfa.js", "qunfa.css"]) {
    const response = assets.find((r) => r.url().endsWith(`/${name}`));
    expect(response, name).toBeTruthy();
    // The build's id is in the path, so the file there never changes.
    expect(response!.url()).toMatch(/\/pkg\/[0-9a-f]{16}\/qunfa[^/]*$/);
    const headers = await response!.allHeaders();
    expect(headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(headers["content-encoding"], name).toMatch(/^(br|gzip)$/);
  }
});

test("a page group's own WebAssembly comes with its page, and only that group's", async ({ page }) => {
  await page.goto("/login");
  await hydrated(page);
  await logIn(page, admin.username, admin.password);
  await page.waitForURL(/\/compose/);

  const pieces: string[] = [];
  page.on("response", (r) => {
    if (/\/pkg\/[0-9a-f]{16}\/.*chunk_\d+\.wasm$/.test(r.url())) pieces.push(r.url());
  });
  // A full load of History: its group's pieces, preloaded by the page.
  await page.goto("/a/main/sends");
  await hydrated(page);
  await expect(page.getByRole("heading", { name: /^(History|历史)$/, level: 1 })).toBeVisible();
  expect(pieces.length, "History's pieces of WebAssembly").toBeGreaterThan(0);
  const historyPieces = new Set(pieces);
  const links = await page.locator('link[rel="preload"][href*="chunk_"]').evaluateAll((ls) =>
    ls.map((l) => new URL((l as HTMLLinkElement).href).pathname),
  );
  for (const url of historyPieces) expect(links, "preloaded by the page").toContain(new URL(url).pathname);

  // Following a link inside the same group fetches no more code; Compose's
  // group is fetched when it is opened, and the page works.
  pieces.length = 0;
  await page.getByRole("link", { name: /^(Compose|撰写)$/ }).first().click();
  await expect(page.getByRole("radio", { name: /^(Text|文字)$/ })).toBeVisible();
  expect(pieces.length, "Compose's group, fetched on the way").toBeGreaterThan(0);
  await page.getByRole("radio", { name: /^(Text|文字)$/ }).check();
  await expect(page.getByRole("radio", { name: /^(Text|文字)$/ })).toBeChecked();
});
