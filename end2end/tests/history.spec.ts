import { admin, hydrated, logIn, expect, test } from "./helpers";

test.describe("history and send detail", () => {
  test.use({ locale: "en-US" });

  test.beforeEach(async ({ page }) => {
    await logIn(page, admin.username, admin.password);
  });

  test("an open history shows a new send and turns it finished with counts, without a reload", async ({ page, context }) => {
    await page.goto("/sends");
    await hydrated(page);
    // Set on this document only: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));

    const marker = `e2e-live-${Date.now()}`;
    const composer = await context.newPage();
    await composer.goto("/compose");
    await hydrated(composer);
    await composer.getByRole("radio", { name: "Text" }).check();
    await composer.getByLabel("Message text").fill(marker);
    await composer.getByRole("radio", { name: "One tag" }).check();
    await composer.getByLabel("Tag", { exact: true }).selectOption({ label: "内测用户 (12 followers)" });
    await composer.getByRole("button", { name: "Send", exact: true }).click();
    await composer.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
    await expect(composer.getByRole("heading", { name: "WeChat took the send" })).toBeVisible();

    const row = page.getByRole("row").filter({ hasText: marker });
    await expect(row).toBeVisible();
    await expect(row.getByText("Finished", { exact: true })).toBeVisible({ timeout: 8_000 });
    await expect(row.getByRole("cell", { name: /^\d+ \/ \d+$/ })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
  });

  test("an open send's page keeps what the editor unfolded while it asks for news", async ({ page }) => {
    await page.goto("/compose");
    await hydrated(page);
    await page.getByRole("radio", { name: "Text" }).check();
    // No callback: the send stays submitted, so its page keeps asking.
    await page.getByLabel("Message text").fill(`[sim:nocallback] e2e unfolded ${Date.now()}`);
    await page.getByRole("radio", { name: "One tag" }).check();
    await page.getByLabel("Tag", { exact: true }).selectOption({ label: "内测用户 (12 followers)" });
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("link", { name: "See this send's details" }).click();
    await expect(page).toHaveURL(/\/sends\/\d+$/);
    await hydrated(page);

    const request = page.locator("details").filter({ hasText: "The request sent to WeChat" });
    await request.locator("summary").click();
    await expect(request).toHaveAttribute("open", "");
    // Two more answers to the page's polling: an answer that changes
    // nothing draws nothing again.
    for (let i = 0; i < 2; i++) {
      await page.waitForResponse((r) => r.url().endsWith("/api/load_send_detail"));
    }
    await expect(request).toHaveAttribute("open", "");
    await expect(request.getByText('"msgtype"')).toBeVisible();
  });

  test("the detail of an article judged a reprint says each article's check in words", async ({ page }) => {
    await page.goto("/compose");
    await hydrated(page);
    await page.getByRole("radio", { name: "Article" }).check();
    await page.getByRole("button", { name: "Choose from drafts" }).click();
    await page.getByRole("button", { name: /^Use 转载测试：CheckState=2/ }).click();
    await page.getByRole("radio", { name: "Send anyway when the original author allows reprints" }).check();
    await page.getByRole("radio", { name: "One tag" }).check();
    await page.getByLabel("Tag", { exact: true }).selectOption({ label: "星标组 (36 followers)" });
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("link", { name: "See this send's details" }).click();
    await expect(page).toHaveURL(/\/sends\/\d+$/);
    await hydrated(page);

    await expect(page.getByText("Finished", { exact: true }).first()).toBeVisible({ timeout: 8_000 });
    await expect(page.getByText("Judged a reprint; can be sent")).toBeVisible();
    const table = page.getByRole("table");
    const first = table.getByRole("row").filter({ hasText: "1. 转载测试：CheckState=2" });
    await expect(first).toBeVisible();
    await expect(first.getByRole("cell", { name: "Can be reprinted", exact: true })).toBeVisible();
    await expect(first.getByRole("link", { name: "Original article" })).toBeVisible();
    await expect(table.getByRole("row").filter({ hasText: "2. 第二篇" })).toBeVisible();
    await expect(page.getByRole("img", { name: /^Sent [\d,]+ · Failed [\d,]+ · Filtered out [\d,]+ · Total 36$/ })).toBeVisible();
    await expect(page.getByRole("button", { name: "Delete" })).toBeVisible();
  });

  test("filters narrow the history and pages go back in time", async ({ page }) => {
    // 51 more sends, made the way the compose page makes them, so there is
    // more than one page whatever ran before.
    const run = Date.now();
    const headers = { Accept: "application/json", Origin: new URL(page.url()).origin };
    for (let i = 0; i < 52; i++) {
      const id = `qf-e2e-page-${run % 1e8}-${i}`;
      // The last one is refused by WeChat (a draft saved automatically).
      const text = i < 51 ? `e2e paging ${run} #${i}.` : `[sim:errcode(48021)] e2e refused ${run}`;
      const form = {
        account: "main", "form[clientmsgid]": id, "form[msgtype]": "text", "form[audience]": "tag",
        "form[tag_id]": "102", "form[text_content]": text,
      };
      expect((await page.request.post("/api/prepare_send", { form, headers })).ok()).toBe(true);
      expect((await page.request.post("/api/confirm_send", { form: { account: "main", clientmsgid: id }, headers })).ok()).toBe(true);
    }

    await page.goto("/sends");
    const table = page.getByRole("table");
    await expect(table.getByRole("row").filter({ hasText: `e2e paging ${run} #50.` })).toBeVisible();
    await expect(table.getByRole("row").filter({ hasText: `e2e paging ${run} #1.` })).toHaveCount(0);
    await expect(table.getByRole("row")).toHaveCount(51); // the header and 50 sends
    await page.getByRole("link", { name: "Older" }).click();
    await expect(page).toHaveURL(/before=\d+/);
    await expect(table.getByRole("row").filter({ hasText: `e2e paging ${run} #1.` })).toBeVisible();
    await expect(table.getByRole("row").filter({ hasText: `e2e paging ${run} #50.` })).toHaveCount(0);
    await page.getByRole("link", { name: "Newest", exact: true }).click();
    await expect(table.getByRole("row").filter({ hasText: `e2e paging ${run} #50.` })).toBeVisible();

    await page.getByLabel("Status").selectOption({ label: "Rejected" });
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/state=rejected/);
    const rows = table.getByRole("row");
    await expect(rows.filter({ hasText: `e2e refused ${run}` })).toBeVisible();
    const count = await rows.count();
    for (let i = 1; i < count; i++) {
      await expect(rows.nth(i).getByText("Rejected", { exact: true })).toBeVisible();
    }
    await page.getByLabel("Search").fill("no such summary anywhere");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page.getByText("No sends match.")).toBeVisible();
  });
});
