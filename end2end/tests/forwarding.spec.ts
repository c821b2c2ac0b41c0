import { createHash } from "node:crypto";
import type { APIRequestContext, Page } from "@playwright/test";
import { admin, hydrated, logIn, expect, test } from "./helpers";

// The console under test forwards every callback to end2end/fake-backend.mjs
// (scripts/test.sh sets QUNFA_CALLBACK_FORWARD_URL; Playwright starts it).
const forwardUrl = new URL(process.env.QUNFA_CALLBACK_FORWARD_URL ?? "http://127.0.0.1:3190/wechat");
const control = new URL("/control", forwardUrl).toString();

type BackendAnswer = { status: number; contentType: string; body: string };

async function backendAnswers(request: APIRequestContext, answer: BackendAnswer) {
  expect((await request.post(control, { data: JSON.stringify(answer) })).ok()).toBe(true);
}

/** The callback Token, as Settings shows it to an admin. */
async function callbackToken(page: Page): Promise<string> {
  await page.goto("/settings");
  const server = page.getByRole("region", { name: /^(Server configuration|服务器配置)$/ });
  return (await server.getByText(/^[A-Za-z0-9]{32}$/).textContent()) ?? "";
}

let nextMsgId = Date.now();

/** A follower's text message, signed with the Token as WeChat signs it. */
async function followerMessage(request: APIRequestContext, token: string, text: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = `e2e${nextMsgId}`;
  const signature = createHash("sha1").update([token, timestamp, nonce].sort().join("")).digest("hex");
  const query = `signature=${signature}&timestamp=${timestamp}&nonce=${nonce}&openid=oE2eFollower`;
  const body =
    `<xml><ToUserName><![CDATA[gh_simulator]]></ToUserName><FromUserName><![CDATA[oE2eFollower]]></FromUserName>` +
    `<CreateTime>${timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${text}]]></Content>` +
    `<MsgId>${nextMsgId++}</MsgId></xml>`;
  const answer = await request.post(`/wechat/callback?${query}`, { data: body, headers: { "content-type": "text/xml" } });
  return { query, body, answer };
}

/** The value beside a term of a settings list. */
function valueOf(page: Page, region: string, term: string) {
  return page.getByRole("region", { name: region }).locator("dt", { hasText: term }).locator("+ dd");
}

test.describe("forwarding callbacks to the account's own backend", () => {
  test.afterAll(async ({ request }) => {
    await backendAnswers(request, { status: 200, contentType: "text/plain", body: "success" });
  });

  test.describe("in English, then Chinese", () => {
    test.use({ locale: "en-US" });

    test("the backend gets each callback as WeChat sent it, and Settings shows how it answered, in both languages", async ({
      page,
      request,
    }) => {
      await logIn(page, admin.username, admin.password);
      await expect(page).toHaveURL(/\/compose$/);
      const token = await callbackToken(page);
      expect(token).toMatch(/^[A-Za-z0-9]{32}$/);

      // The backend fails: WeChat still gets `success`, from qunfa.
      await backendAnswers(request, { status: 500, contentType: "text/plain", body: "boom" });
      const failed = await followerMessage(request, token, "转发：后端出错");
      expect(failed.answer.status()).toBe(200);
      expect(await failed.answer.text()).toBe("success");

      // The backend answers with a passive reply: it reaches WeChat unchanged.
      const reply =
        "<xml><ToUserName><![CDATA[oE2eFollower]]></ToUserName><FromUserName><![CDATA[gh_simulator]]></FromUserName>" +
        "<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[机器人：你好]]></Content></xml>";
      await backendAnswers(request, { status: 200, contentType: "application/xml", body: reply });
      const answered = await followerMessage(request, token, "转发：后端回复");
      expect(await answered.answer.text()).toBe(reply);
      expect(answered.answer.headers()["content-type"]).toBe("application/xml");

      const received = await (await request.get(`${control}/received`)).json();
      const last = received.at(-1);
      expect(last).toEqual({ query: answered.query, contentType: "text/xml", body: answered.body });

      await page.goto("/settings");
      await hydrated(page);
      const region = "Forwarding to your backend";
      await expect(page.getByRole("region", { name: region })).toBeVisible();
      await expect(valueOf(page, region, "Forward URL")).toHaveText(forwardUrl.toString());
      const count = async (term: string) => Number(await valueOf(page, region, term).textContent());
      expect(await count("Last hour: answered by the backend")).toBeGreaterThanOrEqual(1);
      expect(await count("Last hour: failed")).toBeGreaterThanOrEqual(1);
      await expect(valueOf(page, region, "Last hour: timed out")).toHaveText(/^\d+$/);
      await expect(valueOf(page, region, "Backend answer time (median)")).toHaveText(/^\d+(\.\d)? (ms|s)$/);
      await expect(valueOf(page, region, "Backend answer time (p99)")).toHaveText(/^\d+(\.\d)? (ms|s)$/);
      await expect(valueOf(page, region, "What went wrong")).toHaveText(
        "the backend answered HTTP 500 Internal Server Error; WeChat was answered success",
      );
      await expect(valueOf(page, region, "Last failure").locator("time")).toBeVisible();

      await page.getByRole("button", { name: "简体中文" }).click();
      const zh = "转发到已有后端";
      await expect(page.getByRole("region", { name: zh })).toBeVisible();
      await expect(valueOf(page, zh, "失败原因")).toHaveText("后端回复了 HTTP 500 Internal Server Error，已代为向微信回复 success");
      expect(Number(await valueOf(page, zh, "最近一小时：后端已应答").textContent())).toBeGreaterThanOrEqual(1);
    });
  });

  test.describe("without JavaScript, on a phone", () => {
    test.use({ javaScriptEnabled: false, viewport: { width: 390, height: 844 }, locale: "zh-CN" });

    test("Settings shows forwarding health and fits the screen", async ({ page }) => {
      await logIn(page, admin.username, admin.password);
      await expect(page).toHaveURL(/\/compose$/);
      await page.goto("/settings");
      const zh = "转发到已有后端";
      await expect(page.getByRole("region", { name: zh })).toBeVisible();
      await expect(valueOf(page, zh, "转发地址")).toHaveText(forwardUrl.toString());
      await expect(valueOf(page, zh, "最近一小时：失败")).toHaveText(/^\d+$/);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    });
  });
});
