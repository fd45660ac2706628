/**
 * The change timeline in headless Chromium: a copy of the demo cluster is scanned into a real SQLite
 * store; with the timeline open, edge-1's rootCA.crt is replaced by the new KubeEdge CA (what re-running
 * `keadm join` does) and "Rescan now" is pressed; the page picks up the new store generation and shows
 * the change on top, emphasised as a CA change, seen by the file rescan.
 */
import assert from "node:assert/strict";
import { copyFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { launchBrowser, signIn, until, type Browser } from "../support/browser.js";
import { startDashboardServer, type DashboardServer } from "../support/dashboard-server.js";
import { demoPath } from "../support/fixtures.js";

describe("dashboard timeline (headless Chromium, rescan of a changed file)", () => {
  let server: DashboardServer;
  let browser: Browser;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "certdoctor-dash-tl-"));
    cpSync(demoPath(), join(dir, "cluster"), { recursive: true, verbatimSymlinks: true });
    server = await startDashboardServer({ paths: [join(dir, "cluster")] });
    browser = await launchBrowser(server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows a file changed while the page is open after a rescan, newest first, as a CA change", async () => {
    const w = await browser.page();
    const { page } = w;
    await signIn(page, `${server.url}/timeline?ca=true`, server.token);
    const items = page.locator("ol.changes > li");
    await items.first().waitFor();
    const before = await items.count();
    assert.ok(before > 5, "the first scan's CAs appeared");
    assert.ok((await items.evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")))).every((k) => k === "appeared"));

    const rootCA = join(dir, "cluster", "edge-1", "etc", "kubeedge", "ca", "rootCA.crt");
    copyFileSync(join(dir, "cluster", "edge-2", "etc", "kubeedge", "ca", "rootCA.crt"), rootCA);
    await page.getByRole("button", { name: "Rescan now" }).click();
    await until("the change to appear on the open page", async () => (await items.first().getAttribute("data-kind")) === "changed");
    const top = await items.first().innerText();
    assert.match(top, /edge-1\/etc\/kubeedge\/ca\/rootCA\.crt/);
    assert.match(top, /CA/);
    assert.match(top, /was KubeEdge .* → now KubeEdge/);
    assert.match(top, /file rescan/);
    assert.equal(await items.first().evaluate((e) => e.classList.contains("change-ca")), true);
    await w.screenshot("timeline");
    w.assertClean();
    await page.close();
  });
});
