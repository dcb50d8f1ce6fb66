import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";

/*
 * Loads the built dashboard from a real gateway in Debian's Chromium and
 * checks what a person would see. Skipped with a reason when Chromium is
 * absent, except under CI, where a missing browser is a failure.
 */

const CHROMIUM = "/usr/bin/chromium";
const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST_DIR = join(APP_DIR, "dist");
const hasChromium = existsSync(CHROMIUM);
const runBrowser = hasChromium || Boolean(process.env.CI);

if (!runBrowser) {
  console.warn(`[dashboard.browser.test] skipped: ${CHROMIUM} not found (apt-get install -y chromium to run it).`);
}

type Gateway = Awaited<ReturnType<typeof import("@tickwire/server").createGateway>>;

describe.skipIf(!runBrowser)("dashboard in a browser", () => {
  let gw: Gateway;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let dataDir: string;
  let operatorToken: string;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    if (!existsSync(join(DIST_DIR, "index.html"))) {
      const { build } = await import("vite");
      await build({ root: APP_DIR, logLevel: "warn" });
    }
    const { createGateway } = await import("@tickwire/server");
    const { chromium } = await import("playwright-core");
    dataDir = mkdtempSync(join(tmpdir(), "tickwire-dashboard-"));
    gw = await createGateway({
      port: 0,
      host: "127.0.0.1",
      dataDir,
      jwtSecret: "test-secret",
      apiKeys: ["test-key"],
      simulator: false,
      logLevel: "silent",
      dashboardDir: DIST_DIR,
    });
    await gw.listen();
    operatorToken = await gw.issueToken({ sub: "alice", tier: "operator", ttlSeconds: 3600 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
  }, 60_000);

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function open(path: string, viewport = { width: 1280, height: 860 }): Promise<Page> {
    context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${gw.url}${path}`);
    expect(errors).toEqual([]);
    return page;
  }

  /** Waits for `selector` with `text`; on timeout, fails with what the page shows instead. */
  async function waitForText(page: Page, selector: string, text: string): Promise<void> {
    try {
      await page.locator(selector, { hasText: text }).waitFor({ timeout: 10_000 });
    } catch (err) {
      const shown = await page.locator(selector).evaluateAll((els) => els.map((e) => `${e.className}: ${e.textContent}`));
      throw new Error(`expected ${selector} to show "${text}", page shows ${JSON.stringify(shown)}`, { cause: err });
    }
  }

  async function openDashboard(): Promise<Page> {
    const page = await open(`/?token=${encodeURIComponent(operatorToken)}`);
    await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 10_000 });
    return page;
  }

  it("shows the connection as connected with the signed-in user", async () => {
    const page = await openDashboard();
    expect(await page.getByTestId("connection-status").textContent()).toContain("Connected");
    expect(await page.locator(".user-chip").textContent()).toBe("aliceoperator");
  }, 30_000);

  it("shows a published quote in the watchlist and flashes the next move", async () => {
    const page = await openDashboard();
    const quote = { symbol: "AAPL", price: 190.1, bid: 190.09, ask: 190.11, volume: 1_200_000, change: 1.5, changePercent: 0.79, timestamp: new Date().toISOString() };
    await gw.publish({ channel: "quotes:AAPL", data: quote });
    const price = page.getByTestId("price-AAPL");
    await waitForText(page, '[data-testid="price-AAPL"]', "190.10");
    expect(await page.getByTestId("quote-AAPL").locator("td").allTextContents()).toEqual([
      "190.10", "+1.50", "+0.79%", "190.09", "190.11", "1.2M",
    ]);

    await gw.publish({ channel: "quotes:AAPL", data: { ...quote, price: 189.5, timestamp: new Date().toISOString() } });
    await waitForText(page, '[data-testid="price-AAPL"]', "189.50");
    expect(await price.getAttribute("class")).toBe("price flash-down");
    expect(await page.getByTestId("simulated-badge").count()).toBe(0);
  }, 30_000);

  it("labels simulated quotes as simulated data", async () => {
    const page = await openDashboard();
    await gw.publish({ channel: "quotes:MSFT", data: { symbol: "MSFT", price: 415.3, simulated: true } });
    await page.getByTestId("simulated-badge").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("simulated-badge").textContent()).toBe("Simulated data");
  }, 30_000);

  it("shows the portfolio value, its positions and an executed trade", async () => {
    const page = await openDashboard();
    await gw.publish({
      channel: "portfolio:alice",
      data: { totalValue: 125_430.55, cash: 20_000, dayPnl: -310.2, positions: [{ symbol: "NVDA", quantity: 300, marketValue: 36_432, pnl: 6_972 }] },
    });
    await gw.publish({
      channel: "trades:alice",
      event: "trade:executed",
      data: { tradeId: "T-1", symbol: "NVDA", side: "buy", status: "executed", quantity: 50, executedPrice: 121.02 },
    });
    await waitForText(page, '[data-testid="portfolio-value"] .tile-value', "$125,430.55");
    expect(await page.getByTestId("positions").locator("tbody tr").allTextContents()).toEqual(["NVDA300——$36,432.00+$6,972.00"]);
    const trade = page.getByTestId("trades").locator(".feed-item").first();
    await trade.waitFor({ timeout: 10_000 });
    expect(await trade.locator(".feed-line").textContent()).toBe("BUYNVDA50@121.02executed");
  }, 30_000);

  it("pops a toast for a new notification and marks it read from the inbox", async () => {
    const page = await openDashboard();
    const res = await fetch(`${gw.url}/api/v1/notifications`, {
      method: "POST",
      headers: { Authorization: "Bearer test-key", "Content-Type": "application/json" },
      body: JSON.stringify({ userId: "alice", type: "info", title: "Order filled", message: "Bought 10 AAPL at 190.10" }),
    });
    expect(res.status).toBe(200);
    const toast = page.getByTestId("toast");
    await toast.waitFor({ timeout: 10_000 });
    expect(await toast.locator(".toast-title").textContent()).toBe("Order filled");
    expect(await toast.locator(".toast-message").textContent()).toBe("Bought 10 AAPL at 190.10");
    expect(await page.getByTestId("unread-count").textContent()).toBe("1");

    await page.getByTestId("inbox-button").click();
    await page.getByTestId("inbox-panel").getByRole("button", { name: "Mark all read" }).click();
    await page.getByTestId("unread-count").waitFor({ state: "detached", timeout: 10_000 });
  }, 30_000);

  it("shows the gateway's stats on /ops to an operator", async () => {
    const page = await open(`/ops?token=${encodeURIComponent(operatorToken)}`);
    await page.getByTestId("ops").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("stat-connections").locator(".tile-value").textContent()).toMatch(/^\d+$/);
    expect(await page.getByTestId("stat-subscriptions").locator(".tile-label").textContent()).toBe("Subscriptions");
    expect(await page.getByTestId("node-id").textContent()).not.toBe("");
    expect(await page.getByTestId("latency-panel").locator("dt").allTextContents()).toEqual(["p50", "p90", "p99", "max"]);
    await page.getByTestId("ops-live").waitFor();
  }, 30_000);

  it("tells a non-operator that /ops needs an operator token", async () => {
    const token = await gw.issueToken({ sub: "bob", tier: "builder", ttlSeconds: 3600 });
    const page = await open(`/ops?token=${encodeURIComponent(token)}`);
    await page.getByTestId("ops-forbidden").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("ops-forbidden").locator("h1").textContent()).toBe("Operator token required");
  }, 30_000);

  it("connects as the demo user without a token in dev mode", async () => {
    const { createGateway } = await import("@tickwire/server");
    const devDir = mkdtempSync(join(tmpdir(), "tickwire-dashboard-dev-"));
    const dev = await createGateway({ port: 0, host: "127.0.0.1", dataDir: devDir, simulator: false, logLevel: "silent", dashboardDir: DIST_DIR });
    try {
      await dev.listen();
      context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      await page.goto(`${dev.url}/`);
      await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 10_000 });
      expect(await page.locator(".user-chip").textContent()).toBe("demooperator");
    } finally {
      await context?.close();
      context = undefined;
      await dev.close();
      rmSync(devDir, { recursive: true, force: true });
    }
  }, 30_000);

  it("explains that a token is needed when there is none outside dev mode", async () => {
    const page = await open("/");
    await page.getByTestId("session-error").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("session-error").textContent()).toContain("?token=");
  }, 30_000);
});
