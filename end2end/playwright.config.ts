import { defineConfig, devices } from "@playwright/test";

// The console under test: started by `scripts/test.sh` (make test) or
// `cargo leptos end-to-end`, which set E2E_EXTERNAL_SERVER, or by Playwright
// itself with `cargo leptos serve`.
const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3100";
const external = !!process.env.E2E_EXTERNAL_SERVER;
// `scripts/test.sh` sets it for the console too; fake-backend.mjs listens there.
const forwardUrl = process.env.QUNFA_CALLBACK_FORWARD_URL ?? "http://127.0.0.1:3190/wechat";

export default defineConfig({
  testDir: "./tests",
  // Switches the built-in WeChat's mass-send quota off (quota.spec.ts
  // switches it on for its own account).
  globalSetup: "./global-setup.ts",
  workers: 1,
  fullyParallel: false,
  timeout: 30_000,
  expect: { timeout: 10_000 },
  reporter: "list",
  forbidOnly: !!process.env.CI,
  use: { baseURL, trace: "retain-on-failure" },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
          // This machine has no network: without these Chromium keeps
          // trying to reach Google's services.
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
          ],
        },
      },
    },
  ],
  webServer: [
    {
      // With a server started outside (make test, cargo-leptos), Playwright
      // only waits for its /healthz.
      command: external ? 'node -e "setInterval(() => {}, 1 << 30)"' : "cargo leptos serve --split",
      cwd: "..",
      url: `${baseURL}/healthz`,
      reuseExistingServer: true,
      timeout: 900_000,
      gracefulShutdown: { signal: "SIGINT", timeout: 10_000 },
    },
    {
      // The account's own backend that the console forwards callbacks to.
      command: "node fake-backend.mjs",
      url: new URL("/healthz", forwardUrl).toString(),
      reuseExistingServer: false,
      timeout: 10_000,
    },
  ],
});
