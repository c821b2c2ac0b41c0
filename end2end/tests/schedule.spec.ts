import { type Browser, type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

/** The simulator's now (unix seconds); its clock is the send worker's. */
async function simNow(page: Page, advance = 0): Promise<number> {
  const answer = await page.request.post("/sim/control/clock", { data: { advance_secs: advance } });
  expect(answer.ok()).toBe(true);
  return (await answer.json()).now;
}

/** `secs` from the simulator's now as a `datetime-local` value in China time (UTC+8, no daylight saving). */
function chinaTime(unix: number): string {
  return new Date((unix + 8 * 3600) * 1000).toISOString().slice(0, 16);
}

/**
 * A draft of the simulator's fixtures for each run that no other spec sends:
 * a send uses its draft up (40007 after), and the same one again would ask
 * to be ticked as a repeat.
 */
const DRAFTS: Record<string, string> = {
  "en-1366": "sim_draft_archive_0014",
  "en-390": "sim_draft_archive_0015",
  "zh-1366": "sim_draft_archive_0016",
  "zh-390": "sim_draft_archive_0017",
};

const words = {
  en: {
    locale: "en-US",
    oneTag: "One tag",
    tag: "Tag",
    beta: "内测用户 (12 followers)",
    at: "At…",
    sendAt: "Send at",
    send: "Send",
    confirmSchedule: "Confirm schedule",
    goesOut: /Goes out at \d{4}-\d\d-\d\d \d\d:\d\d \(China time \/ Asia\/Shanghai\)\./,
    scheduledHeading: "Scheduled: it goes at its time",
    scheduled: "Scheduled",
    submitted: "Submitted",
    finished: "Finished",
    tooSoon: "The time must be at least a minute from now. To send at once, choose Now.",
  },
  zh: {
    locale: "zh-CN",
    oneTag: "按标签",
    tag: "标签",
    beta: "内测用户（12 人）",
    at: "定时…",
    sendAt: "定时发送于",
    send: "发送",
    confirmSchedule: "确认定时",
    goesOut: /群发将于 \d{4}-\d\d-\d\d \d\d:\d\d（北京时间 \/ Asia\/Shanghai）发出。/,
    scheduledHeading: "已定时，到时发送",
    scheduled: "定时",
    submitted: "已提交",
    finished: "已完成",
    tooSoon: "定时必须至少在 1 分钟之后。要立即发送，请选择“现在”。",
  },
};

async function scheduleArticle(page: Page, w: (typeof words)["en"], draft: string, at: string) {
  await page.goto(`/a/main/compose?draft=${draft}`);
  await hydrated(page);
  await page.getByRole("radio", { name: w.oneTag }).check();
  await page.getByLabel(w.tag, { exact: true }).selectOption({ label: w.beta });
  await page.getByRole("radio", { name: w.at }).check();
  await page.getByLabel(w.sendAt).fill(at);
  await page.getByRole("button", { name: w.send, exact: true }).click();
}

for (const [lang, w] of Object.entries(words)) {
  for (const size of [
    { width: 1366, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test.describe(`scheduled sends (${lang}, ${size.width} px)`, () => {
      test.use({ locale: w.locale, viewport: size });

      test("an article scheduled ten minutes ahead goes at its time, seen in an open History tab", async ({ page, context }) => {
        await logIn(page, admin.username, admin.password);
        const now = await simNow(page);
        await scheduleArticle(page, w, DRAFTS[`${lang}-${size.width}`], chinaTime(now + 600));
        const dialog = page.getByRole("dialog");
        await expect(dialog.getByText(w.goesOut)).toBeVisible();
        await page.screenshot({ path: `/tmp/schedule-confirm-${lang}-${size.width}.png` });
        await dialog.getByRole("button", { name: w.confirmSchedule }).click();
        const result = page.getByRole("status").filter({ has: page.getByRole("heading", { name: w.scheduledHeading }) });
        await expect(result).toBeVisible();
        const detail = await result.getByRole("link").first().getAttribute("href");
        const id = detail!.split("/").pop()!;

        // History, open in its own tab, shows it scheduled with its time.
        const history = await context.newPage();
        await history.goto("/a/main/sends");
        await hydrated(history);
        const row = history.locator(`tr[data-send='${id}']`);
        await expect(row.getByText(w.scheduled, { exact: true })).toBeVisible();
        await expect(row.locator(".when")).toHaveText(chinaTime(now + 600).slice(5).replace("T", " "));
        await history.screenshot({ path: `/tmp/schedule-history-${lang}-${size.width}.png` });
        const width = await history.evaluate(() => document.documentElement.scrollWidth);
        expect(width).toBeLessThanOrEqual(size.width);

        // Its time comes: the open tab turns it submitted, then finished.
        await simNow(page, 660);
        await expect(row.getByText(new RegExp(`^(${w.submitted}|${w.finished})$`))).toBeVisible({ timeout: 15_000 });
        await expect(row.getByText(w.finished, { exact: true })).toBeVisible({ timeout: 30_000 });
        await history.screenshot({ path: `/tmp/schedule-finished-${lang}-${size.width}.png` });
      });
    });
  }
}

async function plainPage(browser: Browser, locale: string) {
  const context = await browser.newContext({ locale, javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await logIn(page, admin.username, admin.password);
  return { context, page };
}

test("without JavaScript a schedule is set, refused in words when too soon, rescheduled and cancelled", async ({ browser }) => {
  const w = words.en;
  const { context, page } = await plainPage(browser, w.locale);
  const now = await simNow(page);
  await page.goto("/a/main/compose");
  await page.getByRole("radio", { name: "Text", exact: true }).check();
  await page.getByLabel("Message text").fill(`e2e-schedule-plain-${Date.now()}`);
  await page.getByRole("radio", { name: w.oneTag }).check();
  await page.getByLabel(w.tag, { exact: true }).selectOption({ label: w.beta });
  await page.getByRole("radio", { name: w.at }).check();
  // A time already passed is refused beside the field.
  await page.getByLabel(w.sendAt).fill(chinaTime(now - 3600));
  await page.getByRole("button", { name: w.send, exact: true }).click();
  await expect(page.getByText(w.tooSoon)).toBeVisible();
  await page.getByLabel(w.sendAt).fill(chinaTime(now + 1800));
  await page.getByRole("button", { name: w.send, exact: true }).click();
  await expect(page.getByText(w.goesOut)).toBeVisible();
  await page.getByRole("button", { name: w.confirmSchedule }).click();
  await expect(page.getByRole("heading", { name: w.scheduledHeading })).toBeVisible();
  await page.getByRole("link", { name: "See this send's details" }).click();
  await page.screenshot({ path: "/tmp/schedule-plain-held.png", fullPage: true });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.getByLabel("Reschedule to").fill(chinaTime(now + 3600));
  await page.getByRole("button", { name: "Reschedule" }).click();
  await expect(page.getByText(chinaTime(now + 3600).replace("T", " ")).first()).toBeVisible();
  await page.getByRole("checkbox", { name: "Yes, cancel it: it will not be sent" }).check();
  await page.getByRole("button", { name: "Cancel send" }).click();
  await expect(page.getByText("Cancelled", { exact: true }).first()).toBeVisible();
  await page.screenshot({ path: "/tmp/schedule-plain-cancelled.png", fullPage: true });
  await context.close();
});
