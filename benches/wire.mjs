// What the browser downloads, and how soon Compose answers a click
// (issue: lighter in the browser). Run by benches/wire.sh, which starts the
// release build on the simulator; BASE_URL points at it, PASSWORD is the
// admin's.
//
// 1. Bytes over the wire for /login, /a/main/compose and /a/main/sends, each
//    opened in a fresh, empty cache (signed in for the last two): every
//    file the page loaded, fetched again as the browser asked for it but
//    with `Accept-Encoding: br` (Chromium offers brotli only over HTTPS),
//    counted as sent: the body's bytes by kind (HTML, JS, wasm, CSS).
// 2. Compose under DevTools' "Fast 3G" figures (1.6 Mbit/s down, 750 kbit/s
//    up, 150 ms latency), cache empty, on the browser's own clock (from the
//    start of the navigation, as DevTools' Performance panel counts): the
//    page's own code running (`data-hydrated`); a click at that moment on
//    "Voice", then on "Choose from voice materials", opening the picker in
//    place (the button expanded, "Loading…" under it: only a hydrated page
//    does that); the picker's first "Use" button (its list comes from a
//    server function, which asks WeChat: one more round trip). The clicks
//    are made by a script in the page as soon as it is hydrated, so the
//    figures do not include Playwright's own round trips; the time the
//    harness waited, from before `goto` to the list, is printed beside
//    them. Median of RUNS.
import { createRequire } from "node:module";
import http from "node:http";

const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const base = process.env.BASE_URL;
const password = process.env.PASSWORD;
const runs = Number(process.env.RUNS ?? 5);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});

async function signedIn() {
  const context = await browser.newContext({ locale: "en-US", baseURL: base });
  const page = await context.newPage();
  await page.goto("/login");
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/compose/);
  await page.close();
  return context;
}

function kindOf(url, type) {
  if (url.endsWith(".wasm")) return "wasm";
  if (type.includes("javascript") || url.endsWith(".js")) return "js";
  if (type.includes("css") || url.endsWith(".css")) return "css";
  if (type.includes("html")) return "html";
  return "other";
}

// One file again, as it is sent with brotli allowed: its body's bytes.
function wireBytes(url, cookie) {
  return new Promise((resolve, reject) => {
    const headers = { "Accept-Encoding": "br, gzip" };
    if (cookie) headers.Cookie = cookie;
    http
      .get(url, { headers }, (response) => {
        let bytes = 0;
        response.on("data", (chunk) => (bytes += chunk.length));
        response.on("end", () =>
          resolve({ bytes, encoding: response.headers["content-encoding"] ?? "identity" }),
        );
      })
      .on("error", reject);
  });
}

async function weigh(path, context) {
  const page = await context.newPage();
  const loaded = [];
  page.on("response", (response) => {
    const url = response.url();
    if (url.startsWith(base)) loaded.push({ url, type: response.headers()["content-type"] ?? "" });
  });
  await page.goto(path);
  await page.waitForSelector('#app[data-hydrated="true"]');
  await page.waitForLoadState("networkidle");
  const cookie = (await context.cookies())
    .map((c) => `${c.name}=${c.value}`)
    .join("; ");
  const totals = { html: 0, js: 0, wasm: 0, css: 0, other: 0 };
  const files = [];
  for (const { url, type } of loaded) {
    const { bytes, encoding } = await wireBytes(url, cookie);
    const kind = kindOf(new URL(url).pathname, type);
    totals[kind] += bytes;
    files.push(`${new URL(url).pathname} ${bytes} B ${encoding}`);
  }
  await page.close();
  return { totals, files };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

const stranger = await browser.newContext({ locale: "en-US", baseURL: base });
const member = await signedIn();
console.log("bytes over the wire (brotli where the server has it), empty cache:");
for (const [path, context] of [
  ["/login", stranger],
  ["/a/main/compose", member],
  ["/a/main/sends", member],
]) {
  // A fresh page per path, in a context whose cache is cleared first.
  const cdp = await context.newCDPSession(await context.newPage());
  await cdp.send("Network.clearBrowserCache");
  const { totals, files } = await weigh(path, context);
  const sum = Object.values(totals).reduce((a, b) => a + b, 0);
  console.log(
    `  ${path.padEnd(18)} html ${kb(totals.html)}, js ${kb(totals.js)}, wasm ${kb(totals.wasm)}, css ${kb(totals.css)}, other ${kb(totals.other)}; total ${kb(sum)}`,
  );
  if (process.env.VERBOSE) for (const f of files) console.log(`      ${f}`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Runs in the page before its own scripts: at the first sign of hydration,
// clicks as a user would and notes the times.
function clickWhenHydrated() {
  const times = (window.__wire = {});
  const button = () => document.querySelector('button[name="pick"][value="voice"]');
  const watch = new MutationObserver(() => {
    const now = performance.now();
    if (times.hydrated === undefined && document.querySelector('#app[data-hydrated="true"]')) {
      times.hydrated = now;
      setTimeout(() => {
        document.getElementById("type-voice").click();
        requestAnimationFrame(() => {
          times.clicked = performance.now();
          button().click();
        });
      });
    }
    if (times.clicked !== undefined && times.open === undefined && button()?.getAttribute("aria-expanded") === "true") {
      times.open = now;
    }
    if (times.open !== undefined && times.list === undefined) {
      if (document.querySelector('button[aria-label^="Use "]')) times.list = now;
    }
  });
  watch.observe(document, { subtree: true, childList: true, attributes: true });
}

const toCode = [];
const toOpen = [];
const toPicker = [];
const waited = [];
for (let i = 0; i < runs; i++) {
  const context = await signedIn();
  const page = await context.newPage();
  await page.addInitScript(clickWhenHydrated);
  const appErrors = [];
  page.on("pageerror", (error) => appErrors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && /hydration error|panicked at/i.test(message.text())) {
      appErrors.push(message.text().split("\n")[0]);
    }
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.clearBrowserCache");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1000 * 1000) / 8,
    uploadThroughput: (750 * 1000) / 8,
  });
  const start = Date.now();
  await page.goto("/a/main/compose", { waitUntil: "commit" });
  await page.waitForFunction(() => window.__wire?.list !== undefined, null, { timeout: 60_000 });
  waited.push(Date.now() - start);
  const times = await page.evaluate(() => window.__wire);
  toCode.push(Math.round(times.hydrated));
  toOpen.push(Math.round(times.open));
  toPicker.push(Math.round(times.list));
  // Without working browser code the button posts the form to the picker's
  // own page, which has "Use" buttons too: that would time a page load.
  if (!new URL(page.url()).pathname.endsWith("/compose")) {
    throw new Error(`the picker opened as its own page (${page.url()}): Compose's code is not running`);
  }
  if (appErrors.length > 0) throw new Error(`errors in the browser code: ${appErrors.join("; ")}`);
  await context.close();
}
console.log(`Compose under Fast 3G (1.6 Mbit/s, 150 ms), empty cache, browser's clock, median of ${runs}:`);
console.log(`  page's code running (hydrated):          ${median(toCode)} ms  (all: ${toCode.join(", ")})`);
console.log(`  a click answered (picker open in place): ${median(toOpen)} ms  (all: ${toOpen.join(", ")})`);
console.log(`  the picker's list shown:                 ${median(toPicker)} ms  (all: ${toPicker.join(", ")})`);
console.log(`  the harness's wait, goto to the list:    ${median(waited)} ms  (all: ${waited.join(", ")})`);
await browser.close();
