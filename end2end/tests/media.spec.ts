import { type Browser, type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

// The media library (/a/main/media): two images dropped at once, each with
// its own progress bar, both in the grid; the page at a phone's width;
// the plain upload form, a refusal in words and the deletion's
// confirmation without JavaScript. Each file carries a random tail after
// its PNG end, so no two runs upload the same file (the library would
// give back the existing material).

const RED = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGM4ISeHFTEMLQkAkL9BAbKfPiIAAAAASUVORK5CYII=";
const BLUE = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGOQkzuBFTEMLQkAO79BAXNTPmcAAAAASUVORK5CYII=";

type Words = {
  locale: string;
  images: string;
  progress: (name: string) => string;
  done: string;
  upload: string;
  file: string;
  uploaded: string;
  lies: string;
  delete: (name: string) => string;
  confirm: (name: string) => string;
  deleteButton: string;
  deleted: string;
  imageType: string;
  uploadNew: string;
  imageField: string;
};

const en: Words = {
  locale: "en-US",
  images: "Images",
  progress: (name) => `${name} upload progress`,
  done: "Done: ",
  upload: "Upload",
  file: "File",
  uploaded: "Uploaded.",
  lies: "The name says JPEG but the content is PNG",
  delete: (name) => `Delete ${name}`,
  confirm: (name) => `Delete “${name}”?`,
  deleteButton: "Delete",
  deleted: "Deleted.",
  imageType: "Image",
  uploadNew: "Upload a new image",
  imageField: "Image media_ids (one per line, in order)",
};

const zh: Words = {
  locale: "zh-CN",
  images: "图片",
  progress: (name) => `${name} 上传进度`,
  done: "完成：",
  upload: "上传",
  file: "文件",
  uploaded: "已上传。",
  lies: "文件名说它是 JPEG，但内容是 PNG",
  delete: (name) => `删除 ${name}`,
  confirm: (name) => `删除“${name}”？`,
  deleteButton: "删除",
  deleted: "已删除。",
  imageType: "图片",
  uploadNew: "上传新的图片",
  imageField: "图片 media_id（每行一个，按顺序）",
};

function unique(): string {
  return Math.random().toString(36).slice(2, 10);
}

/** A PNG with a tail of its own after its end, so its hash is new. */
function pngBytes(base64: string, tail: string): Buffer {
  return Buffer.concat([Buffer.from(base64, "base64"), Buffer.from(tail)]);
}

async function signedIn(
  browser: Browser,
  locale: string,
  options: { javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {},
  who: { username: string; password: string } = admin,
) {
  const context = await browser.newContext({ locale, ...options });
  const page = await context.newPage();
  await logIn(page, who.username, who.password);
  await page.waitForURL((url) => !url.pathname.startsWith("/login"));
  return { context, page };
}

/** A new editor granted the account main (by the admin, through the users page's server functions), signed in. */
async function anEditor(browser: Browser, locale: string) {
  const { context: adminContext, page: adminPage } = await signedIn(browser, "en-US");
  const headers = { Accept: "application/json", Origin: new URL(adminPage.url()).origin };
  const editor = { username: `media${Date.now() % 1e7}`, password: "editor-password-1" };
  const added = await adminPage.request.post("/api/add_user", { form: { ...editor, role: "editor" }, headers });
  expect(added.ok(), await added.text()).toBe(true);
  const users: { id: number; username: string }[] = await (await adminPage.request.post("/api/list_users", { headers })).json();
  const id = users.find((u) => u.username === editor.username)?.id;
  const granted = await adminPage.request.post("/api/set_user_account", { form: { id: String(id), account: "main", granted: "true" }, headers });
  expect(granted.ok(), await granted.text()).toBe(true);
  await adminContext.close();
  return signedIn(browser, locale, {}, editor);
}

async function dropFiles(page: Page, files: { name: string; bytes: Buffer }[]) {
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: "image/png" }));
    }
    return dt;
  }, files.map((f) => ({ name: f.name, bytes: [...f.bytes] })));
  await page.locator("form.drop-zone").dispatchEvent("drop", { dataTransfer: transfer });
}

for (const w of [en, zh]) {
  test.describe(`media library (${w.locale})`, () => {
    test("an editor drops two images: each gets a progress bar that reaches done, and both show in the grid", async ({ browser }) => {
      const { context, page } = await anEditor(browser, w.locale);
      await page.goto("/a/main/media");
      await hydrated(page);
      const tag = unique();
      const files = [
        { name: `red-${tag}.png`, bytes: pngBytes(RED, tag) },
        { name: `blue-${tag}.png`, bytes: pngBytes(BLUE, tag) },
      ];
      await dropFiles(page, files);
      for (const file of files) {
        const bar = page.getByRole("progressbar", { name: w.progress(file.name) });
        await expect(bar).toHaveAttribute("value", "100");
        await expect(page.getByRole("listitem").filter({ has: bar })).toContainText(w.done);
      }
      const grid = page.getByRole("list", { name: w.images, exact: true });
      for (const file of files) {
        const tile = grid.getByRole("listitem").filter({ hasText: file.name });
        await expect(tile).toBeVisible();
        await expect(tile.getByRole("img", { name: file.name })).toBeVisible();
      }
      for (const width of [1366, 390]) {
        await page.setViewportSize({ width, height: 900 });
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scroll, `no sideways scroll at ${width}px`).toBeLessThanOrEqual(width);
        await page.screenshot({ path: `/tmp/media-${w.locale}-${width}.png`, fullPage: true });
      }
      await context.close();
    });

    test("a compose picker uploads a new one right there and picks it", async ({ browser }) => {
      const { context, page } = await signedIn(browser, w.locale);
      await page.goto("/a/main/compose");
      await hydrated(page);
      await page.getByRole("radio", { name: w.imageType, exact: true }).check();
      const tag = unique();
      const name = `new-${tag}.png`;
      await page.getByLabel(w.uploadNew, { exact: true }).setInputFiles({ name, mimeType: "image/png", buffer: pngBytes(BLUE, tag) });
      await expect(page.getByRole("status").filter({ hasText: `“${name}”` })).toBeVisible();
      await expect(page.getByLabel(w.imageField, { exact: true })).toHaveValue(/SIMi/);
      await context.close();
    });

    test("without JavaScript: the plain upload form, a refusal in words, and the deletion's confirmation", async ({ browser }) => {
      const { context, page } = await signedIn(browser, w.locale, { javaScriptEnabled: false, viewport: { width: 390, height: 900 } });
      await page.goto("/a/main/media?kind=image");
      const tag = unique();
      const name = `plain-${tag}.png`;
      await page.getByLabel(w.file, { exact: true }).setInputFiles({ name, mimeType: "image/png", buffer: pngBytes(RED, tag) });
      await page.getByRole("button", { name: w.upload, exact: true }).click();
      await expect(page.getByRole("status").filter({ hasText: w.uploaded })).toBeVisible();
      const tile = page.getByRole("list", { name: w.images, exact: true }).getByRole("listitem").filter({ hasText: name });
      await expect(tile).toBeVisible();
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(scroll).toBeLessThanOrEqual(390);
      await page.screenshot({ path: `/tmp/media-nojs-${w.locale}-390.png`, fullPage: true });

      await page.getByLabel(w.file, { exact: true }).setInputFiles({ name: `lie-${tag}.jpg`, mimeType: "image/jpeg", buffer: pngBytes(BLUE, tag) });
      await page.getByRole("button", { name: w.upload, exact: true }).click();
      await expect(page.getByRole("alert")).toContainText(w.lies);

      await tile.getByRole("link", { name: w.delete(name) }).click();
      await expect(page.getByRole("heading", { name: w.confirm(name) })).toBeVisible();
      await page.getByRole("button", { name: w.deleteButton, exact: true }).click();
      await expect(page.getByRole("status").filter({ hasText: w.deleted })).toBeVisible();
      await expect(page.getByRole("listitem").filter({ hasText: name })).toHaveCount(0);
      await context.close();
    });
  });
}
