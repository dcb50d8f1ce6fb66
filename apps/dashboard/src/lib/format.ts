const priceFormats = new Map<number, Intl.NumberFormat>();

/** A price with 2 decimals, or more for small prices (crypto fractions, pennies). */
export function formatPrice(value: number | undefined, reference: number | undefined = value): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  // Sub-dollar instruments get four decimals; the precision follows the instrument, not the number shown.
  const scale = reference !== undefined && Number.isFinite(reference) ? reference : value;
  const digits = Math.abs(scale) >= 1 || scale === 0 ? 2 : 4;
  let f = priceFormats.get(digits);
  if (!f) {
    f = new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
    priceFormats.set(digits, f);
  }
  return f.format(value);
}

const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 });

/** A dollar amount: `$1,234.56`. */
export function formatMoney(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? "—" : money.format(value);
}

/** A signed dollar amount: `+$12.30` / `−$4.00`. */
export function formatSignedMoney(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return `${value > 0 ? "+" : value < 0 ? "−" : ""}${money.format(Math.abs(value))}`;
}

/** A signed price change, with the precision of the instrument's `price`: `+1.25` / `−0.40`. */
export function formatChange(value: number | undefined, price?: number): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return `${value > 0 ? "+" : value < 0 ? "−" : ""}${formatPrice(Math.abs(value), price ?? value)}`;
}

/** A signed percentage: `+1.23%`. */
export function formatPercent(value: number | undefined, digits = 2): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return `${value > 0 ? "+" : value < 0 ? "−" : ""}${Math.abs(value).toFixed(digits)}%`;
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });

/** A count: `1,234` below 100k, `1.2M` above. */
export function formatCount(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return Math.abs(value) >= 100_000 ? compact.format(value) : plain.format(value);
}

/** Milliseconds with sensible precision: `0.42 ms`, `12 ms`. */
export function formatMs(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  if (value === 0) return "0 ms";
  return `${value < 10 ? value.toFixed(value < 1 ? 2 : 1) : Math.round(value)} ms`;
}

/** A duration: `3d 4h`, `5h 12m`, `42s`. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** Local time of day `14:03:27` of an ISO string or epoch ms. */
export function formatTime(value: string | number | undefined): string {
  if (value === undefined) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? "—" : d.toLocaleTimeString("en-GB", { hour12: false });
}

/** Sign class for a number: `up`, `down` or `flat`. */
export function signClass(value: number | undefined): "up" | "down" | "flat" {
  return value === undefined || value === 0 || !Number.isFinite(value) ? "flat" : value > 0 ? "up" : "down";
}
