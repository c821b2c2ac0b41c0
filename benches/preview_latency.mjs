// From a keystroke in the article editor to the live preview showing it,
// for a 20,000-character article (issue 17: within 100 ms). Run by
// benches/preview_latency.sh, which starts qunfa on the simulator;
// BASE_URL points at it.
//
// The page contract (ui::drafts): on /a/main/drafts/new, a <textarea>
// labelled "Markdown" / "正文" holds the body and a region named
// "Preview" / "预览" shows it. The article (benches/fixtures/article.md)
// is put in the textarea with a last paragraph "qunfa-latency-"; then, RUNS
// times, one key is pressed at its end. In the page, the keydown's
// timestamp and the first animation frame after the preview's text holds
// the new character are taken (performance.now(), same clock), one run at
// a time.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// playwright-core comes from end2end's packages.
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const base = process.env.BASE_URL;
const runs = Number(process.env.RUNS ?? 20);
const article = readFileSync(new URL("fixtures/article.md", import.meta.url), "utf8");
const marker = "qunfa-latency-";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
const context = await browser.newContext({ locale: "en-US", baseURL: base });
const page = await context.newPage();
await page.goto("/login");
await page.getByLabel("Username").fill("admin");
await page.getByLabel("Password").fill(process.env.PASSWORD);
await page.getByRole("button", { name: "Log in" }).click();
await page.waitForURL(/\/compose/);
await page.goto("/a/main/drafts/new");
await page.waitForSelector('#app[data-hydrated="true"]');

const body = page.locator("textarea").and(page.getByLabel(/Markdown|正文/));
const preview = page.getByRole("region", { name: /^(Preview|预览)$/ });
await body.fill(`${article}\n\n${marker}`);
await preview.getByText(marker).first().waitFor({ timeout: 30_000 });

// The keystroke's time, and the frame after the preview first holds `expected`.
await page.evaluate(() => {
  window.__keyAt = 0;
  document.addEventListener("keydown", (event) => {
    window.__keyAt = event.timeStamp;
  }, { capture: true });
});
const regionHandle = await preview.elementHandle();

const latencies = [];
let typed = "";
for (let i = 0; i < runs; i++) {
  const key = "abcdefghijklmnopqrstuvwxyz"[i % 26];
  typed += key;
  const expected = marker + typed;
  const shown = page.evaluate(([region, expected]) => new Promise((resolve) => {
    const check = () => {
      if (!region.textContent.includes(expected)) return false;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.now() - window.__keyAt));
      return true;
    };
    const observer = new MutationObserver(check);
    observer.observe(region, { childList: true, subtree: true, characterData: true });
    check();
  }), [regionHandle, expected]);
  await body.evaluate((area) => area.setSelectionRange(area.value.length, area.value.length));
  await body.press(key);
  latencies.push(await shown);
  // Let the editor settle (an autosave, the next answer) before the next key.
  await page.waitForTimeout(300);
}
await browser.close();
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(
  `keystroke → preview shows it, 20,000-character article, ${runs} keys (ms): ` +
  `median ${at(0.5).toFixed(0)}, p90 ${at(0.9).toFixed(0)}, max ${latencies.at(-1).toFixed(0)}; ` +
  `all ${latencies.map((l) => l.toFixed(0)).join(" ")}`,
);
