import { describe, expect, it } from "vitest";
import { formatChange, formatPercent, formatPrice } from "../src/lib/format";

describe("number formatting", () => {
  it("gives prices two decimals, and four below one dollar", () => {
    expect([formatPrice(190.5), formatPrice(65592.2), formatPrice(0.4321), formatPrice(undefined)]).toEqual(["190.50", "65,592.20", "0.4321", "—"]);
  });

  it("formats a change with the precision of its instrument, signed with a true minus", () => {
    expect([formatChange(-0.56, 420.74), formatChange(0.46, 186.86), formatChange(-0.0012, 0.4321), formatChange(1.17)]).toEqual(["−0.56", "+0.46", "−0.0012", "+1.17"]);
  });

  it("formats percentages signed", () => {
    expect([formatPercent(1.5), formatPercent(-0.13), formatPercent(0)]).toEqual(["+1.50%", "−0.13%", "0.00%"]);
  });
});
