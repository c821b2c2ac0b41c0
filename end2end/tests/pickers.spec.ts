import { type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

// The pickers of the compose page (drafts, image, voice, video materials),
// what a person sees of what they picked (the confirmation, the history,
// the send page), and the pickers without JavaScript. Every send here has
// its own text or title, so no other file's send meets the repeat warning.

type Words = {
  next: string;
  use: RegExp;
  chosen: string;
  pickers: { type: string; open: string; field: string }[];
};

const en: Words = {
  next: "Next",
  use: /^Use /,
  chosen: "Chosen: ",
  pickers: [
    { type: "Article", open: "Choose from drafts", field: "Article media_id" },
    { type: "Voice", open: "Choose from voice materials", field: "Voice media_id" },
    { type: "Image", open: "Add from image materials", field: "Image media_ids (one per line, in order)" },
    { type: "Video", open: "Choose from video materials", field: "Video media_id (mpvideo)" },
  ],
};

const zh: Words = {
  next: "下一页",
  use: /^选用/,
  chosen: "已选：",
  pickers: [
    { type: "图文", open: "从草稿箱选择", field: "图文 media_id" },
    { type: "语音", open: "从语音素材选择", field: "语音 media_id" },
    { type: "图片", open: "从图片素材添加", field: "图片 media_id（每行一个，按顺序）" },
    { type: "视频", open: "从视频素材选择", field: "视频 media_id（mpvideo）" },
  ],
};

async function openCompose(page: Page) {
  await logIn(page, admin.username, admin.password);
  await page.goto("/compose");
  await hydrated(page);
}

async function chooseTag(page: Page, option: RegExp) {
  await page.getByRole("radio", { name: /^(One tag|按标签)$/ }).check();
  await page.getByLabel(/^(Tag|标签)$/).selectOption({ label: (await tagLabel(page, option)) ?? "" });
}

async function tagLabel(page: Page, option: RegExp): Promise<string | undefined> {
  const labels = await page.getByLabel(/^(Tag|标签)$/).locator("option").allTextContents();
  return labels.find((l) => option.test(l));
}

for (const [name, words, locale] of [
  ["English", en, "en-US"],
  ["Chinese", zh, "zh-CN"],
] as const) {
  test.describe(`pickers (${name})`, () => {
    test.use({ locale });

    for (const picker of words.pickers) {
      test(`${picker.open} pages past the first page`, async ({ page }) => {
        await openCompose(page);
        await page.getByRole("radio", { name: picker.type, exact: true }).check();
        await page.getByRole("button", { name: picker.open }).click();
        await expect(page.getByText(/^1–10 \/ \d+$/)).toBeVisible();
        // The pager is a pager, not program text.
        await expect(page.getByText(/on\s*:\s*click/)).toHaveCount(0);
        const next = page.getByRole("button", { name: words.next, exact: true });
        await expect(next).toBeEnabled();
        await next.click();
        await expect(page.getByText(/^11–\d+ \/ \d+$/)).toBeVisible();
        const item = page.getByRole("listitem").filter({ has: page.getByRole("button", { name: words.use }) }).first();
        const id = (await item.locator("code").textContent())?.trim() ?? "";
        expect(id).not.toBe("");
        await item.getByRole("button", { name: words.use }).click();
        const field = page.getByLabel(picker.field, { exact: true });
        if (picker.type === "Video" || picker.type === "视频") {
          // A video material becomes an mpvideo media_id of its own.
          await expect(field).toHaveValue(/\S/);
        } else {
          await expect(field).toHaveValue(id);
        }
      });
    }

    test("after picking, the picker closes and says what was picked", async ({ page }) => {
      await openCompose(page);
      const drafts = words.pickers[0];
      await page.getByRole("radio", { name: drafts.type, exact: true }).check();
      const open = page.getByRole("button", { name: drafts.open });
      await open.click();
      await page.getByRole("button", { name: new RegExp(`${words.use.source}.*Product update: what's new in April`) }).click();
      await expect(page.getByLabel(drafts.field, { exact: true })).toHaveValue("sim_draft_english_article_0004");
      await expect(page.getByRole("button", { name: words.use })).toHaveCount(0);
      await expect(open).toHaveAttribute("aria-expanded", "false");
      await expect(page.getByText(`${words.chosen}Product update: what's new in April`)).toBeVisible();

      const voice = words.pickers[1];
      await page.getByRole("radio", { name: voice.type, exact: true }).check();
      await page.getByRole("button", { name: voice.open }).click();
      await page.getByRole("button", { name: new RegExp(`${words.use.source}.*欢迎语\\.mp3`) }).click();
      await expect(page.getByLabel(voice.field, { exact: true })).toHaveValue("sim_voice_welcome");
      await expect(page.getByRole("button", { name: words.use })).toHaveCount(0);
      await expect(page.getByText(`${words.chosen}欢迎语.mp3`)).toBeVisible();
    });
  });
}

test.describe("at a phone's width", () => {
  test.use({ locale: "zh-CN", viewport: { width: 390, height: 844 } });

  test("the drafts picker pages, picks and fits the screen", async ({ page }) => {
    await openCompose(page);
    await page.getByRole("button", { name: "从草稿箱选择" }).click();
    await page.getByRole("button", { name: "下一页", exact: true }).click();
    await expect(page.getByText(/^11–\d+ \/ \d+$/)).toBeVisible();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(390);
    await page.getByRole("button", { name: /^选用/ }).first().click();
    await expect(page.getByLabel("图文 media_id", { exact: true })).toHaveValue(/^sim_draft_/);
    await expect(page.getByText(/^已选：/)).toBeVisible();
  });
});

test.describe("the confirmation shows what goes out", () => {
  test.use({ locale: "en-US" });

  test("a text's first lines, an article's titles, pictures by name and a video's title", async ({ page }) => {
    await openCompose(page);
    const marker = `first line ${Date.now()}`;
    await page.getByRole("radio", { name: "Text", exact: true }).check();
    await page.getByLabel("Message text").fill(`${marker}\nthe second line\nthe third line\nthe fourth line`);
    await chooseTag(page, /^VIP会员/);
    await page.getByRole("button", { name: "Send", exact: true }).click();
    let dialog = page.getByRole("dialog", { name: "Send to 1,286 followers of VIP会员?" });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByText(marker)).toBeVisible();
    await expect(dialog.getByText("the second line")).toBeVisible();
    await dialog.getByRole("link", { name: "Cancel" }).click();

    await page.getByRole("radio", { name: "Article", exact: true }).check();
    await page.getByLabel("Article media_id", { exact: true }).fill("sim_draft_weekly_digest_0002");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    dialog = page.getByRole("dialog", { name: "Send to 1,286 followers of VIP会员?" });
    await expect(dialog.getByText("本周精选｜读者来信")).toBeVisible();
    await expect(dialog.getByText("编辑手记：我们为什么做这期专题")).toBeVisible();
    await dialog.getByRole("link", { name: "Cancel" }).click();

    await page.getByRole("radio", { name: "Image", exact: true }).check();
    await page.getByLabel("Image media_ids (one per line, in order)").fill("aaa\nbbb");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    dialog = page.getByRole("dialog", { name: "Send to 1,286 followers of VIP会员?" });
    await expect(dialog.getByText("2 pictures")).toBeVisible();
    await expect(dialog.getByText("seed-aaa.jpg")).toBeVisible();
    await expect(dialog.getByText("seed-bbb.jpg")).toBeVisible();
    await dialog.getByRole("link", { name: "Cancel" }).click();

    await page.getByRole("radio", { name: "Video", exact: true }).check();
    await page.getByRole("button", { name: "Choose from video materials" }).click();
    await page.getByRole("button", { name: /^Use .*store-tour\.mp4/ }).click();
    await expect(page.getByLabel("Video media_id (mpvideo)")).toHaveValue(/\S/);
    await page.getByRole("button", { name: "Send", exact: true }).click();
    dialog = page.getByRole("dialog", { name: "Send to 1,286 followers of VIP会员?" });
    await expect(dialog.getByText("store-tour.mp4")).toBeVisible();
  });

  test("in Chinese too", async ({ browser }) => {
    const context = await browser.newContext({ locale: "zh-CN" });
    const page = await context.newPage();
    await openCompose(page);
    const marker = `第一行 ${Date.now()}`;
    await page.getByRole("radio", { name: "文本", exact: true }).check();
    await page.getByLabel("文本内容").fill(`${marker}\n第二行`);
    await chooseTag(page, /^内测用户/);
    await page.getByRole("button", { name: "发送", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "确认发送给标签“内测用户”的 12 位粉丝？" });
    await expect(dialog.getByText(marker)).toBeVisible();
    await expect(dialog.getByText("第二行")).toBeVisible();
    await dialog.getByRole("link", { name: "取消" }).click();
    await page.getByRole("radio", { name: "图片", exact: true }).check();
    await page.getByLabel("图片 media_id（每行一个，按顺序）").fill("aaa\nbbb\nccc");
    await page.getByRole("button", { name: "发送", exact: true }).click();
    await expect(page.getByRole("dialog").getByText("3 张图片")).toBeVisible();
    await context.close();
  });
});

test.describe("history and the send page name what was sent", () => {
  for (const [locale, ids] of [
    ["en-US", "IDs"],
    ["zh-CN", "ID"],
  ] as const) {
    test.describe(locale, () => {
      test.use({ locale });

      test(`pictures by name, their ids one click away (${locale})`, async ({ page }) => {
        await openCompose(page);
        const title = `named pictures ${locale} ${Date.now()}`;
        await page.getByRole("radio", { name: /^(Image|图片)$/ }).check();
        await page.getByLabel(/^(Image media_ids \(one per line, in order\)|图片 media_id（每行一个，按顺序）)$/).fill("aaa\nccc");
        await page.getByLabel(/^(Title|标题)$/).fill(title);
        await chooseTag(page, /^星标组/);
        await page.getByRole("button", { name: /^(Send|发送)$/ }).click();
        await page.getByRole("dialog").getByRole("button", { name: /^(Confirm|确认)$/ }).click();
        await expect(page.getByRole("link", { name: /See this send's details|查看这次群发的详情/ })).toBeVisible();

        await page.goto("/sends");
        const link = page.getByRole("link", { name: new RegExp(title) });
        await expect(link).toContainText("seed-aaa.jpg");
        await expect(link).toContainText("seed-ccc.jpg");
        await expect(link).not.toContainText("aaa,");
        await link.click();
        await expect(page).toHaveURL(/\/sends\/\d+$/);
        const content = page.getByRole("region", { name: /^(Content|内容)$/ });
        await expect(content.getByText("seed-aaa.jpg")).toBeVisible();
        await expect(content.getByText("seed-ccc.jpg")).toBeVisible();
        // An open send's page redraws itself as news comes; an ended one stays.
        await expect(page.getByText(/^(Finished|已完成)$/).first()).toBeVisible();
        const details = page.locator("details").filter({ has: page.getByText(ids, { exact: true }) });
        await expect(details.getByText("aaa", { exact: true })).toBeHidden();
        await details.getByText(ids, { exact: true }).click();
        await expect(details.getByText("aaa", { exact: true })).toBeVisible();
        await expect(details.getByText("ccc", { exact: true })).toBeVisible();
      });
    });
  }
});

test.describe("Enter in a field", () => {
  for (const javaScriptEnabled of [true, false]) {
    test.describe(`${javaScriptEnabled ? "with" : "without"} JavaScript`, () => {
      test.use({ locale: "en-US", javaScriptEnabled });

      test("asks to confirm the send and sends no preview", async ({ page }) => {
        await logIn(page, admin.username, admin.password);
        await page.goto("/compose");
        if (javaScriptEnabled) await hydrated(page);
        await page.getByRole("radio", { name: "Card", exact: true }).check();
        await page.getByRole("radio", { name: "One tag" }).check();
        await page.getByLabel("Tag", { exact: true }).selectOption({ label: "星标组 (36 followers)" });
        await page.getByLabel("Preview recipient").fill(`enter-${Date.now()}`);
        await page.getByLabel("Card ID").fill("pSimCard_member_10off");
        await page.getByLabel("Card ID").press("Enter");
        await expect(page.getByRole("dialog", { name: "Send to 36 followers of 星标组?" })).toBeVisible();
        await expect(page.getByText("The preview was sent")).toHaveCount(0);
      });
    });
  }
});

test.describe("pickers without JavaScript", () => {
  test.use({ locale: "en-US", javaScriptEnabled: false });

  test("a voice from a list page past its first page, the rest of the form kept", async ({ page }) => {
    await logIn(page, admin.username, admin.password);
    await page.goto("/compose");
    await page.getByRole("radio", { name: "Voice", exact: true }).check();
    await page.getByRole("radio", { name: "One tag" }).check();
    await page.getByLabel("Tag", { exact: true }).selectOption({ label: "VIP会员 (1,286 followers)" });
    await page.getByRole("button", { name: "Choose from voice materials" }).click();
    await expect(page).toHaveURL(/\/compose\/pick\/voice\?/);
    await expect(page.getByText(/^1–10 \/ \d+$/)).toBeVisible();
    await page.getByRole("link", { name: "Next" }).click();
    await expect(page.getByText(/^11–\d+ \/ \d+$/)).toBeVisible();
    const item = page.getByRole("listitem").filter({ has: page.getByRole("button", { name: /^Use / }) }).first();
    const id = (await item.locator("code").textContent())?.trim() ?? "";
    await item.getByRole("button", { name: /^Use / }).click();
    await expect(page).toHaveURL(/\/compose\?attempt=/);
    await expect(page.getByRole("radio", { name: "Voice", exact: true })).toBeChecked();
    await expect(page.getByLabel("Voice media_id")).toHaveValue(id);
    await expect(page.getByLabel("Tag", { exact: true })).toHaveValue("100");
  });

  test("a draft from the list page, in Chinese", async ({ browser }) => {
    const context = await browser.newContext({ locale: "zh-CN", javaScriptEnabled: false });
    const page = await context.newPage();
    await logIn(page, admin.username, admin.password);
    await page.goto("/compose");
    await page.getByRole("button", { name: "从草稿箱选择" }).click();
    await expect(page).toHaveURL(/\/compose\/pick\/drafts\?/);
    await page.getByRole("button", { name: /^选用.*Product update: what's new in April/ }).click();
    await expect(page).toHaveURL(/\/compose\?attempt=/);
    await expect(page.getByLabel("图文 media_id")).toHaveValue("sim_draft_english_article_0004");
    await expect(page.getByText("已选：Product update: what's new in April")).toBeVisible();
    await context.close();
  });
});

test.describe("switching the language", () => {
  test.use({ locale: "en-US" });

  test("keeps what is typed in the form", async ({ page }) => {
    await openCompose(page);
    const text = `kept across languages ${Date.now()}`;
    await page.getByRole("radio", { name: "Text", exact: true }).check();
    await page.getByLabel("Message text").fill(text);
    await page.getByRole("button", { name: "简体中文" }).click();
    await hydrated(page);
    await expect(page.getByRole("radio", { name: "文本", exact: true })).toBeChecked();
    await expect(page.getByLabel("文本内容")).toHaveValue(text);
    await page.getByRole("button", { name: "English" }).click();
    await hydrated(page);
    await expect(page.getByLabel("Message text")).toHaveValue(text);
  });
});

test.describe("before hydration", () => {
  test.use({ locale: "en-US" });

  test("a picker clicked before the page has hydrated still answers", async ({ page }) => {
    await logIn(page, admin.username, admin.password);
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/*.wasm", async (route) => {
      await gate;
      await route.continue().catch(() => {});
    });
    await page.goto("/compose", { waitUntil: "domcontentloaded" });
    await expect(page.locator("#app")).not.toHaveAttribute("data-hydrated", "true");
    await page.getByRole("button", { name: "Choose from drafts" }).click();
    release();
    await expect(page.getByRole("button", { name: /^Use / }).first()).toBeVisible();
  });
});
