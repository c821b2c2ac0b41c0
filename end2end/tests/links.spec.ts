import { createHash } from "node:crypto";
import { expect, test } from "@playwright/test";
import { admin, hydrated, logIn } from "./helpers";

// A URL that comes from WeChat is a link only when it is http: or https:;
// anything else is shown as text.
test.describe("links from WeChat", () => {
  test.use({ locale: "en-US" });

  test.beforeEach(async ({ page }) => {
    await logIn(page, admin.username, admin.password);
  });

  test("a javascript: URL in a callback is shown as text, never as a link", async ({ page }) => {
    const headers = { Accept: "application/json", Origin: new URL(page.url()).origin };
    // A send whose push the simulator leaves out: this test pushes its own.
    const id = `qf-e2e-links-${Date.now() % 1e8}`;
    const form = {
      account: "main", "form[clientmsgid]": id, "form[msgtype]": "text", "form[audience]": "tag",
      "form[tag_id]": "102", "form[text_content]": `[sim:nocallback] e2e links ${id}`,
    };
    expect((await page.request.post("/api/prepare_send", { form, headers })).ok()).toBe(true);
    const confirmed = await page.request.post("/api/confirm_send", { form: { account: "main", clientmsgid: id }, headers });
    expect(confirmed.ok()).toBe(true);
    // Read as text: a msg_id may be past what a JavaScript number holds.
    const answer = await confirmed.text();
    const sendId = answer.match(/"id":(\d+)/)?.[1];
    const msgId = answer.match(/"msg_id":(\d+)/)?.[1];
    expect(sendId).toBeTruthy();
    expect(msgId).toBeTruthy();

    // The callback, signed with the console's Token as WeChat signs it
    // (plaintext mode).
    const settings = await page.request.post("/api/load_settings", { form: { account: "main" }, headers });
    expect(settings.ok()).toBe(true);
    const token: string = (await settings.json()).callback_token;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = `links${Date.now()}`;
    const signature = createHash("sha1").update([token, timestamp, nonce].sort().join("")).digest("hex");
    const xml = `<xml>
<ToUserName><![CDATA[gh_4d00ed8d6399]]></ToUserName>
<FromUserName><![CDATA[oV5CrjpxgaGXNHIQigzNlgLTnwic]]></FromUserName>
<CreateTime>${timestamp}</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[MASSSENDJOBFINISH]]></Event>
<MsgID>${msgId}</MsgID>
<Status><![CDATA[send success]]></Status>
<TotalCount>12</TotalCount><FilterCount>12</FilterCount><SentCount>12</SentCount><ErrorCount>0</ErrorCount>
<CopyrightCheckResult><Count>1</Count><ResultList><item>
<ArticleIdx>1</ArticleIdx><UserDeclareState>0</UserDeclareState><AuditState>2</AuditState>
<OriginalArticleUrl><![CDATA[javascript:alert(2)]]></OriginalArticleUrl>
<OriginalArticleType>1</OriginalArticleType><CanReprint>1</CanReprint>
<NeedReplaceContent>1</NeedReplaceContent><NeedShowReprintSource>1</NeedShowReprintSource>
</item></ResultList><CheckState>2</CheckState></CopyrightCheckResult>
<ArticleUrlResult><Count>1</Count><ResultList><item>
<ArticleIdx>1</ArticleIdx><ArticleUrl><![CDATA[javascript:alert(1)]]></ArticleUrl>
</item></ResultList></ArticleUrlResult>
</xml>`;
    const pushed = await page.request.post(
      `/wechat/callback?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}`,
      { data: xml, headers: { "Content-Type": "text/xml" } },
    );
    expect(await pushed.text()).toBe("success");

    await page.goto(`/sends/${sendId}`);
    await hydrated(page);
    await expect(page.getByText("Finished", { exact: true }).first()).toBeVisible({ timeout: 8_000 });
    // Both addresses are on the page, as text.
    await expect(page.getByText("javascript:alert(1)", { exact: true })).toBeVisible();
    await expect(page.getByText("javascript:alert(2)", { exact: true })).toBeVisible();
    // No link anywhere on the page leads to them.
    const hrefs = await page.getByRole("link").evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) {
      expect(href.trim().toLowerCase()).not.toContain("javascript:");
    }
    await expect(page.getByRole("link", { name: "Original article" })).toHaveCount(0);
  });
});
