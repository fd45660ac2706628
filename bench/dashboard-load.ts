/**
 * Dashboard page load in headless Chromium (`node dist/bench/dashboard-load.js [certs]`): the demo, and a
 * synthetic store of N certificates (default 100,000: 100 CAs, leaves over 500 nodes, 5% with an expiry
 * finding) recorded through the real SQLite store. Prints the time from navigation to the first finding
 * card and to a filter answered (the page interactive), and the bytes transferred.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cert, finding, observation, place } from "../src/store/contract.js";
import { openSqliteStore } from "../src/store/sqlite.js";
import { listen } from "../src/server/listen.js";
import { launchBrowser } from "../test/support/browser.js";
import { startDashboardServer } from "../test/support/dashboard-server.js";
import { makeTestApp } from "../test/support/server.js";

const T0 = Date.parse("2026-12-01T00:00:00Z");
const D = 86_400_000;

async function measure(url: string, label: string): Promise<void> {
  const browser = await launchBrowser(url);
  try {
    for (const run of ["cold", "warm"]) {
      const w = await browser.page();
      let bytes = 0;
      w.page.on("response", (r) => void r.body().then((b) => (bytes += b.length), () => {}));
      const t0 = Date.now();
      await w.page.goto(`${url}/findings`);
      await w.page.locator("article.finding").first().waitFor({ timeout: 60_000 });
      const shown = Date.now() - t0;
      await w.page.getByRole("checkbox", { name: /Warning/ }).check();
      await w.page.waitForURL(/severity=warning/);
      await w.page.locator("article.finding").first().waitFor({ timeout: 60_000 });
      const filtered = Date.now() - t0;
      console.log(`${label} ${run}: first finding card ${shown} ms, severity filter answered ${filtered} ms, ${Math.round(bytes / 1024)} KiB decoded`);
      await w.page.close();
    }
  } finally {
    await browser.close();
  }
}

const n = Number(process.argv[2] ?? 100_000);
const demo = await startDashboardServer({ noAuth: true });
await measure(demo.url, "demo");
await demo.close();

const dir = mkdtempSync(join(tmpdir(), "certdoctor-bench-dash-"));
const store = await openSqliteStore(join(dir, "big.db"));
const certs = [];
const places = [];
const findings = [];
for (let c = 0; c < 100; c++) {
  certs.push(cert(`ca-${c}`, { isCA: true }));
  places.push(place(`file:/nodes/node-${c}/pki/ca-${c}.crt`, `ca-${c}`, { node: `node-${c}`, anchor: true, context: `dir:/nodes/node-${c}/pki` }));
}
for (let i = 0; i < n - 100; i++) {
  const node = `node-${i % 500}`;
  const notAfter = T0 + ((i % 400) + 1) * D;
  certs.push(cert(`leaf-${i}`, { issuers: [`ca-${i % 100}`], notAfter }));
  places.push(place(`file:/nodes/${node}/pki/leaf-${i}.crt`, `leaf-${i}`, { node, keyPresent: true }));
  if (i % 20 === 0) findings.push(finding(`f-${i}`, "cert-expiring", notAfter - T0 < 7 * D ? "critical" : "warning", { certificates: [cert(`leaf-${i}`).fingerprint], locations: [`file:/nodes/${node}/pki/leaf-${i}.crt`], node, impactAt: notAfter }));
}
const t0 = Date.now();
await store.recordObservation(observation(T0, certs, places, findings));
console.log(`recorded ${certs.length} certificates, ${findings.length} findings in ${Date.now() - t0} ms`);
const { app } = makeTestApp(store, { noAuth: true, now: T0 });
const server = await listen(app, { host: "127.0.0.1", port: 0 });
await measure(server.url, `${n} certificates`);
await server.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
