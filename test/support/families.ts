/** The metric families the exporter writes with given options on a server state (agents and store present). */
import { Inventory } from "../../src/inventory/inventory.js";
import { MetricsExporter } from "../../src/metrics/exporter.js";
import type { MetricsOptions } from "../../src/metrics/options.js";
import type { MetricsState } from "../../src/metrics/state.js";

export function familiesWritten(options: MetricsOptions): string[] {
  const state: MetricsState = {
    version: 1,
    diagnosed: { inventory: new Inventory([], [], [], [], []), findings: [], issues: [], evaluatedAt: new Date(0), durationMs: 1 },
    sources: [],
    agents: [],
    store: { backend: "sqlite", up: true },
  };
  const text = Buffer.concat(new MetricsExporter({ build: { version: "t" }, options }).render(state, "text", 0).chunks).toString("utf8");
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
}
