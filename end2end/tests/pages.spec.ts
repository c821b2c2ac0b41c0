import { type APIRequestContext, type Browser } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

// The smaller pages of the editor's experience: a send's delete, the users
// page and one's own password, the login lockout, the audit log, and a send
// that does not exist.

test.use({ locale: "en-US" });

const origin = () => new URL(process.env.BASE_URL ?? "http://127.0.0.1:3100").origin;
const json = () => ({ Accept: "application/json", Origin: origin() });

/** An article send of a draft (a send uses its media_id up), made as the compose page makes it; its id. */
async function sendDraft(request: APIRequestContext, mediaId: string): Promise<string> {
  const id = `qf-e2e-pages-${Date.now() % 1e8}`;
  const form = {
    account: "main", "form[clientmsgid]": id, "form[msgtype]": "mpnews", "form[audience]": "tag",
    "form[tag_id]": "101", "form[mpnews_media_id]": mediaId,
    "form[send_ignore_reprint]": "1",
  };
  expect((await request.post("/api/prepare_send", { form, headers: json() })).ok()).toBe(true);
  const confirmed = await request.post("/api/confirm_send", { form: { account: "main", clientmsgid: id }, headers: json() });
  expect(confirmed.ok()).toBe(true);
  const sendId = (await confirmed.text()).match(/"id":(\d+)/)?.[1];
  expect(sendId).toBeTruthy();
  return sendId!;
}

/** A signed-in page in its own browser context. */
async function signedIn(browser: Browser, locale: string, username: string, password: string, headers?: Record<string, string>) {
  const context = await browser.newContext({ locale, extraHTTPHeaders: headers });
  const page = await context.newPage();
  await logIn(page, username, password);
  await expect(page).not.toHaveURL(/\/login/);
  return { context, page };
}

/** Adds an editor through the users page's server functions, granted the first account. */
async function addEditor(request: APIRequestContext, username: string, password: string) {
  const added = await request.post("/api/add_user", { form: { username, password, role: "editor" }, headers: json() });
  expect(added.ok()).toBe(true);
  const users = await (await request.post("/api/list_users", { form: {}, headers: json() })).json();
  const id = String(users.find((u: { username: string }) => u.username === username).id);
  const granted = await request.post("/api/set_user_account", { form: { id, account: "main", granted: "true" }, headers: json() });
  expect(granted.ok()).toBe(true);
}

/** Red enough to read as danger: the red channel well above the others. */
function isRed(color: string): boolean {
  const [r, g, b] = (color.match(/\d+/g) ?? []).map(Number);
  return r > 150 && r > g + 60 && r > b + 60;
}

test.describe("deleting a send's articles", () => {
  test("delete is dangerous, names the articles by title and drops a deleted one, in both languages", async ({ page, browser }) => {
    await logIn(page, admin.username, admin.password);
    const id = await sendDraft(page.request, "sim_draft_two_articles_0022");
    await page.goto(`/sends/${id}`);
    await hydrated(page);
    await expect(page.getByText("Finished", { exact: true }).first()).toBeVisible({ timeout: 8_000 });

    const which = page.getByLabel("Which article");
    await expect(which.getByRole("option")).toHaveText([
      "Every article",
      "1. 秋季书单：十本好书",
      "2. 书店地图：城里的独立书店",
    ]);
    const button = page.getByRole("button", { name: "Delete", exact: true });
    await expect(button).toHaveClass(/danger/);
    expect(isRed(await button.evaluate((b) => getComputedStyle(b).backgroundColor))).toBe(true);

    await which.selectOption({ label: "1. 秋季书单：十本好书" });
    await page.getByLabel("I understand what deleting does").check();
    await button.click();
    await expect(page.getByRole("status").filter({ hasText: "秋季书单：十本好书" })).toContainText("was deleted");
    await expect(which.getByRole("option")).toHaveText([
      "Every article",
      "2. 书店地图：城里的独立书店",
    ]);
    const articles = page.getByRole("region", { name: /^Articles/ });
    await expect(articles.getByRole("row").filter({ hasText: "秋季书单：十本好书" })).toContainText("Deleted");

    const zh = await signedIn(browser, "zh-CN", admin.username, admin.password);
    await zh.page.goto(`/sends/${id}`);
    await expect(zh.page.getByLabel("删除哪一篇").getByRole("option")).toHaveText([
      "全部文章",
      "2. 书店地图：城里的独立书店",
    ]);
    await expect(zh.page.getByRole("row").filter({ hasText: "秋季书单：十本好书" })).toContainText("已删除");
    await expect(zh.page.getByRole("button", { name: "删除", exact: true })).toHaveClass(/danger/);

    // Every article: the delete form goes away.
    await which.selectOption({ label: "Every article" });
    await page.getByLabel("I understand what deleting does").check();
    await button.click();
    await expect(page.getByRole("status").filter({ hasText: "Every article" })).toBeVisible();
    await expect(page.getByLabel("Which article")).toHaveCount(0);
    await expect(articles.getByRole("row").filter({ hasText: "书店地图：城里的独立书店" })).toContainText("Deleted");
    await zh.context.close();
  });
});

test.describe("users and passwords", () => {
  test("the only admin is offered neither disable nor make editor for themself, and the server refuses both in words", async ({ page, browser }) => {
    for (const [locale, disable, demote, own] of [
      ["en-US", "Disable", "Change role", "This is your own account"],
      ["zh-CN", "停用", "修改角色", "这是你自己的账号"],
    ]) {
      const signed = await signedIn(browser, locale, admin.username, admin.password);
      await signed.page.goto("/users");
      const row = signed.page.getByRole("row").filter({ has: signed.page.getByRole("rowheader", { name: admin.username, exact: true }) });
      await expect(row).toContainText(own);
      await expect(row.getByRole("button", { name: new RegExp(`^${disable}`) })).toHaveCount(0);
      await expect(row.getByRole("button", { name: new RegExp(`^${demote}`) })).toHaveCount(0);
      await signed.context.close();
    }

    // As a form sent without JavaScript would (the admin is the first user).
    await logIn(page, admin.username, admin.password);
    const plain = { Accept: "text/html", Origin: origin(), Referer: `${origin()}/users` };
    for (const [fn, form] of [
      ["set_user_disabled", { id: "1", disabled: "true" }],
      ["set_user_role", { id: "1", role: "editor" }],
    ] as const) {
      const refused = await page.request.post(`/api/${fn}`, { form, headers: plain, maxRedirects: 0 });
      expect(refused.status()).toBeGreaterThanOrEqual(300);
      expect(refused.status()).toBeLessThan(400);
      await page.goto(refused.headers()["location"]);
      await expect(page.getByRole("alert")).toHaveText(/your own account|last active admin/);
    }
    await page.goto("/users");
    await expect(page.getByRole("row").filter({ hasText: "admin" }).first()).toContainText("Admin");
  });

  test("an editor changes their own password: the current one is needed, and their other sessions end", async ({ page, browser }) => {
    await logIn(page, admin.username, admin.password);
    const editor = `pw${Date.now() % 1e7}`;
    await addEditor(page.request, editor, "first-password-1");

    const here = await signedIn(browser, "en-US", editor, "first-password-1");
    // Elsewhere is another address (through the proxy header a loopback peer
    // may send): its failed login below counts against no other test's.
    const elsewhere = await signedIn(browser, "en-US", editor, "first-password-1", { "X-Forwarded-For": "198.51.100.51" });
    await here.page.goto("/compose");
    await hydrated(here.page);
    await here.page.getByRole("link", { name: "My password" }).click();
    await expect(here.page).toHaveURL(/\/account$/);
    await hydrated(here.page);
    await expect(here.page.getByText("At least 8 characters").first()).toBeVisible();

    await here.page.getByLabel("Current password").fill("not-my-password");
    await here.page.getByLabel("New password", { exact: true }).fill("second-password-2");
    await here.page.getByRole("button", { name: "Change password" }).click();
    await expect(here.page.getByRole("alert")).toHaveText("The current password is wrong; nothing was changed.");

    await here.page.getByLabel("Current password").fill("first-password-1");
    await here.page.getByLabel("New password", { exact: true }).fill("second-password-2");
    await here.page.getByRole("button", { name: "Change password" }).click();
    await expect(here.page.getByRole("status").filter({ hasText: "Your password was changed" })).toBeVisible();

    // This session goes on; the other one is over.
    await here.page.goto("/compose");
    await expect(here.page).toHaveURL(/\/compose$/);
    await elsewhere.page.goto("/compose");
    await expect(elsewhere.page).toHaveURL(/\/login\?next=%2Fcompose$/);
    await logIn(elsewhere.page, editor, "first-password-1");
    await expect(elsewhere.page.getByRole("alert")).toHaveText("The username or the password is wrong.");
    await logIn(elsewhere.page, editor, "second-password-2");
    await expect(elsewhere.page).toHaveURL(/\/compose$/);
    await here.context.close();
    await elsewhere.context.close();
  });

  test("every password field says the rule before anything is sent, in both languages", async ({ browser }) => {
    for (const [locale, rule] of [["en-US", "At least 8 characters"], ["zh-CN", "至少 8 个字符"]]) {
      const { context, page } = await signedIn(browser, locale, admin.username, admin.password);
      for (const path of ["/users", "/account"]) {
        await page.goto(path);
        const fields = page.locator("input[type=password][autocomplete=new-password]");
        expect(await fields.count()).toBeGreaterThan(0);
        for (const field of await fields.all()) {
          await expect(field).toHaveAccessibleDescription(new RegExp(rule));
        }
      }
      await context.close();
    }
  });

  test("the lockout after failed logins says how long it lasts, in both languages", async ({ browser }) => {
    for (const [locale, address, words] of [
      ["en-US", "198.51.100.41", /Try again in 5 minutes/],
      ["zh-CN", "198.51.100.42", /5 分钟后再试/],
    ] as const) {
      // From an address of its own (through the proxy header a loopback peer may
      // send), so no other test's logins are locked.
      const context = await browser.newContext({ locale, extraHTTPHeaders: { "X-Forwarded-For": address } });
      const page = await context.newPage();
      for (let i = 0; i < 5; i++) {
        await logIn(page, "nobody-pages", "not-the-password");
      }
      await expect(page.getByRole("alert")).toHaveText(words);
      await logIn(page, "nobody-pages", "not-the-password");
      await expect(page.getByRole("alert")).toHaveText(words);
      await context.close();
    }
  });
});

test.describe("the audit log", () => {
  test.describe("without JavaScript", () => {
    test.use({ javaScriptEnabled: false, locale: "en-US" });

    test("filters by who, what and when, pages back in time, and shows where failed logins came from", async ({ page }) => {
      // 55 failed logins, each from its own address, so none is locked out.
      const run = Date.now() % 1e6;
      for (let i = 0; i < 55; i++) {
        const failed = await page.request.post("/login", {
          form: { username: `probe${run}`, password: "wrong-password", next: "" },
          headers: { Origin: origin(), "X-Forwarded-For": `203.0.113.${i + 1}` },
          maxRedirects: 0,
        });
        expect(failed.status()).toBe(303);
      }
      await logIn(page, admin.username, admin.password);
      await page.goto("/audit");
      await page.getByLabel("Action").selectOption({ label: "Failed login" });
      await page.getByLabel("User").selectOption({ label: "Anyone" });
      await page.getByRole("button", { name: "Filter" }).click();
      await expect(page).toHaveURL(/action=login_failed/);
      const rows = page.getByRole("table").getByRole("row");
      await expect(rows).toHaveCount(51); // the header and 50 lines
      for (const row of (await rows.all()).slice(1)) {
        await expect(row).toContainText("Failed login");
      }
      await expect(rows.filter({ hasText: `probe${run}` }).filter({ hasText: /203\.0\.113\.55(?!\d)/ })).toHaveCount(1);
      await expect(rows.filter({ hasText: /203\.0\.113\.1(?!\d)/ }).filter({ hasText: `probe${run}` })).toHaveCount(0);

      await page.getByRole("link", { name: "Older entries" }).click();
      await expect(page).toHaveURL(/action=login_failed/);
      await expect(page).toHaveURL(/before=\d+/);
      await expect(rows.filter({ hasText: /203\.0\.113\.55(?!\d)/ }).filter({ hasText: `probe${run}` })).toHaveCount(0);
      await expect(rows.filter({ hasText: /203\.0\.113\.1(?!\d)/ }).filter({ hasText: `probe${run}` }).first()).toBeVisible();
      for (const row of (await rows.all()).slice(1)) {
        await expect(row).toContainText("Failed login");
      }

      // Who: the admin's lines only.
      await page.goto("/audit");
      await page.getByLabel("User").selectOption({ label: admin.username });
      await page.getByRole("button", { name: "Filter" }).click();
      await expect(rows.filter({ hasText: "Login" }).first()).toBeVisible();
      for (const row of (await rows.all()).slice(1)) {
        await expect(row.getByRole("cell").nth(1)).toHaveText(admin.username);
      }

      // When: nothing has happened since tomorrow (the filter's days are
      // China's, UTC+8).
      const tomorrow = new Date(Date.now() + (8 + 24) * 3_600_000).toISOString().slice(0, 10);
      await page.goto(`/audit?since=${tomorrow}`);
      await expect(page.getByLabel("Since")).toHaveValue(tomorrow);
      await expect(page.getByText("No entries match.")).toBeVisible();
    });
  });

  test("the Chinese audit log has no English words but identifiers and names", async ({ page, browser }) => {
    // Lines of every kind this file can make: a send, a deletion, a user
    // added, disabled, enabled, made admin and back, a password reset and
    // changed, a login and a failed one.
    await logIn(page, admin.username, admin.password);
    const sendId = await sendDraft(page.request, "sim_draft_single_article_0003");
    await page.goto(`/sends/${sendId}`);
    await expect(page.getByText("Finished", { exact: true }).first()).toBeVisible({ timeout: 8_000 });
    await page.getByLabel("Which article").selectOption({ index: 1 });
    await page.getByLabel("I understand what deleting does").check();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await expect(page.getByText(/was deleted/)).toBeVisible();
    const editor = `zh${Date.now() % 1e7}`;
    await addEditor(page.request, editor, "first-password-1");
    const users = await (await page.request.post("/api/list_users", { form: {}, headers: json() })).json();
    const editorId = String(users.find((u: { username: string }) => u.username === editor).id);
    for (const [fn, form] of [
      ["set_user_disabled", { id: editorId, disabled: "true" }],
      ["set_user_disabled", { id: editorId, disabled: "false" }],
      ["set_user_role", { id: editorId, role: "admin" }],
      ["set_user_role", { id: editorId, role: "editor" }],
      ["reset_user_password", { id: editorId, password: "second-password-2" }],
    ] as const) {
      expect((await page.request.post(`/api/${fn}`, { form, headers: json() })).ok()).toBe(true);
    }
    const own = await signedIn(browser, "zh-CN", editor, "second-password-2");
    expect((await own.page.request.post("/api/change_own_password", {
      form: { current: "second-password-2", password: "third-password-3" }, headers: json(),
    })).ok()).toBe(true);
    await own.context.close();
    const failed = await page.request.post("/login", {
      form: { username: editor, password: "not-the-password", next: "" },
      headers: { Origin: origin(), "X-Forwarded-For": "198.51.100.52" },
      maxRedirects: 0,
    });
    expect(failed.status()).toBe(303);

    const zh = await signedIn(browser, "zh-CN", admin.username, admin.password);
    await zh.page.goto("/audit");
    const body = zh.page.getByRole("table").locator("tbody");
    await expect(body.getByRole("row").first()).toBeVisible();
    // Names, identifiers and addresses are values, shown as such (`code`, `q`);
    // the time and the user columns hold a time and a name.
    const words: string[] = await body.evaluate((tbody) =>
      Array.from(tbody.querySelectorAll("tr")).map((row) => {
        const copy = row.cloneNode(true) as HTMLElement;
        copy.querySelectorAll("code, q").forEach((value) => value.remove());
        return Array.from(copy.querySelectorAll("td")).slice(2).map((cell) => cell.textContent ?? "").join(" | ");
      }),
    );
    const english = words.filter((line) => /[A-Za-z]{2,}/.test(line));
    expect(english).toEqual([]);
    for (const action of ["群发", "删除群发文章", "添加用户", "停用用户", "启用用户", "修改角色", "重置密码", "修改自己的密码", "登录失败"]) {
      await expect(body.getByRole("cell", { name: action, exact: true }).first()).toBeVisible();
    }
    await zh.context.close();
  });
});

test.describe("a send that does not exist", () => {
  for (const javaScriptEnabled of [true, false]) {
    test.describe(javaScriptEnabled ? "with JavaScript" : "without JavaScript", () => {
      test("answers 404 with the page in words and a way back, in both languages", async ({ browser }) => {
        for (const [locale, words, back] of [
          ["en-US", "There is no such send.", "Back to the history"],
          ["zh-CN", "找不到这条群发记录。", "返回历史"],
        ]) {
          const context = await browser.newContext({ locale, javaScriptEnabled });
          const page = await context.newPage();
          await logIn(page, admin.username, admin.password);
          await expect(page).not.toHaveURL(/\/login/);
          for (const path of ["/sends/99999", "/sends/abc"]) {
            const response = await page.goto(path);
            expect(response?.status(), path).toBe(404);
            await expect(page.getByRole("main")).toContainText(words);
            const link = page.getByRole("link", { name: back });
            await expect(link).toHaveAttribute("href", "/a/main/sends");
            if (javaScriptEnabled) {
              await hydrated(page);
              await expect(page.getByRole("main")).toContainText(words);
            }
          }
          await context.close();
        }
      });
    });
  }
});

