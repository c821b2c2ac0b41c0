import { type Browser, type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

// Approval before a send (issue 18). Each test adds a simulated account of
// its own and switches "sends need approval" on there, so the other tests'
// sends on `main` and `sim-2` go as before. A simulated service account
// has the tag 金卡会员 (120, 842 followers).

const origin = () => new URL(process.env.BASE_URL ?? "http://127.0.0.1:3100").origin;
const json = () => ({ Accept: "application/json", Origin: origin() });

function unique(name: string): string {
  return `e2e-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

const words = {
  en: {
    locale: "en-US",
    needsApproval: "Sends need approval",
    save: "Save",
    text: "Text",
    message: "Message text",
    oneTag: "One tag",
    tag: "Tag",
    send: "Send",
    confirm: "Confirm",
    sentForApproval: "Sent for approval: it goes once approved",
    details: "See this send's details",
    awaiting: "Awaiting approval",
    attention: /^Needs attention: 1 /,
    queueTitle: "Approvals",
    audience: "Tag 金卡会员 (842 followers)",
    approve: "Approve",
    approvedSent: "Approved and sent: WeChat took it.",
    sentStates: /^(Submitted|Finished)$/,
    declineWhy: "Why you decline (required)",
    decline: "Decline",
    declined: "Declined: nothing was sent, and the author will see your comment.",
    declinedBadge: "Declined",
    decision: "Decision",
    approvedWord: "Approved",
    plainApproved: (id: string) => `Send #${id} approved.`,
    plainDeclined: (id: string) => `Send #${id} declined; the author will see your comment.`,
    username: "Username",
    password: "Password",
    role: "Role",
    roles: ["Editor", "Reviewer", "Admin"],
    add: "Add",
    roleOf: (name: string) => `Role of ${name}`,
    changeRole: "Change role",
    at: "At…",
    sendAt: "Send at",
    confirmSchedule: "Confirm schedule",
    scheduled: "Scheduled",
    submitted: "Submitted",
    finished: "Finished",
  },
  zh: {
    locale: "zh-CN",
    needsApproval: "群发需要审核",
    save: "保存",
    text: "文本",
    message: "文本内容",
    oneTag: "按标签",
    tag: "标签",
    send: "发送",
    confirm: "确认",
    sentForApproval: "已提交审核，通过后发送",
    details: "查看这次群发的详情",
    awaiting: "待审核",
    attention: /^需要处理：1（/,
    queueTitle: "审核",
    audience: "标签“金卡会员”（842 人）",
    approve: "批准",
    approvedSent: "已批准并发出：微信已接受。",
    sentStates: /^(已提交|已完成)$/,
    declineWhy: "拒绝的原因（必填）",
    decline: "拒绝",
    declined: "已拒绝：消息没有发出，提交人会看到你的意见。",
    declinedBadge: "审核未通过",
    decision: "审核结果",
    approvedWord: "已批准",
    plainApproved: (id: string) => `已批准群发 #${id}。`,
    plainDeclined: (id: string) => `已拒绝群发 #${id}，提交人会看到你的意见。`,
    username: "用户名",
    password: "密码",
    role: "角色",
    roles: ["编辑", "审核员", "管理员"],
    add: "添加",
    roleOf: (name: string) => `${name} 的角色`,
    changeRole: "修改角色",
    at: "定时…",
    sendAt: "定时发送于",
    confirmSchedule: "确认定时",
    scheduled: "定时",
    submitted: "已提交",
    finished: "已完成",
  },
};

/** The simulator's now (unix seconds), moved on by `advance`; its clock is the send worker's. */
async function simNow(page: Page, advance = 0): Promise<number> {
  const answer = await page.request.post("/sim/control/clock", { data: { advance_secs: advance } });
  expect(answer.ok()).toBe(true);
  return (await answer.json()).now;
}

/** A unix time as a `datetime-local` value in China time (UTC+8, no daylight saving). */
function chinaTime(unix: number): string {
  return new Date((unix + 8 * 3600) * 1000).toISOString().slice(0, 16);
}

type Words = (typeof words)["en"];

/** A simulated account of the test's own, whose sends need approval (set on the account form); its slug. */
async function accountNeedingApproval(page: Page, w: Words): Promise<string> {
  const added = await page.request.post("/api/add_simulated_account", {
    form: { name: unique("approval"), kind: "service" },
    headers: json(),
  });
  expect(added.ok(), await added.text()).toBe(true);
  const slug: string = (await added.json()).saved;
  await page.goto(`/accounts?edit=${slug}`);
  await hydrated(page);
  const form = page.locator("section.edit-account");
  await form.getByRole("checkbox", { name: w.needsApproval }).check();
  await form.getByRole("button", { name: w.save }).click();
  await expect(page.getByRole("status").filter({ hasText: slug })).toBeVisible();
  await page.goto(`/a/${slug}/settings`);
  await expect(page.getByRole("definition").filter({ hasText: /^(Yes|是)：?:?/ })).toBeVisible();
  return slug;
}

/** An editor granted `slug`, signed in in a context of their own. */
async function editorOf(browser: Browser, page: Page, slug: string, w: Words, viewport: { width: number; height: number }) {
  const username = `ed${Date.now() % 1e8}`;
  const password = "editor-password-1";
  const added = await page.request.post("/api/add_user", { form: { username, password, role: "editor" }, headers: json() });
  expect(added.ok(), await added.text()).toBe(true);
  const users = await (await page.request.post("/api/list_users", { headers: json() })).json();
  const id = String(users.find((u: { username: string }) => u.username === username).id);
  const granted = await page.request.post("/api/set_user_account", { form: { id, account: slug, granted: "true" }, headers: json() });
  expect(granted.ok()).toBe(true);
  const context = await browser.newContext({ locale: w.locale, viewport });
  const theirs = await context.newPage();
  await logIn(theirs, username, password);
  await expect(theirs).not.toHaveURL(/\/login/);
  return { context, page: theirs, username };
}

/** The editor sends a text to the tag; the result says it awaits approval; the send's id. */
async function sendForApproval(page: Page, slug: string, w: Words, text: string): Promise<string> {
  await page.goto(`/a/${slug}/compose`);
  await hydrated(page);
  await page.getByRole("radio", { name: w.text, exact: true }).check();
  await page.getByLabel(w.message).fill(text);
  await page.getByRole("radio", { name: w.oneTag }).check();
  await page.getByLabel(w.tag, { exact: true }).selectOption("120");
  await page.getByRole("button", { name: w.send, exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: w.confirm }).click();
  await expect(page.getByRole("heading", { name: w.sentForApproval })).toBeVisible();
  const href = await page.getByRole("link", { name: w.details }).getAttribute("href");
  const id = href?.match(/\/sends\/(\d+)$/)?.[1];
  expect(id, `the detail link ${href}`).toBeTruthy();
  return id!;
}

async function noSidewaysScroll(page: Page) {
  const wide = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(wide, "nothing wider than the window").toBe(false);
}

for (const [lang, w] of Object.entries(words)) {
  for (const size of [
    { width: 1366, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test.describe(`approval (${lang}, ${size.width} px)`, () => {
      test.use({ locale: w.locale, viewport: size });

      test("an editor's send waits; an admin sees it in the queue and approves it; the editor's history shows it sent", async ({ page, browser }) => {
        await logIn(page, admin.username, admin.password);
        const slug = await accountNeedingApproval(page, w);
        const editor = await editorOf(browser, page, slug, w, size);
        const text = unique("approve-me");
        const id = await sendForApproval(editor.page, slug, w, text);
        await editor.page.goto(`/a/${slug}/sends/${id}`);
        await expect(editor.page.locator("dl.facts .state").first()).toHaveText(w.awaiting);
        await editor.page.screenshot({ path: `/tmp/approval-waiting-${lang}-${size.width}.png`, fullPage: true });
        await noSidewaysScroll(editor.page);

        // The admin's navigation counts it and leads to the queue.
        await page.goto(`/a/${slug}/sends`);
        await hydrated(page);
        await page.getByRole("link", { name: w.attention }).click();
        await expect(page).toHaveURL(`/a/${slug}/approvals`);
        await hydrated(page);
        const item = page.getByRole("article").filter({ hasText: text });
        await expect(item).toContainText(editor.username);
        await expect(item).toContainText(w.audience);
        await expect(item.locator("blockquote.content-text")).toContainText(text);
        await page.screenshot({ path: `/tmp/approval-queue-${lang}-${size.width}.png`, fullPage: true });
        await noSidewaysScroll(page);
        await item.getByRole("button", { name: w.approve, exact: true }).click();
        await expect(page.getByRole("status").filter({ hasText: w.approvedSent })).toBeVisible();
        await expect(page.getByRole("article").filter({ hasText: text })).toHaveCount(0);

        // The editor's history shows it sent, and their count says it was decided.
        await editor.page.goto(`/a/${slug}/sends`);
        const row = editor.page.locator(`tr[data-send="${id}"]`);
        await expect(row.locator(".state")).toHaveText(w.sentStates);
        await editor.page.getByRole("link", { name: w.attention }).click();
        await hydrated(editor.page);
        await editor.page.getByRole("link", { name: new RegExp(`^#${id} `) }).click();
        const decision = editor.page.locator("dl.decision");
        await expect(decision).toContainText(w.approvedWord);
        await expect(decision).toContainText(admin.username);
        await editor.context.close();
      });

      test("a reviewer declines with a comment and the author reads it", async ({ page, browser }) => {
        await logIn(page, admin.username, admin.password);
        const slug = await accountNeedingApproval(page, w);
        const editor = await editorOf(browser, page, slug, w, size);
        const text = unique("decline-me");
        const id = await sendForApproval(editor.page, slug, w, text);
        const comment = unique("标题有错别字");

        await page.goto(`/a/${slug}/approvals`);
        await hydrated(page);
        const item = page.getByRole("article").filter({ hasText: text });
        await item.getByLabel(w.declineWhy).fill(comment);
        await item.getByRole("button", { name: w.decline, exact: true }).click();
        await expect(page.getByRole("status").filter({ hasText: w.declined })).toBeVisible();

        await editor.page.goto(`/a/${slug}/sends`);
        await expect(editor.page.locator(`tr[data-send="${id}"] .state`)).toHaveText(w.declinedBadge);
        await editor.page.goto(`/a/${slug}/sends/${id}`);
        await expect(editor.page.locator("dl.decision")).toContainText(comment);
        await editor.page.screenshot({ path: `/tmp/approval-declined-${lang}-${size.width}.png`, fullPage: true });
        await noSidewaysScroll(editor.page);
        await editor.context.close();
      });
    });
  }

  test.describe(`reviewer role (${lang})`, () => {
    test.use({ locale: w.locale });

    test("the users page adds a reviewer and changes the role", async ({ page }) => {
      await logIn(page, admin.username, admin.password);
      await page.goto("/users");
      await hydrated(page);
      const username = `rev${Date.now() % 1e8}`;
      const add = page.locator("section.add-user");
      await add.getByLabel(w.username, { exact: true }).fill(username);
      await add.getByLabel(w.password, { exact: true }).fill("reviewer-password-1");
      await expect(add.getByLabel(w.role).getByRole("option")).toHaveText(w.roles);
      await add.getByLabel(w.role).selectOption("reviewer");
      await add.getByRole("button", { name: w.add, exact: true }).click();
      const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: username, exact: true }) });
      await expect(row.getByRole("cell").first()).toHaveText(w.roles[1]);
      await row.getByLabel(w.roleOf(username)).selectOption("editor");
      await row.getByRole("button", { name: `${w.changeRole} ${username}` }).click();
      await expect(row.getByRole("cell").first()).toHaveText(w.roles[0]);
    });
  });

  test.describe(`a scheduled article approved (${lang})`, () => {
    test.use({ locale: w.locale, viewport: { width: 1366, height: 900 } });

    test("an editor schedules an article ten minutes ahead, an admin approves it, and at its time an open History tab shows it submitted then finished", async ({ page, browser }) => {
      await logIn(page, admin.username, admin.password);
      const slug = await accountNeedingApproval(page, w);
      const editor = await editorOf(browser, page, slug, w, { width: 1366, height: 900 });
      const now = await simNow(editor.page);
      // A draft of the simulated account's fixtures.
      await editor.page.goto(`/a/${slug}/compose?draft=svc_draft_member_day_0001`);
      await hydrated(editor.page);
      await editor.page.getByRole("radio", { name: w.oneTag }).check();
      await editor.page.getByLabel(w.tag, { exact: true }).selectOption("120");
      await editor.page.getByRole("radio", { name: w.at }).check();
      await editor.page.getByLabel(w.sendAt).fill(chinaTime(now + 600));
      await editor.page.getByRole("button", { name: w.send, exact: true }).click();
      await editor.page.getByRole("dialog").getByRole("button", { name: w.confirmSchedule }).click();
      await expect(editor.page.getByRole("heading", { name: w.sentForApproval })).toBeVisible();
      const href = await editor.page.getByRole("link", { name: w.details }).getAttribute("href");
      const id = href!.split("/").pop()!;

      // The editor's History, open in its own tab, follows the send.
      const history = await editor.context.newPage();
      await history.goto(`/a/${slug}/sends`);
      await hydrated(history);
      const row = history.locator(`tr[data-send='${id}']`);
      await expect(row.locator(".state")).toHaveText(w.awaiting);

      // The admin approves it in the queue: it waits for its time.
      await page.goto(`/a/${slug}/approvals`);
      await hydrated(page);
      const item = page.getByRole("article").filter({ has: page.getByRole("link", { name: new RegExp(`^#${id} `) }) });
      await item.getByRole("button", { name: w.approve, exact: true }).click();
      await expect(item).toHaveCount(0);
      await history.reload();
      await hydrated(history);
      await expect(row.getByText(w.scheduled, { exact: true })).toBeVisible();
      await history.screenshot({ path: `/tmp/approval-scheduled-${lang}.png` });

      // Its time comes: the open tab turns it submitted, then finished.
      await simNow(page, 660);
      await expect(row.locator(".state")).toHaveText(new RegExp(`^(${w.submitted}|${w.finished})$`), { timeout: 15_000 });
      await expect(row.locator(".state")).toHaveText(w.finished, { timeout: 30_000 });
      await editor.context.close();
    });
  });

  test.describe(`approval without JavaScript (${lang})`, () => {
    test.use({ locale: w.locale });

    test("the queue's plain forms approve and decline", async ({ page, browser }) => {
      await logIn(page, admin.username, admin.password);
      const slug = await accountNeedingApproval(page, w);
      const size = { width: 390, height: 844 };
      const editor = await editorOf(browser, page, slug, w, size);
      const first = await sendForApproval(editor.page, slug, w, unique("plain-yes"));
      const second = await sendForApproval(editor.page, slug, w, unique("plain-no"));
      await editor.context.close();

      const context = await browser.newContext({ locale: w.locale, javaScriptEnabled: false, viewport: size });
      const plain = await context.newPage();
      await logIn(plain, admin.username, admin.password);
      await plain.goto(`/a/${slug}/approvals`);
      await plain
        .getByRole("article")
        .filter({ has: plain.getByRole("link", { name: new RegExp(`^#${first} `) }) })
        .getByRole("button", { name: w.approve, exact: true })
        .click();
      await expect(plain).toHaveURL(`/a/${slug}/approvals?approved=${first}`);
      await expect(plain.getByRole("status").filter({ hasText: w.plainApproved(first) })).toBeVisible();
      const other = plain.getByRole("article").filter({ has: plain.getByRole("link", { name: new RegExp(`^#${second} `) }) });
      await other.getByLabel(w.declineWhy).fill("不合适 / not now");
      await other.getByRole("button", { name: w.decline, exact: true }).click();
      await expect(plain).toHaveURL(`/a/${slug}/approvals?declined=${second}`);
      await expect(plain.getByRole("status").filter({ hasText: w.plainDeclined(second) })).toBeVisible();
      await expect(plain.getByRole("article")).toHaveCount(0);
      await plain.screenshot({ path: `/tmp/approval-plain-${lang}.png`, fullPage: true });
      await context.close();
    });
  });
}
