import { type Browser, type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

// The account's mass-send quota (issue 18): Compose says what is left
// beside the audience, the confirmation warns before a send past it, and
// WeChat's 45028 is explained with it. Each test gets a simulated 订阅号
// of its own whose quota the built-in WeChat enforces (the global setup
// switches it off for the other specs), and an editor who may use it.

const origin = () => new URL(process.env.BASE_URL ?? "http://127.0.0.1:3100").origin;
const json = () => ({ Accept: "application/json", Origin: origin() });
const password = "quota-editor-password-1";

const words = {
  en: {
    locale: "en-US",
    text: "Text",
    message: "Message text",
    oneTag: "One tag",
    allFollowers: "All followers",
    tag: "Tag",
    send: "Send",
    confirm: "Confirm",
    took: "WeChat took the send",
    refused: "WeChat refused the send: nothing was sent",
    another: "Compose another",
    oneLeft: "1 send left today (renews at midnight China time)",
    noneLeft: "0 sends left today (renews at midnight China time)",
    console: "Sends made in the WeChat web console count too, and qunfa cannot see them: fewer may be left.",
    warning: /^This subscription account may mass-send 1 time a day \(to all followers or to a tag\), and qunfa has seen 1 send today \(China time\): WeChat will likely refuse this send \(errcode 45028/,
    explained: /This subscription account may mass-send 1 time a day \(to all followers or to a tag\), and qunfa has seen 1 send today \(China time\)\. Sends made in the WeChat web console count too/,
    perFollower: /^A service account may send to a tag any number of times, but each follower receives at most 4 mass sends a month/,
    toAll: /^\d sends? to all followers left this month \(renews on 1 \w+ at midnight China time\)/,
  },
  zh: {
    locale: "zh-CN",
    text: "文本",
    message: "文本内容",
    oneTag: "按标签",
    allFollowers: "全部粉丝",
    tag: "标签",
    send: "发送",
    confirm: "确认",
    took: "微信已接受这次群发",
    refused: "微信拒绝了这次群发，消息没有发出",
    another: "再写一条",
    oneLeft: "今天还可群发 1 次（北京时间 0 点恢复）",
    noneLeft: "今天还可群发 0 次（北京时间 0 点恢复）",
    console: "在微信公众平台网页上的群发也计入次数，qunfa 看不到，所以实际剩余可能更少。",
    warning: /^这个订阅号每天只能群发 1 次（发给全部粉丝或按标签都算），今天已群发 1 次（北京时间，qunfa 所见）：这次群发很可能被微信拒绝（错误码 45028/,
    explained: /这个订阅号每天只能群发 1 次（发给全部粉丝或按标签都算），今天已群发 1 次（北京时间，qunfa 所见）。在微信公众平台网页上的群发也计入次数/,
    perFollower: /^服务号按标签群发不限次数，但每位粉丝每月最多收到 4 次群发/,
    toAll: /^本月还可群发全部粉丝 \d 次（北京时间 \d+ 月 1 日 0 点恢复）/,
  },
};

/** A fresh simulated 订阅号 whose quota the simulator enforces, and an editor granted only it. */
async function quotaAccount(page: Page): Promise<{ slug: string; editor: string }> {
  await logIn(page, admin.username, admin.password);
  await expect(page).not.toHaveURL(/\/login/);
  const stamp = `${Date.now() % 1e8}`;
  const added = await page.request.post("/api/add_simulated_account", {
    form: { name: `quota-${stamp}`, kind: "subscription" },
    headers: json(),
  });
  expect(added.ok(), await added.text()).toBe(true);
  const slug: string = (await added.json()).saved;
  expect(slug).toBeTruthy();
  const accounts = (await (await page.request.get("/sim/control/accounts")).json()).accounts;
  const appid: string = accounts[accounts.length - 1].appid;
  const on = await page.request.post(`/sim/control/quota?appid=${appid}`, { data: { enforce: true } });
  expect(on.ok(), await on.text()).toBe(true);

  const editor = `quota${stamp}`;
  const user = await page.request.post("/api/add_user", { form: { username: editor, password, role: "editor" }, headers: json() });
  expect(user.ok(), await user.text()).toBe(true);
  const users: { id: number; username: string }[] = await (await page.request.post("/api/list_users", { headers: json() })).json();
  const id = users.find((u) => u.username === editor)!.id;
  const granted = await page.request.post("/api/set_user_account", {
    form: { id: String(id), account: slug, granted: "true" },
    headers: json(),
  });
  expect(granted.ok(), await granted.text()).toBe(true);
  return { slug, editor };
}

async function signedIn(browser: Browser, username: string, options: { locale: string; viewport?: { width: number; height: number }; javaScriptEnabled?: boolean }) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await logIn(page, username, username === admin.username ? admin.password : password);
  await expect(page).not.toHaveURL(/\/login/);
  return { context, page };
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
    test(`an editor sees what is left, then 0 sends left and the warning, and 45028 explained (${lang}, ${size.width} px)`, async ({ page, browser }) => {
      const { slug, editor } = await quotaAccount(page);
      const { context, page: theirs } = await signedIn(browser, editor, { locale: w.locale, viewport: size });
      await theirs.goto(`/a/${slug}/compose`);
      await hydrated(theirs);
      const left = theirs.locator("#quota-left");
      await expect(left).toHaveText(w.oneLeft);
      await expect(theirs.getByText(w.console)).toBeVisible();
      // A 订阅号's day counts sends to all followers and to a tag alike.
      await theirs.getByRole("radio", { name: w.allFollowers }).check();
      await expect(left).toHaveText(w.oneLeft);
      await theirs.getByRole("radio", { name: w.oneTag }).check();
      await left.scrollIntoViewIfNeeded();
      await theirs.screenshot({ path: `/tmp/quota-left-${lang}-${size.width}.png` });
      await noSidewaysScroll(theirs);

      // The day's one send.
      await theirs.getByRole("radio", { name: w.text, exact: true }).check();
      await theirs.getByLabel(w.message).fill(`quota e2e ${Date.now()}`);
      await theirs.getByLabel(w.tag, { exact: true }).selectOption("120");
      await theirs.getByRole("button", { name: w.send, exact: true }).click();
      const dialog = theirs.getByRole("dialog");
      await expect(dialog.locator(".quota-warning")).toHaveCount(0);
      await dialog.getByRole("button", { name: w.confirm }).click();
      await expect(theirs.getByRole("heading", { name: w.took })).toBeVisible();

      await theirs.getByRole("link", { name: w.another }).click();
      await hydrated(theirs);
      await expect(theirs.locator("#quota-left")).toHaveText(w.noneLeft);

      // A second send today: warned before Confirm, which still sends.
      await theirs.getByRole("radio", { name: w.text, exact: true }).check();
      await theirs.getByLabel(w.message).fill(`quota e2e again ${Date.now()}`);
      await theirs.getByRole("radio", { name: w.oneTag }).check();
      await theirs.getByLabel(w.tag, { exact: true }).selectOption("121");
      await theirs.getByRole("button", { name: w.send, exact: true }).click();
      await expect(dialog.getByText(w.warning)).toBeVisible();
      await dialog.screenshot({ path: `/tmp/quota-warning-${lang}-${size.width}.png` });
      await noSidewaysScroll(theirs);
      await dialog.getByRole("button", { name: w.confirm }).click();
      // WeChat (the simulator) refuses it with 45028, explained with the quota.
      const result = theirs.getByRole("alert").filter({ has: theirs.getByRole("heading", { name: w.refused }) });
      await expect(result).toBeVisible();
      await expect(result).toContainText("45028");
      await expect(result).toContainText(w.explained);
      await result.screenshot({ path: `/tmp/quota-refused-${lang}-${size.width}.png` });
      await context.close();
    });
  }

  test.describe(`the quota without JavaScript (${lang})`, () => {
    test("Compose shows the quota of the audience the form has", async ({ browser }) => {
      const { context, page } = await signedIn(browser, admin.username, { locale: w.locale, javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
      // sim-2, a 服务号: a tag send is limited per follower, a send to all per month.
      await page.goto("/a/sim-2/compose");
      await expect(page.locator("#quota-left")).toHaveText(w.perFollower);
      await page.getByRole("radio", { name: w.text, exact: true }).check();
      await page.getByLabel(w.message).fill(`quota no-js ${Date.now()}`);
      await page.getByRole("radio", { name: w.allFollowers }).check();
      await page.getByRole("button", { name: w.send, exact: true }).click();
      await expect(page).toHaveURL(/\/a\/sim-2\/compose\?attempt=/);
      await expect(page.locator("#quota-left")).toHaveText(w.toAll);
      await page.locator("#quota-left").scrollIntoViewIfNeeded();
      await page.screenshot({ path: `/tmp/quota-nojs-${lang}.png` });
      await context.close();
    });
  });
}
