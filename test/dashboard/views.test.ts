/**
 * The dashboard's other views in headless Chromium over the demo cluster in a real SQLite store: the
 * trust graph draws and lists both KubeEdge CA variants with where each lives and what each signed;
 * clicking through opens the certificate's detail; the expiry overview sorts, and its chart filters;
 * nodes and namespaces list their findings. A screenshot of each view goes to test-output/screenshots.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { launchBrowser, signIn, until, type Browser } from "../support/browser.js";
import { startDashboardServer, type DashboardServer } from "../support/dashboard-server.js";

describe("dashboard views (headless Chromium, demo cluster)", () => {
  let server: DashboardServer;
  let browser: Browser;
  before(async () => {
    server = await startDashboardServer();
    browser = await launchBrowser(server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("trust graph: both KubeEdge CA variants side by side, where each lives, what each signed; a click opens one", async () => {
    const w = await browser.page();
    const { page } = w;
    await signIn(page, `${server.url}/trust-graph`, server.token);
    const edge = page.locator('section.variant[data-identity="kubeedge-ca"]');
    await edge.waitFor();
    const cards = edge.locator(".variant-card");
    assert.equal(await cards.count(), 2);
    const texts = await cards.allInnerTexts();
    const old = texts.find((t) => /edge-1\/etc\/kubeedge\/ca\/rootCA\.crt/.test(t));
    const fresh = texts.find((t) => /secret:kubeedge\/casecret#cadata/.test(t));
    assert.ok(old && fresh && old !== fresh, `one variant lives on edge-1, the other in the casecret Secret:\n${texts.join("\n---\n")}`);
    assert.match(old, /Signed 1: edge-1/);
    assert.match(fresh, /Signed \d+: .*cloudcore|Signed \d+: .*edge-2/i);
    assert.ok((await page.locator('[data-testid="trust-graph-canvas"] canvas').count()) > 0, "Cytoscape drew the graph");
    await w.screenshot("trust-graph");

    await cards.filter({ hasText: "edge-1/etc/kubeedge" }).locator("h4 a").click();
    await page.waitForURL(/\/certificates\/[0-9a-f]{64}$/);
    await page.getByRole("heading", { name: /KubeEdge/ }).first().waitFor();
    const detail = await page.locator("article.cert-detail").innerText();
    assert.match(detail, /Locations, past and present/);
    assert.match(detail, /edge-1\/etc\/kubeedge\/ca\/rootCA\.crt/);
    assert.match(detail, /Signed \(1\)/);
    assert.match(detail, /ca-divergence|chain-untrusted/);
    await w.screenshot("certificate-detail");
    await page.goBack();
    await page.locator('section.variant[data-identity="kubeedge-ca"]').waitFor();
    w.assertClean();
    await page.close();
  });

  it("certificates: time left against the server's clock, sortable, the chart filters to a window", async () => {
    const w = await browser.page();
    const { page } = w;
    await signIn(page, `${server.url}/certificates`, server.token);
    const rows = page.locator("table.certs-table tbody tr");
    await rows.first().waitFor();
    const total = await rows.count();
    assert.ok(total > 30, `${total} rows`);
    const texts = await rows.allInnerTexts();
    const admin = texts.findIndex((t) => /kubernetes-admin/.test(t));
    assert.match(texts[admin] ?? "", /\t4 d\t/, "4 days left at the demo's time");
    assert.equal(admin, 0, "soonest expiry first; backups hidden by default");
    assert.ok(texts.every((t) => !/backup/.test(t)));
    await w.screenshot("certificates");
    await page.getByRole("button", { name: /^Subject/ }).click();
    await page.waitForURL(/sort=subject&order=asc/);
    await page.locator("th[aria-sort=ascending]").filter({ hasText: "Subject" }).waitFor();
    await page.getByRole("link", { name: /expire in ≤ 7 days/ }).click();
    await page.waitForURL(/expiresWithin=7d/);
    await until("one certificate within 7 days", async () => (await rows.count()) === 1);
    assert.match(await rows.first().innerText(), /kubernetes-admin/);
    await page.getByRole("checkbox", { name: "Include backups" }).check();
    await page.waitForURL(/backups=true/);
    await until("the expired backups within the window too", async () => (await rows.count()) > 1);
    assert.ok((await rows.allInnerTexts()).filter((t) => !/kubernetes-admin/.test(t)).every((t) => /backup[\s\S]*expired/.test(t)));
    w.assertClean();
    await page.close();
  });

  it("nodes: worst first, and a node's page lists its findings and certificates", async () => {
    const w = await browser.page();
    const { page } = w;
    await signIn(page, `${server.url}/nodes`, server.token);
    const first = page.locator("tbody tr").first();
    await first.waitFor();
    assert.match(await first.innerText(), /k3s-server-1/);
    await w.screenshot("nodes");
    await page.getByRole("link", { name: "edge-1", exact: true }).click();
    await page.getByRole("heading", { name: "Node edge-1" }).waitFor();
    await page.locator("article.finding").first().waitFor();
    assert.ok((await page.locator("article.finding").count()) >= 2);
    assert.match(await page.locator("table.certs-table").innerText(), /edge-1/);
    await page.goto(`${server.url}/namespaces/kubeedge`);
    await page.getByRole("heading", { name: "Namespace kubeedge" }).waitFor();
    await page.locator("article.finding").first().waitFor();
    w.assertClean();
    await page.close();
  });
});
