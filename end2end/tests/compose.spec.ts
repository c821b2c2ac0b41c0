import { type Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

/** The sends the built-in WeChat recorded whose text contains `marker`. */
async function simulatedSends(page: Page, marker: string): Promise<number> {
  const state = await (await page.request.get("/sim/control/state")).json();
  return state.sends.filter((s: { request: unknown }) => JSON.stringify(s.request).includes(marker)).length;
}

async function chooseTag(page: Page, search: string, option: string) {
  await page.getByRole("radio", { name: "One tag" }).check();
  await page.getByLabel("Search tags").fill(search);
  await page.getByLabel("Tag", { exact: true }).selectOption({ label: option });
}

async function sendAndConfirm(page: Page, question: string) {
  await page.getByRole("button", { name: "Send", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: question });
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Confirm" }).click();
  const result = page.getByRole("status").filter({ has: page.getByRole("heading", { name: "WeChat took the send" }) });
  await expect(result).toBeVisible();
  await expect(result.getByText(/^\d{10,}$/).first()).toBeVisible();
  return result;
}

test.describe("compose and send", () => {
  test.use({ locale: "en-US" });

  test.beforeEach(async ({ page }) => {
    await logIn(page, admin.username, admin.password);
    await page.goto("/compose");
    await hydrated(page);
  });

  const vip = "Send to 1,286 followers of VIP会员?";

  test("an article from the drafts, previewed, sent to a tag, with the draft's titles kept", async ({ page }) => {
    await page.getByRole("radio", { name: "Article" }).check();
    await page.getByRole("button", { name: "Choose from drafts" }).click();
    await page.getByRole("button", { name: /^Use / }).first().click();
    await expect(page.getByLabel("Article media_id")).not.toHaveValue("");
    await page.getByRole("radio", { name: "Send anyway when the original author allows reprints" }).check();
    await chooseTag(page, "vip", "VIP会员 (1,286 followers)");

    await page.getByRole("radio", { name: "WeChat ID" }).check();
    await page.getByLabel("Preview recipient").fill("editor_phone");
    await page.getByRole("button", { name: "Preview" }).click();
    await expect(page.getByRole("status").filter({ hasText: "The preview was sent" })).toBeVisible();

    const result = await sendAndConfirm(page, vip);
    await expect(result.getByText("msg_data_id")).toBeVisible();
    await expect(result.getByText(/invalidates the draft's media_id/)).toBeVisible();
    await expect(result.getByRole("listitem").first()).toBeVisible();
  });

  test("text, voice, image, video and card sends each end with a msg_id", async ({ page }) => {
    // Text.
    await page.getByRole("radio", { name: "Text" }).check();
    await page.getByLabel("Message text").fill("e2e text 群发");
    await chooseTag(page, "VIP", "VIP会员 (1,286 followers)");
    await page.getByRole("radio", { name: "WeChat ID" }).check();
    await page.getByLabel("Preview recipient").fill("editor_phone");
    await page.getByRole("button", { name: "Preview" }).click();
    await expect(page.getByRole("status").filter({ hasText: "The preview was sent" })).toBeVisible();
    await sendAndConfirm(page, vip);

    // Voice, from the materials.
    await page.goto("/compose");
    await hydrated(page);
    await page.getByRole("radio", { name: "Voice" }).check();
    await page.getByRole("button", { name: "Choose from voice materials" }).click();
    await page.getByRole("button", { name: /^Use / }).first().click();
    await expect(page.getByLabel("Voice media_id")).not.toHaveValue("");
    await chooseTag(page, "北京", "北京读者 (3,402 followers)");
    await sendAndConfirm(page, "Send to 3,402 followers of 北京读者?");

    // Image: two pictures from the materials, a title and comments.
    await page.goto("/compose");
    await hydrated(page);
    await page.getByRole("radio", { name: "Image" }).check();
    await page.getByRole("button", { name: "Add from image materials" }).click();
    const uses = page.getByRole("button", { name: /^Use / });
    await uses.nth(0).click();
    await uses.nth(1).click();
    await expect(page.getByLabel("Image media_ids (one per line, in order)")).toHaveValue(/\S+\n\S+/);
    await page.getByLabel("Title", { exact: true }).fill("两张图");
    await page.getByRole("checkbox", { name: "Open comments" }).check();
    await chooseTag(page, "内测", "内测用户 (12 followers)");
    await sendAndConfirm(page, "Send to 12 followers of 内测用户?");

    // Video: a video material is converted to an mpvideo media_id first.
    await page.goto("/compose");
    await hydrated(page);
    await page.getByRole("radio", { name: "Video" }).check();
    await page.getByRole("button", { name: "Choose from video materials" }).click();
    await page.getByRole("button", { name: /^Use / }).first().click();
    await expect(page.getByRole("status").filter({ hasText: "turned into an mpvideo media_id" })).toBeVisible();
    await expect(page.getByLabel("Video media_id (mpvideo)")).not.toHaveValue("");
    await chooseTag(page, "English", "English readers (215 followers)");
    await sendAndConfirm(page, "Send to 215 followers of English readers?");

    // Card.
    await page.goto("/compose");
    await hydrated(page);
    await page.getByRole("radio", { name: "Card" }).check();
    await page.getByLabel("Card ID").fill("pSimCard_member_10off");
    await chooseTag(page, "星标", "星标组 (36 followers)");
    await sendAndConfirm(page, "Send to 36 followers of 星标组?");
  });

  test("all followers need a second, explicit confirmation", async ({ page }) => {
    const marker = `e2e-everyone-${Date.now()}`;
    await page.getByRole("radio", { name: "Text" }).check();
    await page.getByLabel("Message text").fill(marker);
    await page.getByRole("radio", { name: "All followers" }).check();
    await page.getByRole("button", { name: "Send", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Send to all 12,580 followers?" });
    await expect(dialog).toBeVisible();
    const yes = dialog.getByRole("checkbox", { name: "Yes, send to all 12,580 followers" });

    // Unticked, Confirm sends nothing: the browser holds the form back ...
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(dialog).toBeVisible();
    expect(await yes.evaluate((box: HTMLInputElement) => box.validity.valueMissing)).toBe(true);
    // ... and the server refuses a confirmation that does not carry it.
    const clientmsgid = await dialog.locator("input[name=clientmsgid]").inputValue();
    const origin = new URL(page.url()).origin;
    const refused = await page.request.post("/api/confirm_send", {
      form: { account: "main", clientmsgid },
      headers: { Accept: "application/json", Origin: origin },
    });
    expect(refused.status()).toBe(400);
    expect(await refused.json()).toEqual({ Rejected: "ConfirmAllFollowers" });
    expect(await simulatedSends(page, marker)).toBe(0);

    await yes.check();
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(page.getByRole("heading", { name: "WeChat took the send" })).toBeVisible();
    expect(await simulatedSends(page, marker)).toBe(1);
  });

  test("a problem found by the server is shown next to its field, and nothing is sent", async ({ page }) => {
    await page.getByRole("radio", { name: "Text" }).check();
    // Only spaces: the browser lets it through, the server does not.
    await page.getByLabel("Message text").fill("   ");
    await chooseTag(page, "VIP", "VIP会员 (1,286 followers)");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    const field = page.getByLabel("Message text");
    await expect(field).toHaveAccessibleDescription("This is required.");
    await expect(field).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByRole("dialog")).toHaveCount(0);

    await page.getByRole("radio", { name: "Voice" }).check();
    await page.getByLabel("Voice media_id").fill("not a media id");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect(page.getByLabel("Voice media_id")).toHaveAccessibleDescription(/not a WeChat id/);
  });

  test("a WeChat refusal is said in words with what to do", async ({ page }) => {
    await page.getByRole("radio", { name: "Text" }).check();
    await page.getByLabel("Message text").fill("[sim:errcode(48021)] e2e refused");
    await chooseTag(page, "VIP", "VIP会员 (1,286 followers)");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("dialog", { name: vip }).getByRole("button", { name: "Confirm" }).click();
    const alert = page.getByRole("alert").filter({ has: page.getByRole("heading", { name: /WeChat refused the send/ }) });
    await expect(alert).toBeVisible();
    await expect(alert).toContainText("48021");
    await expect(alert).toContainText("The draft was last saved automatically by the system and cannot be mass-sent");
    await expect(alert).toContainText("Open the draft in the WeChat console, save it by hand once, then send it from here.");
  });

  test("a double click on Confirm sends once", async ({ page }) => {
    const marker = `e2e-double-${Date.now()}`;
    await page.getByRole("radio", { name: "Text" }).check();
    await page.getByLabel("Message text").fill(`[sim:slow(1)] ${marker}`);
    await chooseTag(page, "VIP", "VIP会员 (1,286 followers)");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.getByRole("dialog", { name: vip }).getByRole("button", { name: "Confirm" }).dblclick();
    await expect(page.getByRole("heading", { name: "WeChat took the send" })).toBeVisible();
    expect(await simulatedSends(page, marker)).toBe(1);
  });

  test("two Confirm requests at once send once", async ({ page }) => {
    const marker = `e2e-concurrent-${Date.now()}`;
    await page.getByRole("radio", { name: "Text" }).check();
    await page.getByLabel("Message text").fill(`[sim:slow(1)] ${marker}`);
    await chooseTag(page, "VIP", "VIP会员 (1,286 followers)");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: vip });
    const clientmsgid = await dialog.locator("input[name=clientmsgid]").inputValue();
    const confirm = () =>
      page.request.post("/api/confirm_send", {
        form: { account: "main", clientmsgid },
        headers: { Accept: "application/json", Origin: new URL(page.url()).origin },
      });
    const [first, second] = await Promise.all([confirm(), confirm()]);
    expect(first.ok() && second.ok()).toBe(true);
    const [a, b] = [await first.json(), await second.json()];
    expect(a.id).toBe(b.id);
    expect(a.msg_id).toBe(b.msg_id);
    expect(await simulatedSends(page, marker)).toBe(1);
  });
});

test.describe("compose without JavaScript", () => {
  test.use({ locale: "en-US", javaScriptEnabled: false });

  test("an editor sends a text to a tag with plain forms", async ({ page }) => {
    const marker = `e2e-no-script-${Date.now()}`;
    await logIn(page, admin.username, admin.password);
    await page.goto("/compose");
    await page.getByRole("radio", { name: "Text" }).check();
    await page.getByLabel("Message text").fill(marker);
    await page.getByRole("radio", { name: "One tag" }).check();
    await page.getByLabel("Tag", { exact: true }).selectOption({ label: "VIP会员 (1,286 followers)" });
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect(page).toHaveURL(/\/compose\?attempt=/);
    const dialog = page.getByRole("dialog", { name: "Send to 1,286 followers of VIP会员?" });
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(page).toHaveURL(/\/compose\?sent=\d+/);
    await expect(page.getByRole("heading", { name: "WeChat took the send" })).toBeVisible();
    await expect(page.getByText(/^\d{10,}$/).first()).toBeVisible();
    expect(await simulatedSends(page, marker)).toBe(1);
  });

  test("a field problem comes back beside its field", async ({ page }) => {
    await logIn(page, admin.username, admin.password);
    await page.goto("/compose");
    await page.getByRole("radio", { name: "Text" }).check();
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect(page).toHaveURL(/\/compose\?attempt=/);
    await expect(page.getByLabel("Message text")).toHaveAccessibleDescription("This is required.");
    await expect(page.getByRole("radio", { name: "Text" })).toBeChecked();
  });
});
