import { type Response } from "@playwright/test";
import { hydrated, expect, test } from "./helpers";

test("the browser's files are compressed and kept until the next build", async ({ page }) => {
  const assets: Response[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/pkg/")) assets.push(r);
  });
  await page.goto("/login");
  await hydrated(page);

  for (const ending of [".wasm", ".js", ".css"]) {
    const response = assets.find((r) => r.url().endsWith(ending));
    expect(response, ending).toBeTruthy();
    // The build's id is in the path, so the file there never changes.
    expect(response!.url()).toMatch(/\/pkg\/[0-9a-f]{16}\/qunfa[^/]*$/);
    const headers = await response!.allHeaders();
    expect(headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(headers["content-encoding"], ending).toMatch(/^(br|gzip)$/);
  }
});
