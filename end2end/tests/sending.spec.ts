import { type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

/** The sends the built-in WeChat recorded whose text contains `marker`. */
async function simulatedSends(page: Page, marker: string): Promise<number> {
  const state = await (await page.request.get("/sim/control/state")).json();
  return state.sends.filter((s: { request: unknown }) => JSON.stringify(s.request).includes(marker)).length;
}

/** A text no other test sends, so the repeat warning never meets it. */
function unique(name: string): string {
  return `e2e-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

const words = {
  en: {
    locale: "en-US",
    text: "Text",
    message: "Message text",
    oneTag: "One tag",
    tag: "Tag",
    searchTags: "Search tags",
    send: "Send",
    confirm: "Confirm",
    cancel: "Cancel",
    sending: "Sending…",
    took: "WeChat took the send",
    detail: "See this send's details",
    another: "Compose another",
    beta: "内测用户 (12 followers)",
    betaQuestion: "Send to 12 followers of 内测用户?",
    // How long ago follows the simulator's clock, which other specs move on.
    repeat: /You sent this to 内测用户 (less than a minute|\d+ minutes?|\d+ hours?) ago\. Send it again\?/,
    again: "Yes, send it again",
    sleeping: "沉睡用户 (0 followers: nobody to send to)",
    emptyTag: "This tag has no followers: a send to it would reach nobody. Choose another tag.",
    refreshed: "Tags refreshed: 6 tags.",
    noMatch: "No tag matches “xyz”.",
    doNotResend: "qunfa retries by itself with the same clientmsgid — do not send again.",
    waiting: "Waiting for the account's admin to confirm (API mass-send protection)",
  },
  zh: {
    locale: "zh-CN",
    text: "文本",
    message: "文本内容",
    oneTag: "按标签",
    tag: "标签",
    searchTags: "搜索标签",
    send: "发送",
    confirm: "确认",
    cancel: "取消",
    sending: "正在发送…",
    took: "微信已接受这次群发",
    detail: "查看这次群发的详情",
    another: "再写一条",
    beta: "内测用户（12 人）",
    betaQuestion: "确认发送给标签“内测用户”的 12 位粉丝？",
    repeat: /(不到 1 分钟|\d+ 分钟|\d+ 小时)前，你已把这条消息发给“内测用户”。要再发一次吗？/,
    again: "我确认再发一次",
    sleeping: "沉睡用户（0 人，无人可发）",
    emptyTag: "这个标签下没有粉丝：发给它不会送达任何人。请换一个标签。",
    refreshed: "标签已刷新：共 6 个。",
    noMatch: "没有与“xyz”匹配的标签。",
    doNotResend: "qunfa 会带着同一个 clientmsgid 自动重试——请不要再发一次。",
    waiting: "等待公众号管理员确认（API 群发保护）",
  },
};

async function textToBeta(page: Page, w: (typeof words)["en"], text: string) {
  await page.getByRole("radio", { name: w.text, exact: true }).check();
  await page.getByLabel(w.message).fill(text);
  await page.getByRole("radio", { name: w.oneTag }).check();
  await page.getByLabel(w.tag, { exact: true }).selectOption({ label: w.beta });
}

for (const [lang, w] of Object.entries(words)) {
  for (const size of [
    { width: 1366, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test.describe(`sending (${lang}, ${size.width} px)`, () => {
      test.use({ locale: w.locale, viewport: size });

      test.beforeEach(async ({ page }) => {
        await logIn(page, admin.username, admin.password);
        await page.goto("/compose");
        await hydrated(page);
      });

      test("the result takes the form's place, in view, with where to go next", async ({ page }) => {
        const text = unique("result");
        await textToBeta(page, w, text);
        const first = await page.locator("input[name='form[clientmsgid]']").inputValue();
        await page.getByRole("button", { name: w.send, exact: true }).click();
        await page.getByRole("dialog", { name: w.betaQuestion }).getByRole("button", { name: w.confirm }).click();
        const result = page.getByRole("status").filter({ has: page.getByRole("heading", { name: w.took }) });
        await expect(result).toBeInViewport();
        await expect(result).toBeFocused();
        // The filled form is gone: nothing to send twice by accident.
        await expect(page.getByLabel(w.message)).toBeHidden();
        await expect(result.getByRole("link", { name: w.detail })).toHaveAttribute("href", /^\/a\/main\/sends\/\d+$/);
        await page.screenshot({ path: `/tmp/send-result-${lang}-${size.width}.png` });

        await result.getByRole("link", { name: w.another }).click();
        await expect(page).toHaveURL(/\/compose$/);
        await hydrated(page);
        await page.getByRole("radio", { name: w.text, exact: true }).check();
        await expect(page.getByLabel(w.message)).toHaveValue("");
        const second = await page.locator("input[name='form[clientmsgid]']").inputValue();
        expect(second).not.toBe(first);
        expect(await simulatedSends(page, text)).toBe(1);
      });
    });
  }

  test.describe(`repeats, empty tags, advice and progress (${lang})`, () => {
    test.use({ locale: w.locale });

    test.beforeEach(async ({ page }) => {
      await logIn(page, admin.username, admin.password);
      await page.goto("/compose");
      await hydrated(page);
    });

    test("the same message to the same tag within a day asks before it goes again", async ({ page }) => {
      const text = unique("repeat");
      await textToBeta(page, w, text);
      await page.getByRole("button", { name: w.send, exact: true }).click();
      await page.getByRole("dialog", { name: w.betaQuestion }).getByRole("button", { name: w.confirm }).click();
      await page.getByRole("link", { name: w.another }).click();
      await hydrated(page);

      await textToBeta(page, w, text);
      await page.getByRole("button", { name: w.send, exact: true }).click();
      const dialog = page.getByRole("dialog", { name: w.betaQuestion });
      await expect(dialog.getByText(w.repeat)).toBeVisible();
      await page.screenshot({ path: `/tmp/send-repeat-${lang}.png` });
      const again = dialog.getByRole("checkbox", { name: w.again });
      // The browser holds Confirm back until it is ticked ...
      await dialog.getByRole("button", { name: w.confirm }).click();
      expect(await again.evaluate((box: HTMLInputElement) => box.validity.valueMissing)).toBe(true);
      // ... and the server refuses a confirmation without it.
      const clientmsgid = await dialog.locator("input[name=clientmsgid]").inputValue();
      const refused = await page.request.post("/api/confirm_send", {
        form: { account: "main", clientmsgid },
        headers: { Accept: "application/json", Origin: new URL(page.url()).origin },
      });
      expect(refused.status()).toBe(400);
      expect(await refused.json()).toEqual({ Rejected: "ConfirmRepeat" });
      expect(await simulatedSends(page, text)).toBe(1);

      await again.check();
      await dialog.getByRole("button", { name: w.confirm }).click();
      await expect(page.getByRole("heading", { name: w.took })).toBeVisible();
      expect(await simulatedSends(page, text)).toBe(2);
    });

    test("a tag with no followers is marked in the picker and refused", async ({ page }) => {
      await page.getByRole("radio", { name: w.oneTag }).check();
      const sleeping = page.getByRole("option", { name: w.sleeping });
      await expect(sleeping).toBeDisabled();
      // An altered page still cannot send to nobody.
      await page.getByRole("radio", { name: w.text, exact: true }).check();
      await page.getByLabel(w.message).fill(unique("empty"));
      await sleeping.evaluate((option: HTMLOptionElement) => {
        option.disabled = false;
      });
      await page.getByLabel(w.tag, { exact: true }).selectOption({ label: w.sleeping });
      await page.getByRole("button", { name: w.send, exact: true }).click();
      await expect(page.getByLabel(w.tag, { exact: true })).toHaveAccessibleDescription(w.emptyTag);
      await expect(page.getByRole("dialog")).toHaveCount(0);
    });

    test("while a send is in flight Confirm says so and Cancel is off", async ({ page }) => {
      const text = unique("slow");
      await textToBeta(page, w, `[sim:slow(3)] ${text}`);
      await page.getByRole("button", { name: w.send, exact: true }).click();
      const dialog = page.getByRole("dialog", { name: w.betaQuestion });
      await dialog.getByRole("button", { name: w.confirm }).click();
      const busy = dialog.getByRole("button", { name: w.sending });
      await expect(busy).toBeVisible();
      await expect(busy).toHaveAttribute("aria-busy", "true");
      await expect(busy).toBeDisabled();
      await expect(dialog.getByRole("link", { name: w.cancel })).toBeDisabled();
      await page.screenshot({ path: `/tmp/send-busy-${lang}.png` });
      await expect(page.getByRole("heading", { name: w.took })).toBeVisible();
      expect(await simulatedSends(page, text)).toBe(1);
    });

    test("a send with no answer says qunfa retries it, here and on its page", async ({ page }) => {
      await textToBeta(page, w, `[sim:http(503)] ${unique("unknown")}`);
      await page.getByRole("button", { name: w.send, exact: true }).click();
      await page.getByRole("dialog", { name: w.betaQuestion }).getByRole("button", { name: w.confirm }).click();
      const result = page.getByRole("alert").filter({ hasText: w.doNotResend });
      await expect(result).toBeVisible();
      await result.getByRole("link", { name: w.detail }).click();
      await expect(page).toHaveURL(/\/sends\/\d+$/);
      await expect(page.getByText(w.doNotResend)).toBeVisible();
    });

    test("a send waiting for the admin's phone is a notice, not an error", async ({ page }) => {
      await textToBeta(page, w, `[sim:admin(89505,approve) nocallback] ${unique("admin")}`);
      await page.getByRole("button", { name: w.send, exact: true }).click();
      await page.getByRole("dialog", { name: w.betaQuestion }).getByRole("button", { name: w.confirm }).click();
      const notice = page.getByRole("status").filter({ has: page.getByRole("heading", { name: w.waiting }) });
      await expect(notice).toBeVisible();
      await expect(page.getByRole("alert")).toHaveCount(0);
      await notice.getByRole("link", { name: w.detail }).click();
      await expect(page).toHaveURL(/\/sends\/\d+$/);
      await hydrated(page);
      await expect(page.getByRole("status").filter({ hasText: "89505" })).toBeVisible();
      await expect(page.getByRole("alert")).toHaveCount(0);
    });

    test("Refresh tags says it refreshed; a search without a match says so", async ({ page }) => {
      await page.getByRole("radio", { name: w.oneTag }).check();
      await page.getByRole("button", { name: lang === "en" ? "Refresh tags" : "刷新标签" }).click();
      await expect(page.getByRole("status").filter({ hasText: w.refreshed })).toBeVisible();
      await page.getByLabel(w.searchTags).fill("xyz");
      await expect(page.getByRole("status").filter({ hasText: w.noMatch })).toBeVisible();
      await page.getByLabel(w.searchTags).fill("内测");
      await expect(page.getByText(w.noMatch)).toHaveCount(0);
    });
  });
}

test.describe("a card's refusal is about the card", () => {
  test.use({ locale: "en-US" });

  test("40007 for a card names the card, not media or video", async ({ page }) => {
    await logIn(page, admin.username, admin.password);
    await page.goto("/compose");
    await hydrated(page);
    await page.getByRole("radio", { name: "Card", exact: true }).check();
    await page.getByLabel("Card ID").fill("pSimCard_member_10off");
    await page.getByRole("radio", { name: "One tag" }).check();
    await page.getByLabel("Tag", { exact: true }).selectOption({ label: "内测用户 (12 followers)" });
    await page.getByRole("button", { name: "Send", exact: true }).click();
    const queued = await page.request.post("/sim/control/scenario", {
      data: { scenario: "errcode(40007)", endpoint: "sendall", times: 1 },
    });
    expect(queued.ok()).toBe(true);
    await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "40007" });
    await expect(alert).toBeVisible();
    await expect(alert).toContainText("card_id");
    await expect(alert).not.toContainText(/video|uploadvideo|draft/);
  });
});

test.describe("sending without JavaScript", () => {
  test.use({ locale: "en-US", javaScriptEnabled: false });

  test("Confirm comes back as the result in the form's place, with where to go next", async ({ page }) => {
    const w = words.en;
    const text = unique("no-script-result");
    await logIn(page, admin.username, admin.password);
    await page.goto("/compose");
    await textToBeta(page, w, text);
    await page.getByRole("button", { name: w.send, exact: true }).click();
    await page.getByRole("dialog", { name: w.betaQuestion }).getByRole("button", { name: w.confirm }).click();
    await expect(page).toHaveURL(/\/compose\?sent=\d+/);
    const result = page.getByRole("status").filter({ has: page.getByRole("heading", { name: w.took }) });
    await expect(result).toBeInViewport();
    await expect(page.getByLabel(w.message)).toBeHidden();
    await expect(result.getByRole("link", { name: w.detail })).toHaveAttribute("href", /^\/a\/main\/sends\/\d+$/);
    await result.getByRole("link", { name: w.another }).click();
    await expect(page).toHaveURL(/\/compose$/);
    await page.getByRole("radio", { name: w.text, exact: true }).check();
    await expect(page.getByLabel(w.message)).toHaveValue("");
  });

  test("the tag search is a plain search that keeps what was typed", async ({ page }) => {
    const w = words.en;
    const text = unique("no-script-search");
    await logIn(page, admin.username, admin.password);
    await page.goto("/compose");
    await page.getByRole("radio", { name: w.text, exact: true }).check();
    await page.getByLabel(w.message).fill(text);
    await page.getByRole("radio", { name: w.oneTag }).check();
    await page.getByLabel(w.searchTags).fill("北京");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect(page).toHaveURL(/tag_search=/);
    await expect(page.getByLabel(w.message)).toHaveValue(text);
    await expect(page.getByLabel(w.searchTags)).toHaveValue("北京");
    await expect(page.getByRole("option", { name: "北京读者 (3,402 followers)" })).toBeAttached();
    await expect(page.getByRole("option", { name: "VIP会员 (1,286 followers)" })).toHaveCount(0);
    await page.getByLabel(w.tag, { exact: true }).selectOption({ label: "北京读者 (3,402 followers)" });
    await page.getByRole("button", { name: w.send, exact: true }).click();
    await expect(page.getByRole("dialog", { name: "Send to 3,402 followers of 北京读者?" })).toBeVisible();

    await page.goto("/compose?tag_search=xyz");
    await expect(page.getByText(w.noMatch)).toBeVisible();
  });

  test("the repeat warning asks without JavaScript too", async ({ page }) => {
    const w = words.en;
    const text = unique("no-script-repeat");
    await logIn(page, admin.username, admin.password);
    for (const round of [1, 2]) {
      await page.goto("/compose");
      await textToBeta(page, w, text);
      await page.getByRole("button", { name: w.send, exact: true }).click();
      const dialog = page.getByRole("dialog", { name: w.betaQuestion });
      if (round === 1) {
        await expect(dialog.getByText(w.repeat)).toHaveCount(0);
        await dialog.getByRole("button", { name: w.confirm }).click();
        await expect(page).toHaveURL(/\/compose\?sent=\d+/);
        continue;
      }
      await expect(dialog.getByText(w.repeat)).toBeVisible();
      await dialog.getByRole("checkbox", { name: w.again }).check();
      await dialog.getByRole("button", { name: w.confirm }).click();
      await expect(page).toHaveURL(/\/compose\?sent=\d+/);
      await expect(page.getByRole("heading", { name: w.took })).toBeVisible();
    }
    expect(await simulatedSends(page, text)).toBe(2);
  });
});
