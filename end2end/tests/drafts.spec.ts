import { type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

// The article editor: a draft written in Markdown with an image dropped
// into its body, its live preview, saved, saved to WeChat, and taken to
// Compose ("Preview on my phone", "Send…"); on a phone; and a text-only
// article saved without JavaScript. Each test writes its own titles.

type Words = {
  drafts: string;
  newDraft: string;
  title: string;
  body: string;
  preview: string;
  save: string;
  saved: RegExp;
  push: string;
  pushed: string;
  library: string;
  cover: string;
  phone: string;
  send: string;
  note: RegExp;
  add: string;
  moveUp: string;
  remove: string;
  untitled: string;
  shot: string;
  wechatId: string;
  recipient: string;
  previewButton: string;
  previewSent: string;
  oneTag: string;
  tag: string;
  beta: string;
  betaQuestion: string;
  sendButton: string;
  confirm: string;
  detail: string;
  copy: string;
  confirmNote: RegExp;
};

const en: Words = {
  drafts: "Drafts",
  newDraft: "New draft",
  title: "Title",
  body: "Body (Markdown)",
  preview: "Preview",
  save: "Save",
  saved: /^Saved /,
  push: "Save to WeChat",
  pushed: "Saved to WeChat's draft box.",
  library: "Choose from the library",
  cover: "春季封面.jpg",
  phone: "Preview on my phone",
  send: "Send…",
  note: /WeChat deletes it from its draft box/,
  add: "Add article",
  moveUp: "Move up",
  remove: "Remove this article",
  untitled: "(untitled)",
  shot: "en",
  wechatId: "WeChat ID",
  recipient: "Preview recipient",
  previewButton: "Preview",
  previewSent: "The preview was sent: check the phone.",
  oneTag: "One tag",
  tag: "Tag",
  beta: "内测用户 (12 followers)",
  betaQuestion: "Send to 12 followers of 内测用户?",
  sendButton: "Send",
  confirm: "Confirm",
  detail: "See this send's details",
  copy: "The articles as sent (qunfa's copy)",
  confirmNote: /qunfa keeps its own copy of every article/,
};

const zh: Words = {
  drafts: "草稿",
  newDraft: "新建草稿",
  title: "标题",
  body: "正文（Markdown）",
  preview: "预览",
  save: "保存",
  saved: /^已保存 /,
  push: "保存到微信",
  pushed: "已保存到微信草稿箱。",
  library: "从素材库选择",
  cover: "春季封面.jpg",
  phone: "在手机上预览",
  send: "发送…",
  note: /微信会把它从草稿箱中删除/,
  add: "添加文章",
  moveUp: "前移",
  remove: "删除这篇文章",
  untitled: "（无标题）",
  shot: "zh",
  wechatId: "微信号",
  recipient: "预览接收者",
  previewButton: "预览",
  previewSent: "预览已发送，请在手机上查看。",
  oneTag: "按标签",
  tag: "标签",
  beta: "内测用户（12 人）",
  betaQuestion: "确认发送给标签“内测用户”的 12 位粉丝？",
  sendButton: "发送",
  confirm: "确认",
  detail: "查看这次群发的详情",
  copy: "发出的文章（qunfa 保存的副本）",
  confirmNote: /qunfa 会在发送前保存每篇文章的副本/,
};

/** A 2×2 PNG, as a file dropped from the desktop would be. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==";

async function newDraft(page: Page, words: Words) {
  await logIn(page, admin.username, admin.password);
  await page.goto("/a/main/drafts");
  await hydrated(page);
  await page.getByRole("link", { name: words.newDraft }).click();
  await expect(page).toHaveURL(/\/a\/main\/drafts\/new$/);
  await hydrated(page);
}

async function dropImage(page: Page, words: Words) {
  const body = page.getByLabel(words.body, { exact: true });
  const dataTransfer = await page.evaluateHandle((png) => {
    const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], "photo.png", { type: "image/png" }));
    return transfer;
  }, PNG);
  await body.dispatchEvent("drop", { dataTransfer });
  await expect(body).toHaveValue(/!\[photo\]\(http[^)]+\)/);
}

async function noSidewaysScroll(page: Page) {
  const over = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(over).toBeLessThanOrEqual(0);
}

for (const [name, words, locale] of [
  ["English", en, "en-US"],
  ["Chinese", zh, "zh-CN"],
] as const) {
  test.describe(`drafts (${name})`, () => {
    test.use({ locale });

    test("an article written in Markdown is previewed, saved, saved to WeChat and sent from Compose", async ({ page }) => {
      await newDraft(page, words);
      const title = `Markdown ${name} ${Date.now()}`;
      await page.getByLabel(words.title, { exact: true }).fill(title);
      await page.getByRole("button", { name: words.library }).click();
      await page.getByRole("button", { name: words.cover }).click();
      const body = page.getByLabel(words.body, { exact: true });
      await body.fill("# Heading\n\nThis is **bold** text.\n\n");
      const preview = page.getByRole("region", { name: words.preview });
      await expect(preview.locator("strong")).toHaveText("bold");
      await dropImage(page, words);
      await expect(preview.locator("img")).toHaveCount(1);
      await page.screenshot({ path: `test-results/drafts-editor-${words.shot}-1366.png`, fullPage: true });

      await page.getByRole("button", { name: words.save, exact: true }).click();
      await expect(page.getByRole("status").filter({ hasText: words.saved })).toBeVisible();
      await expect(page).toHaveURL(/\/a\/main\/drafts\/\d+$/);
      await page.getByRole("button", { name: words.push }).click();
      await expect(page.getByText(words.pushed)).toBeVisible();
      await expect(page.getByText(words.note)).toBeVisible();

      // Listed, and "Send…" lands on Compose with this draft chosen.
      const draftUrl = page.url();
      await page.getByRole("button", { name: words.send }).click();
      await expect(page).toHaveURL(/\/a\/main\/compose\?draft=[^&]+$/);

      await page.goto(draftUrl);
      await hydrated(page);
      await expect(page.getByLabel(words.title, { exact: true })).toHaveValue(title);
      await page.getByRole("button", { name: words.phone }).click();
      await expect(page).toHaveURL(/\/a\/main\/compose\?draft=[^&]+$/);
      await page.goto("/a/main/drafts");
      await expect(page.getByRole("link", { name: title })).toBeVisible();

      // On Compose with the draft chosen: to the phone, then to a tag.
      await page.goto(draftUrl);
      await hydrated(page);
      await page.getByRole("button", { name: words.phone }).click();
      await expect(page).toHaveURL(/\/a\/main\/compose\?draft=[^&]+$/);
      await hydrated(page);
      await page.getByRole("radio", { name: words.oneTag }).check();
      await page.getByLabel(words.tag, { exact: true }).selectOption({ label: words.beta });
      await page.getByRole("radio", { name: words.wechatId }).check();
      await page.getByLabel(words.recipient).fill("editor_phone");
      await page.getByRole("button", { name: words.previewButton, exact: true }).click();
      await expect(page.getByRole("status").filter({ hasText: words.previewSent })).toBeVisible();
      await page.getByRole("button", { name: words.sendButton, exact: true }).click();
      const dialog = page.getByRole("dialog", { name: words.betaQuestion });
      await expect(dialog.getByText(words.confirmNote)).toBeVisible();
      await page.screenshot({ path: `test-results/drafts-confirm-${words.shot}-1366.png` });
      await dialog.getByRole("button", { name: words.confirm }).click();
      await page.getByRole("link", { name: words.detail }).click();

      // The send's page keeps the article as it went out.
      const copy = page.getByRole("region", { name: words.copy });
      await expect(copy).toBeVisible();
      await copy.getByText(`1. ${title}`).click();
      await expect(copy.locator(".article-preview-body strong")).toHaveText("bold");
      await page.screenshot({ path: `test-results/drafts-sent-copy-${words.shot}-1366.png`, fullPage: true });
    });

    test("the editor fits a phone", async ({ page }) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await newDraft(page, words);
      await page.getByLabel(words.title, { exact: true }).fill(`Phone ${name}`);
      await page.getByLabel(words.body, { exact: true }).fill("Short *text* for a phone.");
      await expect(page.getByRole("region", { name: words.preview }).locator("em")).toHaveText("text");
      // Saved by itself within a few seconds, and the address names it.
      await expect(page.getByRole("status").filter({ hasText: words.saved })).toBeVisible();
      await expect(page).toHaveURL(/\/a\/main\/drafts\/\d+$/);
      await noSidewaysScroll(page);
      await page.screenshot({ path: `test-results/drafts-editor-${words.shot}-390.png`, fullPage: true });
      await page.goto("/a/main/drafts");
      await noSidewaysScroll(page);
      await page.screenshot({ path: `test-results/drafts-list-${words.shot}-390.png`, fullPage: true });
    });

    test("articles are added, reordered and removed as tabs", async ({ page }) => {
      await newDraft(page, words);
      const tabs = page.getByRole("navigation", { name: words.shot === "en" ? "Articles" : "文章" });
      await page.getByLabel(words.title, { exact: true }).fill("First");
      await tabs.getByRole("button", { name: words.add }).click();
      await expect(tabs.getByRole("button", { name: `2. ${words.untitled}` })).toHaveAttribute("aria-pressed", "true");
      // Only the chosen article's fields are shown.
      const second = page.getByRole("group", { name: words.shot === "en" ? "Article 2" : "第 2 篇文章" });
      await second.getByLabel(words.title, { exact: true }).fill("Second");
      await tabs.getByRole("button", { name: words.moveUp }).click();
      await expect(tabs.getByRole("button", { name: "1. Second" })).toHaveAttribute("aria-pressed", "true");
      await expect(tabs.getByRole("button", { name: "2. First" })).toBeVisible();
      await tabs.getByRole("button", { name: words.remove }).click();
      await expect(tabs.getByRole("button", { name: "1. First" })).toHaveAttribute("aria-pressed", "true");
      await expect(tabs.getByRole("button", { name: words.remove })).toBeDisabled();
    });

    test("the list shows the WeChat console's drafts to read and send", async ({ page }) => {
      await logIn(page, admin.username, admin.password);
      await page.goto("/a/main/drafts");
      await expect(page.getByRole("link", { name: words.drafts, exact: true })).toBeVisible();
      await expect(page.locator('a[href^="/a/main/compose?draft=sim_draft_"]').first()).toBeVisible();
      await page.screenshot({ path: `test-results/drafts-list-${words.shot}-1366.png`, fullPage: true });
    });
  });
}

test.describe("drafts: Save to WeChat while a save is on its way", () => {
  test.use({ locale: "en-US" });

  test("the push waits for the save and goes through", async ({ page }) => {
    await newDraft(page, en);
    await page.getByLabel(en.title, { exact: true }).fill(`Racing ${Date.now()}`);
    await page.getByRole("button", { name: en.library }).click();
    await page.getByRole("button", { name: en.cover }).click();
    await page.getByLabel(en.body, { exact: true }).fill("Body text.");
    // Every save takes a while to be answered.
    await page.route("**/api/save_draft", async (route) => {
      await new Promise((done) => setTimeout(done, 1500));
      await route.continue();
    });
    await page.getByRole("button", { name: en.save, exact: true }).click();
    await expect(page.getByRole("status").filter({ hasText: "Saving…" })).toBeVisible();
    await page.getByRole("button", { name: en.push }).click();
    await expect(page.getByText(en.pushed)).toBeVisible({ timeout: 15_000 });
    await expect(page.getByRole("button", { name: en.push })).toBeEnabled();
  });
});

test.describe("drafts without JavaScript", () => {
  test.use({ javaScriptEnabled: false, locale: "en-US" });

  test("a text-only article saves", async ({ page }) => {
    await logIn(page, admin.username, admin.password);
    await page.goto("/a/main/drafts/new");
    const title = `No script ${Date.now()}`;
    await page.getByLabel(en.title, { exact: true }).fill(title);
    await page.getByLabel(en.body, { exact: true }).fill("Saved by a plain form.");
    await page.getByRole("button", { name: en.save, exact: true }).click();
    await expect(page).toHaveURL(/\/a\/main\/drafts\/\d+\?saved=\d+$/);
    await expect(page.getByLabel(en.title, { exact: true })).toHaveValue(title);
    await expect(page.getByLabel(en.body, { exact: true })).toHaveValue("Saved by a plain form.");
    await expect(page.getByRole("status").filter({ hasText: /^Saved / })).toBeVisible();
  });
});
