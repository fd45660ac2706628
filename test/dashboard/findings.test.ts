/**
 * The findings page in headless Chromium over the demo cluster recorded in a real SQLite store: the six
 * stories are there, worst and soonest-breaking first; each card carries its explanation, locations and
 * a fix that the copy button puts on the clipboard verbatim; filters and the compact view work and live
 * in the URL; the page fits a narrow screen and starts with a skip link for the keyboard.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { FindingPage } from "../../src/store/types.js";
import { launchBrowser, signIn, until, type Browser } from "../support/browser.js";
import { startDashboardServer, type DashboardServer } from "../support/dashboard-server.js";

const STORY_RULES = ["cert-expiring", "key-mismatch", "kubelet-rotation-blocked", "ca-divergence", "chain-untrusted", "csr-pending"];

describe("dashboard findings (headless Chromium, demo cluster)", () => {
  let server: DashboardServer;
  let browser: Browser;
  let api: FindingPage;
  before(async () => {
    server = await startDashboardServer();
    browser = await launchBrowser(server.url);
    api = (await (await fetch(`${server.url}/api/v1/findings`, { headers: { authorization: `Bearer ${server.token}` } })).json()) as FindingPage;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows the demo's stories worst and soonest-breaking first, each with explanation, places and fix", async () => {
    const w = await browser.page();
    const { page } = w;
    await signIn(page, `${server.url}/`, server.token);
    const cards = page.locator("article.finding");
    await cards.first().waitFor();
    assert.equal(await cards.count(), api.total);
    const rows = await cards.evaluateAll((els) =>
      els.map((el) => ({ rule: el.getAttribute("data-rule"), sev: el.querySelector(".sev")?.textContent?.trim(), impact: el.querySelector(".impact")?.textContent ?? "", title: el.querySelector("h2")?.textContent ?? "" })),
    );
    for (const rule of STORY_RULES) assert.ok(rows.some((r) => r.rule === rule), `story rule ${rule} is on the page`);
    const adminAt = rows.findIndex((r) => r.rule === "cert-expiring" && /kubernetes-admin/.test(r.title));
    const rotationAt = rows.findIndex((r) => r.rule === "kubelet-rotation-blocked");
    const warningAt = rows.findIndex((r) => /Warning/.test(r.sev ?? ""));
    const brokenNow = rows.map((r, i) => (r.impact === "broken now" ? i : -1)).filter((i) => i >= 0);
    assert.ok(brokenNow.length >= 10, "the trust, divergence, key and CSR stories are broken now");
    assert.ok(Math.max(...brokenNow) < adminAt, "what is broken now comes before what breaks in 4 days");
    assert.match(rows[adminAt]!.impact, /^breaks in 4 d/);
    assert.ok(adminAt < rotationAt && rotationAt < warningAt && warningAt === rows.length - 1, JSON.stringify(rows.map((r) => r.rule)));

    const keyCard = page.locator('article[data-rule="key-mismatch"]');
    assert.match(await keyCard.locator(".locations").innerText(), /front-proxy-client\.crt/);
    await keyCard.getByText("Why it matters").click();
    assert.ok((await keyCard.locator(".md").innerText()).length > 40, "the rule's explanation is shown");
    await keyCard.getByRole("button", { name: "Copy fix" }).click();
    await keyCard.getByRole("button", { name: "Copied" }).waitFor();
    const fix = api.items.find((f) => f.rule === "key-mismatch")!.remediation;
    assert.equal(await page.evaluate("navigator.clipboard.readText()"), fix);
    await w.screenshot("findings");
    w.assertClean();
    await page.close();
  });

  it("filters by severity and rule, in the URL, and gives one line per finding to paste", async () => {
    const w = await browser.page();
    const { page } = w;
    await signIn(page, `${server.url}/findings`, server.token);
    await page.locator("article.finding").first().waitFor();
    await page.getByRole("checkbox", { name: /Warning/ }).check();
    await page.waitForURL(/severity=warning/);
    await until("one warning card", async () => (await page.locator("article.finding").count()) === 1);
    await page.getByRole("checkbox", { name: /Warning/ }).uncheck();
    await page.getByLabel("Rule").selectOption("ca-divergence");
    await page.waitForURL(/rule=ca-divergence/);
    await until("the six ca-divergence cards", async () => {
      const rules = await page.locator("article.finding").evaluateAll((els) => els.map((el) => el.getAttribute("data-rule")));
      return rules.length === 6 && rules.every((r) => r === "ca-divergence");
    });
    await page.getByLabel("Rule").selectOption("");

    await page.getByRole("radio", { name: "Compact" }).check();
    await page.waitForURL(/view=compact/);
    const text = await page.getByLabel(/One line per finding/).inputValue();
    const lines = text.split("\n");
    assert.equal(lines.length, api.total);
    assert.match(lines[0]!, /^\[CRITICAL\] \S+ — .+ — broken now — \S+:/);
    assert.ok(lines.some((l) => /^\[WARNING\] cert-expiring — .*breaks in 19 d/.test(l)), text);
    await w.screenshot("findings-compact");

    // a deep link with filters opens the same view
    await page.goto(`${server.url}/findings?rule=csr-pending`);
    await page.locator("article.finding").first().waitFor();
    assert.equal(await page.locator("article.finding").count(), 1);
    assert.match(await page.locator("article.finding").innerText(), /csr-t7q9w/);
    w.assertClean();
    await page.close();
  });

  it("fits a narrow screen and starts with a skip link", async () => {
    const w = await browser.page({ width: 390, height: 844 });
    const { page } = w;
    await signIn(page, `${server.url}/findings`, server.token);
    await page.locator("article.finding").first().waitFor();
    const overflow = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
    assert.ok((overflow as number) <= 0, `the page scrolls sideways by ${overflow}px at 390px wide`);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate("document.activeElement.textContent"), "Skip to content");
    await w.screenshot("findings-narrow");
    w.assertClean();
    await page.close();
  });
});
