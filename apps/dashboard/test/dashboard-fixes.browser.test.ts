import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";

/*
 * What the dashboard tells a person when the connection is refused or lost,
 * in Debian's Chromium against real gateways. Skipped with a reason when
 * Chromium is absent, except under CI, where a missing browser is a failure.
 */

const CHROMIUM = "/usr/bin/chromium";
const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST_DIR = join(APP_DIR, "dist");
const hasChromium = existsSync(CHROMIUM);
const runBrowser = hasChromium || Boolean(process.env.CI);
const SECRET = "test-secret-fixes";

if (!runBrowser) console.warn(`[dashboard-fixes.browser.test] skipped: ${CHROMIUM} not found (apt-get install -y chromium to run it).`);

type Gateway = Awaited<ReturnType<typeof import("@tickwire/server").createGateway>>;

describe.skipIf(!runBrowser)("the dashboard when the connection is refused or lost", () => {
  let browser: Browser;
  let context: BrowserContext | undefined;
  const gateways: Gateway[] = [];
  const dirs: string[] = [];

  async function gateway(port = 0): Promise<Gateway> {
    const { createGateway } = await import("@tickwire/server");
    const dataDir = mkdtempSync(join(tmpdir(), "tickwire-fixes-"));
    dirs.push(dataDir);
    const gw = await createGateway({ port, host: "127.0.0.1", dataDir, jwtSecret: SECRET, apiKeys: ["test-key"], simulator: false, logLevel: "silent", dashboardDir: DIST_DIR, reconnectAfterMs: 200, shutdownTimeoutMs: 2000 });
    await gw.listen();
    gateways.push(gw);
    return gw;
  }

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    if (!existsSync(join(DIST_DIR, "index.html"))) {
      const { build } = await import("vite");
      await build({ root: APP_DIR, logLevel: "warn" });
    }
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  }, 60_000);

  afterEach(async () => {
    await context?.close();
    context = undefined;
    await Promise.all(gateways.splice(0).map((g) => g.close()));
  });

  afterAll(async () => {
    await browser?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function open(gw: Gateway, token: string): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await page.goto(`${gw.url}/?token=${encodeURIComponent(token)}`);
    return page;
  }

  async function reason(page: Page): Promise<{ code: string | null; text: string | null }> {
    const el = page.getByTestId("connection-reason");
    await el.waitFor({ timeout: 10_000 });
    return { code: await el.getAttribute("data-code"), text: await el.textContent() };
  }

  it("says why a refused token cannot connect", async () => {
    const gw = await gateway();
    const [header, payload] = (await gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 })).split(".");
    const page = await open(gw, `${header}.${payload}.${"A".repeat(43)}`);
    await page.locator('[data-testid="connection-status"][data-state="disconnected"]').waitFor({ timeout: 10_000 });
    const shown = await reason(page);
    expect(shown.code).toBe("UNAUTHORIZED");
    expect(shown.text).toMatch(/^The gateway refused the token \(UNAUTHORIZED\): \S/);
  }, 30_000);

  it("says that the token expired", async () => {
    const gw = await gateway();
    // Short-lived: it may run out while the page loads (refused as expired) or once connected (TOKEN_EXPIRED).
    const page = await open(gw, await gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 2 }));
    await page.locator('[data-testid="connection-status"][data-state="disconnected"]').waitFor({ timeout: 15_000 });
    const shown = await reason(page);
    expect(["TOKEN_EXPIRED", "UNAUTHORIZED"]).toContain(shown.code);
    expect(shown.text).toMatch(/expired/i);
  }, 30_000);

  it("marks prices stale while disconnected and live again once reconnected", async () => {
    const first = await gateway();
    const port = first.port;
    const page = await open(first, await first.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 }));
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 10_000 });
    await first.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 190.1 } });
    await page.getByTestId("price-AAPL").filter({ hasText: "190.10" }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("quote-AAPL").getAttribute("data-stale")).toBeNull();
    expect(await page.getByTestId("stale-badge").count()).toBe(0);

    // The node goes away: the last price stays on screen, marked stale.
    await first.close();
    gateways.splice(gateways.indexOf(first), 1);
    await page.getByTestId("stale-badge").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("stale-badge").textContent()).toMatch(/^Stale · disconnected since \d/);
    expect(await page.getByTestId("quote-AAPL").getAttribute("data-stale")).toBe("true");
    expect(await page.getByTestId("price-AAPL").textContent()).toBe("190.10");
    // A quote that was never received is not marked.
    expect(await page.getByTestId("quote-MSFT").getAttribute("data-stale")).toBeNull();

    // It comes back on the same port: the client reconnects and the mark goes.
    const second = await gateway(port);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 20_000 });
    await page.getByTestId("stale-badge").waitFor({ state: "detached", timeout: 10_000 });
    await second.publish({ channel: "quotes:AAPL", data: { symbol: "AAPL", price: 191.2 } });
    await page.getByTestId("price-AAPL").filter({ hasText: "191.20" }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("quote-AAPL").getAttribute("data-stale")).toBeNull();
  }, 60_000);

  it("says that an operator closed the connection", async () => {
    const gw = await gateway();
    const page = await open(gw, await gw.issueToken({ sub: "alice", tier: "builder", ttlSeconds: 3600 }));
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 10_000 });
    const res = await fetch(`${gw.url}/api/v1/users/alice/disconnect`, { method: "POST", headers: { Authorization: "Bearer test-key" } });
    expect(await res.json()).toEqual({ userId: "alice", disconnected: 1 });
    await page.locator('[data-testid="connection-status"][data-state="disconnected"]').waitFor({ timeout: 10_000 });
    expect(await reason(page)).toEqual({ code: "KICKED", text: "An operator closed this connection (KICKED): Disconnected by the platform." });
  }, 30_000);
});
