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
  const pieces: string[] = [];
  page.on("response", (r) => {
    if (/\/pkg\/[0-9a-f]{16}\/(chunk_\d+|split_\w+)\.wasm$/.test(r.url())) pieces.push(r.url());
  });
  // The login page is in the main file alone.
  await page.goto("/login?next=%2Fa%2Fmain%2Fsends");
  await hydrated(page);
  expect(pieces, "the login page's pieces").toEqual([]);

  // History, loaded whole after logging in: its group's pieces, each named
  // in the page for the browser to preload.
  await logIn(page, admin.username, admin.password);
  await page.waitForURL(/\/a\/main\/sends/);
  await hydrated(page);
  await expect(page.getByRole("heading", { name: /^(History|历史)$/, level: 1 })).toBeVisible();
  expect(pieces.length, "History's pieces of WebAssembly").toBeGreaterThan(0);
  const preloaded = await page.locator('link[rel="preload"][href$=".wasm"]').evaluateAll((links) =>
    links.map((l) => new URL((l as HTMLLinkElement).href).pathname),
  );
  for (const url of pieces) expect(preloaded, "preloaded by the page").toContain(new URL(url).pathname);

  // Another page of the same group needs no more code; Compose's group is
  // fetched when Compose is opened, and the page works.
  pieces.length = 0;
  await page.getByRole("link", { name: /^(Statistics|数据)$/ }).first().click();
  await expect(page.getByRole("heading", { name: /^(Statistics|数据)$/, level: 1 })).toBeVisible();
  expect(pieces, "Statistics, in History's group").toEqual([]);
  await page.getByRole("link", { name: /^(Compose|撰写)$/ }).first().click();
  await expect(page.getByRole("radio", { name: /^(Text|文本)$/ })).toBeVisible();
  expect(pieces.length, "Compose's group, fetched on the way").toBeGreaterThan(0);
  await page.getByRole("radio", { name: /^(Text|文本)$/ }).check();
  await expect(page.getByRole("radio", { name: /^(Text|文本)$/ })).toBeChecked();
});

test("every load of a page names all of its group's pieces for the browser to fetch at once", async ({ page }) => {
  await logIn(page, admin.username, admin.password);
  await page.waitForURL(/\/a\/main\//);
  // History: it asks nothing of WeChat, so a load is quick whatever state
  // earlier tests left the account in.
  const first = await (await page.request.get("/a/main/sends")).text();
  const pkg = first.match(/\/pkg\/[0-9a-f]{16}\//)![0];
  const manifest: Record<string, string[]> = await (await page.request.get(`${pkg}__wasm_split_manifest.json`)).json();
  const group = Object.entries(manifest).find(([key]) => /^following_pages_\d+$/.test(key))![1];
  expect(group.length).toBeGreaterThan(0);
  // Several loads: whether the page named them once depended on which
  // thread rendered it.
  for (let load = 0; load < 12; load++) {
    const html = await (await page.request.get("/a/main/sends")).text();
    const preloaded = [...html.matchAll(/<link [^>]*>/g)]
      .map((tag) => tag[0])
      .filter((tag) => tag.includes('rel="preload"'))
      .map((tag) => tag.match(/href="([^"]+)"/)![1].replace("/./", "/"));
    for (const file of group) expect(preloaded, `load ${load}`).toContain(`${pkg}${file}.wasm`);
  }
});
