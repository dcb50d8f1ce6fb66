// Takes the README screenshots: starts a real gateway serving dist/, publishes
// a realistic session for one user, and captures the dashboard and /ops with
// Debian's Chromium. Usage: npm run screenshots -w @tickwire/dashboard
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createGateway } from "@tickwire/server";
import { chromium } from "playwright-core";
import { io } from "socket.io-client";

const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = resolve(APP_DIR, "../../docs/images");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (!existsSync(join(APP_DIR, "dist/index.html"))) throw new Error("Build the dashboard first: npm run build -w @tickwire/dashboard");
if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium`);

const USER = "alice";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const iso = (agoMs = 0) => new Date(Date.now() - agoMs).toISOString();

const prices = { AAPL: 191.24, MSFT: 417.86, NVDA: 121.44, TSLA: 242.1, AMZN: 186.93, SPY: 548.22, "BTC-USD": 64210.5, "ETH-USD": 3390.18 };
const opens = { ...prices };
let seed = 7;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);

function quote(symbol) {
  const p = +(prices[symbol] * (1 + (rand() - 0.5) * 0.003)).toFixed(2);
  prices[symbol] = p;
  const change = +(p - opens[symbol] * 0.99).toFixed(2);
  return {
    symbol, price: p, bid: +(p - 0.01 * Math.max(1, p / 1000)).toFixed(2), ask: +(p + 0.01 * Math.max(1, p / 1000)).toFixed(2),
    volume: Math.round(5e6 + rand() * 6e7), change, changePercent: +((change / (opens[symbol] * 0.99)) * 100).toFixed(2),
    timestamp: iso(), simulated: true,
  };
}

const dataDir = mkdtempSync(join(tmpdir(), "tickwire-shots-"));
const gw = await createGateway({
  port: 0, host: "127.0.0.1", dataDir, jwtSecret: "screenshot-secret", apiKeys: ["shot-key"],
  simulator: false, logLevel: "silent", dashboardDir: join(APP_DIR, "dist"),
  // A point every second, so the 10-minute charts of /ops have a shape after a short run.
  opsSampleMs: 1000,
});
await gw.listen();
const token = await gw.issueToken({ sub: USER, tier: "operator", ttlSeconds: 3600 });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});

try {
  for (const s of Object.keys(prices)) await gw.publish({ channel: `quotes:${s}`, data: quote(s) });
  // Two notifications already in the inbox; a third arrives live as a toast.
  const notify = (body) => fetch(`${gw.url}/api/v1/notifications`, {
    method: "POST", headers: { Authorization: "Bearer shot-key", "Content-Type": "application/json" },
    body: JSON.stringify({ userId: USER, ...body }),
  });
  await notify({ type: "success", title: "Order filled", message: "Bought 50 NVDA at 121.02" });
  await notify({ type: "info", title: "Macro update", message: "CPI came in at 3.1% y/y, below the 3.3% consensus." });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`${gw.url}/?token=${encodeURIComponent(token)}`);
  await page.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });

  await gw.publish({ channel: `portfolio:${USER}`, data: {
    userId: USER, totalValue: 184_512.37, cash: 21_830.12, dayPnl: 1_874.55, dayPnlPercent: 1.03, totalPnl: 34_512.37,
    positions: [
      { symbol: "NVDA", quantity: 300, avgPrice: 98.2, price: 121.44, marketValue: 36_432, pnl: 6_972 },
      { symbol: "BTC-USD", quantity: 0.5, avgPrice: 52_000, price: 64_210.5, marketValue: 32_105.25, pnl: 6_105.25 },
      { symbol: "MSFT", quantity: 60, avgPrice: 372.1, price: 417.86, marketValue: 25_071.6, pnl: 2_745.6 },
      { symbol: "AAPL", quantity: 120, avgPrice: 172.3, price: 191.24, marketValue: 22_948.8, pnl: 2_272.8 },
      { symbol: "SPY", quantity: 40, avgPrice: 512.4, price: 548.22, marketValue: 21_928.8, pnl: 1_432.8 },
      { symbol: "TSLA", quantity: 40, avgPrice: 260.5, price: 242.1, marketValue: 9_684, pnl: -736 },
    ],
    timestamp: iso(),
  } });
  await gw.publish({ channel: "metrics", data: { period: "30d", total_return: 0.2301, sharpe_ratio: 1.82, win_rate: 0.612, max_drawdown: 0.084, timestamp: iso() } });
  const trades = [
    { tradeId: "T-20418", symbol: "AAPL", side: "buy", status: "executed", quantity: 20, executedPrice: 190.98 },
    { tradeId: "T-20419", symbol: "TSLA", side: "sell", status: "failed", quantity: 15, reason: "Insufficient buying power" },
    { tradeId: "T-20420", symbol: "NVDA", side: "buy", status: "executed", quantity: 50, executedPrice: 121.02 },
    { tradeId: "T-20421", symbol: "ETH-USD", side: "sell", status: "executed", quantity: 1.25, executedPrice: 3391.4 },
    { tradeId: "T-20422", symbol: "SPY", side: "buy", status: "pending", quantity: 10 },
  ];
  for (const [i, t] of trades.entries()) {
    const event = t.status === "failed" ? "trade:failed" : t.status === "executed" ? "trade:executed" : "trade:update";
    await gw.publish({ channel: `trades:${USER}`, event, data: { ...t, userId: USER, timestamp: iso((trades.length - i) * 47_000) } });
  }
  const signals = [
    { symbol: "AMZN", action: "buy", entryPrice: 186.5, stopLoss: 181, takeProfit: 198, confidence: 0.64 },
    { symbol: "ETH-USD", action: "hold", entryPrice: 3388, confidence: 0.52 },
    { symbol: "MSFT", action: "sell", entryPrice: 418.2, stopLoss: 424, takeProfit: 402, confidence: 0.71 },
    { symbol: "NVDA", action: "buy", entryPrice: 121.1, stopLoss: 116.5, takeProfit: 132, confidence: 0.83 },
  ];
  for (const [i, s] of signals.entries()) {
    await gw.publish({ channel: "signals", data: { ...s, signalId: `S-${900 + i}`, providerId: "momentum-alpha", providerName: "Momentum Alpha", timestamp: iso((signals.length - i) * 95_000) } });
  }
  const decisions = [
    { symbol: "TSLA", prediction: { direction: "down", confidence: 0.68, price_target: 231.5, time_horizon: "1d" }, reasoning: "Momentum fading after the earnings gap; volume divergence over the last three sessions suggests distribution." },
    { symbol: "SPY", prediction: { direction: "up", confidence: 0.74, price_target: 553, time_horizon: "1w" }, reasoning: "Breadth improving and volatility compressing below its 20-day mean." },
    { symbol: "BTC-USD", prediction: { direction: "up", confidence: 0.81, price_target: 66_800, time_horizon: "3d" }, reasoning: "Funding neutral while spot inflows rise; resistance at 65k thinning on the order book." },
  ];
  for (const [i, d] of decisions.entries()) {
    await gw.publish({ channel: "ai", data: { ...d, id: `AI-${3100 + i}`, model_name: "tw-lstm-v3", timestamp: iso((decisions.length - i) * 120_000) } });
  }
  await sleep(3000); // past the first ping, which shares the connect burst
  await notify({ type: "rebalance_trigger", title: "Rebalance trigger", message: "NVDA is 27% of the portfolio, above its 25% target." });

  // A few ticks so some prices flash as the picture is taken.
  for (let round = 0; round < 4; round++) {
    for (const s of Object.keys(prices)) if (rand() < 0.6) await gw.publish({ channel: `quotes:${s}`, data: quote(s) });
    await sleep(round === 3 ? 150 : 500);
  }
  // The inbox already holds the older two; keep only the live toast in the picture.
  for (const title of ["Order filled", "Macro update"]) {
    const toast = page.getByTestId("toast").filter({ hasText: title });
    if (await toast.count()) await toast.getByRole("button", { name: "Dismiss" }).click();
  }
  mkdirSync(OUT_DIR, { recursive: true });
  await page.screenshot({ path: join(OUT_DIR, "dashboard.png") });

  // Other users' dashboards, so /ops shows a mix of tiers and channels (plain Socket.IO clients).
  const viewers = [];
  const tiers = ["navigator", "navigator", "navigator", "participant", "participant", "builder"];
  for (const [i, tier] of tiers.entries()) {
    const sub = `viewer${i + 1}`;
    const client = io(gw.url, { auth: { token: await gw.issueToken({ sub, tier, ttlSeconds: 3600 }) }, transports: ["websocket"] });
    viewers.push(client);
    await new Promise((done) => client.once("connected", done));
    const symbols = Object.keys(prices).slice(0, 3 + i);
    await client.emitWithAck("subscribe", { channels: [...symbols.map((s) => `quotes:${s}`), `portfolio:${sub}`, "signals"] });
  }
  const ops = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await ops.goto(`${gw.url}/ops?token=${encodeURIComponent(token)}`);
  await ops.getByTestId("ops").waitFor({ timeout: 15_000 });
  for (let round = 0; round < 24; round++) {
    for (const s of Object.keys(prices)) if (rand() < 0.8) await gw.publish({ channel: `quotes:${s}`, data: quote(s) });
    if (round % 8 === 0) await gw.publish({ channel: "signals", data: { symbol: "AAPL", action: "buy", entryPrice: prices.AAPL, confidence: 0.6, signalId: `S-${950 + round}`, providerId: "momentum-alpha", providerName: "Momentum Alpha", timestamp: iso() } });
    await sleep(500);
  }
  // What an operator does on the page: look a user up, open a channel.
  await ops.getByLabel("User id").fill(USER);
  await ops.getByRole("button", { name: "Look up" }).click();
  await ops.getByTestId("connection-row").first().waitFor({ timeout: 10_000 });
  await ops.getByLabel("Channel name").fill(`trades:${USER}`);
  await ops.getByRole("button", { name: "Open" }).click();
  await ops.getByTestId("channel-history").waitFor({ timeout: 10_000 });
  await sleep(1200); // one more refresh of the figures
  await ops.evaluate(() => window.scrollTo(0, 0)); // the header is sticky: capture from the top
  await ops.screenshot({ path: join(OUT_DIR, "ops.png"), fullPage: true });
  for (const client of viewers) client.close();

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  await phone.goto(`${gw.url}/?token=${encodeURIComponent(token)}`);
  await phone.locator('[data-testid="connection-status"][data-state="connected"]').waitFor({ timeout: 15_000 });
  await sleep(5500); // one ping after the connect burst
  for (const close of await phone.getByRole("button", { name: "Dismiss" }).all()) await close.click();
  await phone.screenshot({ path: join(OUT_DIR, "dashboard-phone.png") });
  console.log(`wrote ${OUT_DIR}/dashboard.png, ops.png, dashboard-phone.png`);
} finally {
  await browser.close();
  await gw.close();
  rmSync(dataDir, { recursive: true, force: true });
}
