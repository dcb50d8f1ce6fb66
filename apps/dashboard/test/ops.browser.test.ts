import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { io, type Socket } from "socket.io-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";

/*
 * The ops page's charts and actions, in Debian's Chromium against a real
 * gateway and real client sockets. Skipped with a reason when Chromium is
 * absent, except under CI, where a missing browser is a failure.
 */

const CHROMIUM = "/usr/bin/chromium";
const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST_DIR = join(APP_DIR, "dist");
const hasChromium = existsSync(CHROMIUM);
const runBrowser = hasChromium || Boolean(process.env.CI);

if (!runBrowser) console.warn(`[ops.browser.test] skipped: ${CHROMIUM} not found (apt-get install -y chromium to run it).`);

type Gateway = Awaited<ReturnType<typeof import("@tickwire/server").createGateway>>;

describe.skipIf(!runBrowser)("the ops page in a browser", () => {
  let gw: Gateway;
  let browser: Browser;
  let context: BrowserContext | undefined;
  let dataDir: string;
  let operatorToken: string;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`CI needs Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    if (!existsSync(join(DIST_DIR, "index.html"))) {
      const { build } = await import("vite");
      await build({ root: APP_DIR, logLevel: "warn" });
    }
    const { createGateway } = await import("@tickwire/server");
    const { chromium } = await import("playwright-core");
    dataDir = mkdtempSync(join(tmpdir(), "tickwire-ops-"));
    // A point every 200 ms, so the charts fill while the test waits for them.
    gw = await createGateway({ port: 0, host: "127.0.0.1", dataDir, jwtSecret: "test-secret", apiKeys: ["test-key"], simulator: false, logLevel: "silent", dashboardDir: DIST_DIR, opsSampleMs: 200 });
    await gw.listen();
    operatorToken = await gw.issueToken({ sub: "olga", tier: "operator", ttlSeconds: 3600 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"] });
  }, 60_000);

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    await context?.close();
    context = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function openOps(): Promise<Page> {
    context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${gw.url}/ops?token=${encodeURIComponent(operatorToken)}`);
    await page.getByTestId("ops").waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
    return page;
  }

  /** A real client connection as `sub`. */
  async function client(sub: string, tier = "participant"): Promise<Socket> {
    const token = await gw.issueToken({ sub, tier, ttlSeconds: 3600 });
    const socket = io(gw.url, { auth: { token }, transports: ["websocket"], reconnection: false, forceNew: true });
    sockets.push(socket);
    await new Promise((ok, fail) => {
      socket.once("connected", ok);
      socket.once("connect_error", fail);
    });
    return socket;
  }

  async function text(page: Page, testId: string, expected: string | RegExp): Promise<void> {
    const locator = page.getByTestId(testId);
    try {
      await locator.filter({ hasText: expected }).first().waitFor({ timeout: 10_000 });
    } catch (err) {
      throw new Error(`expected ${testId} to show ${String(expected)}, it shows ${JSON.stringify(await locator.allTextContents())}`, { cause: err });
    }
  }

  it("charts the last minutes of connections, rates and latency", async () => {
    const socket = await client("carl");
    await socket.emitWithAck("subscribe", { channels: ["trades"] });
    const page = await openOps();
    for (let i = 1; i <= 5; i++) await gw.publish({ channel: "trades:carl", data: { tradeId: `t${i}` } });
    // Points arrive as the node takes them; wait for several.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="chart-connections"]')?.getAttribute("data-points")) >= 3, undefined, { timeout: 15_000 });
    expect(await page.getByTestId("chart-connections-connections").textContent()).toBe("1");
    for (const id of ["connections", "publications", "deliveries", "latency", "slow"]) {
      expect(await page.getByTestId(`chart-${id}`).locator("polyline").count(), id).toBeGreaterThan(0);
    }
    expect(await page.getByTestId("chart-latency").locator("polyline").count()).toBe(2);
    expect(await page.getByTestId("chart-latency-p99").textContent()).toMatch(/^p99 [\d.]+ ?(ms|µs|s)$/);
    expect(await page.getByTestId("stat-p99").locator(".tile-label").textContent()).toBe("p99 latency");
  }, 40_000);

  it("lists the top channels; a click opens the channel's history", async () => {
    const a = await client("dora");
    const b = await client("emil");
    await a.emitWithAck("subscribe", { channels: ["quotes:TSLA"] });
    await b.emitWithAck("subscribe", { channels: ["quotes:TSLA"] });
    await gw.publish({ channel: "quotes:TSLA", data: { symbol: "TSLA", price: 250.5 } });
    const page = await openOps();
    const row = page.getByTestId("top-by-subscribers").locator("tr", { hasText: "quotes:TSLA" });
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator("td").allTextContents()).toEqual(["quotes:TSLA", "2", expect.stringMatching(/^\d+\.\d$/)]);
    await row.getByRole("button", { name: "quotes:TSLA" }).click();
    await text(page, "channel-history", "TSLA");
    expect(await page.getByTestId("history-row").first().locator("td").nth(3).textContent()).toBe('{"symbol":"TSLA","price":250.5}');
  }, 40_000);

  it("shows a user's connections and disconnects one of them, the client told KICKED", async () => {
    const first = await client("fred", "builder");
    const second = await client("fred", "builder");
    await first.emitWithAck("subscribe", { channels: ["trades", "quotes:AAPL"] });
    await client("gina");
    const page = await openOps();
    await page.getByLabel("User id").fill("fred");
    await page.getByRole("button", { name: "Look up" }).click();
    await page.getByTestId("connection-row").nth(1).waitFor({ timeout: 10_000 });
    const rows = page.getByTestId("connection-row");
    expect(await rows.count()).toBe(2);
    const cells = await page.locator(`[data-connection-id="${first.id}"] td`).allTextContents();
    expect(cells.slice(0, 6)).toEqual([first.id!, "builder", "websocket", "127.0.0.1", "quotes:AAPL, trades:fred", "0 pkt"]);

    const firstId = first.id!;
    const kicked = new Promise<unknown>((ok) => first.once("error", ok));
    const gone = new Promise<string>((ok) => first.once("disconnect", ok));
    await page.locator(`[data-connection-id="${first.id}"]`).getByRole("button", { name: "Disconnect" }).click();
    expect(await kicked).toEqual({ code: "KICKED", message: "Disconnected by an operator." });
    expect(await gone).toBe("io server disconnect");
    await text(page, "user-message", `Disconnected connection ${firstId}.`);
    await page.locator(`[data-connection-id="${firstId}"]`).waitFor({ state: "detached", timeout: 10_000 });
    expect(await rows.count()).toBe(1);
    expect(second.connected).toBe(true);

    const allGone = new Promise<string>((ok) => second.once("disconnect", ok));
    await page.getByRole("button", { name: "Disconnect all" }).click();
    expect(await allGone).toBe("io server disconnect");
    await text(page, "user-connections", "fred has no connection on this node.");
  }, 40_000);

  it("reads a channel's newest publications and test-publishes to it; bad input is refused and publishes nothing", async () => {
    const subscriber = await client("hana");
    await subscriber.emitWithAck("subscribe", { channels: ["trades"] });
    const received: unknown[] = [];
    subscriber.on("trade:update", (payload: unknown) => received.push(payload));
    for (let i = 1; i <= 25; i++) await gw.publish({ channel: "trades:hana", data: { tradeId: `t${i}` } });
    const page = await openOps();
    await page.getByLabel("Channel name").fill("trades:hana");
    await page.getByRole("button", { name: "Open" }).click();
    await page.getByTestId("history-row").first().waitFor({ timeout: 10_000 });
    // The newest 20, newest first.
    const offsets = await page.getByTestId("history-row").locator("td:first-child").allTextContents();
    expect(offsets).toEqual(Array.from({ length: 20 }, (_, i) => String(25 - i)));

    await page.getByLabel("Data (JSON)").fill("{ not json");
    await page.getByRole("button", { name: "Publish" }).click();
    await text(page, "publish-result", /^The data is not JSON/);
    await page.getByLabel("Data (JSON)").fill('{"tradeId":"from-ops","symbol":"AAPL"}');
    await page.getByRole("button", { name: "Publish" }).click();
    await text(page, "publish-result", "Published at offset 26.");
    await text(page, "channel-history", "from-ops");
    expect(await page.getByTestId("history-row").first().locator("td").allTextContents()).toEqual(["26", expect.any(String), "trade:update", '{"tradeId":"from-ops","symbol":"AAPL"}']);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(26);
    expect(received[25]).toEqual({ tradeId: "from-ops", symbol: "AAPL" });

    await page.getByLabel("Event (optional)").fill("not-an-event");
    await page.getByRole("button", { name: "Publish" }).click();
    await text(page, "publish-result", /^BAD_REQUEST: /);
    expect((await (await fetch(`${gw.url}/api/v1/channels/trades:hana/history?since=25`, { headers: { Authorization: "Bearer test-key" } })).json()).offset).toBe(26);

    await page.getByLabel("Channel name").fill("nope:x");
    await page.getByRole("button", { name: "Open" }).click();
    await text(page, "channel-error", /^NOT_FOUND: /);
  }, 40_000);
});
