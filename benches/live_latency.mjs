// From a callback's arrival to the row changing in an open browser
// (issue: the send history). Run by benches/live_latency.sh, which starts
// the release build on the simulator; BASE_URL points at it.
//
// For each of RUNS sends: /sends is open and hydrated in Chromium; the send
// is made through the server functions; the time the row shows "Finished"
// is taken in the page (performance.timeOrigin + performance.now()) and
// compared with the callback's received_at in the database (from the
// detail's callback_at). Same machine, same clock.
import { createRequire } from "node:module";

// playwright-core comes from end2end's packages.
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const base = process.env.BASE_URL;
const runs = Number(process.env.RUNS ?? 10);
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
await page.goto("/sends");
await page.waitForSelector('#app[data-hydrated="true"]');

const latencies = [];
for (let i = 0; i < runs; i++) {
  const marker = `latency-${Date.now()}-${i}`;
  const id = `qf-lat-${Date.now() % 1e9}-${i}`;
  const form = {
    "form[clientmsgid]": id, "form[msgtype]": "text", "form[audience]": "tag",
    "form[tag_id]": "102", "form[text_content]": marker,
  };
  const headers = { Accept: "application/json", Origin: base };
  await page.request.post("/api/prepare_send", { form, headers });
  const sent = await (await page.request.post("/api/confirm_send", { form: { clientmsgid: id }, headers })).json();
  const shown = await page.waitForFunction((marker) => {
    const row = [...document.querySelectorAll("tr")].find((r) => r.textContent.includes(marker));
    return row && row.textContent.includes("Finished") ? performance.timeOrigin + performance.now() : null;
  }, marker, { timeout: 20_000, polling: 20 });
  const shownAt = await shown.jsonValue();
  const detail = await (await page.request.post("/api/load_send_detail", { form: { id: String(sent.id) }, headers })).json();
  const arrived = Date.parse(detail.callback_at);
  latencies.push(shownAt - arrived);
}
await browser.close();
latencies.sort((a, b) => a - b);
const median = latencies[Math.floor(latencies.length / 2)];
console.log(`callback arrival → row shows Finished, ${runs} sends (ms): median ${median.toFixed(0)}, max ${latencies.at(-1).toFixed(0)}, all ${latencies.map((l) => l.toFixed(0)).join(" ")}`);
