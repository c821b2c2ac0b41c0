// The console's built-in WeChat enforces each account's mass-send quota,
// as WeChat does (a 订阅号 sends once a day). The specs send many times a
// day, so it is switched off for every account, and for those added later;
// quota.spec.ts switches it on for an account of its own.

const baseURL = process.env.BASE_URL ?? "http://127.0.0.1:3100";

export default async function globalSetup() {
  // Started by Playwright's webServer or before it; wait until it answers.
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${baseURL}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (tries > 1800) throw new Error(`the console at ${baseURL} did not answer /healthz`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const answer = await fetch(`${baseURL}/sim/control/quota`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ enforce: false, every_account: true }),
  });
  if (!answer.ok) {
    throw new Error(`could not switch the simulator's quota off: ${answer.status} ${await answer.text()}`);
  }
}
