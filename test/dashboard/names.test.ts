/**
 * A certificate's names in the dashboard's detail view: an IDNA A-label is shown as the certificate holds it
 * (what Go compares and logs) with its Unicode form beside it; a confusable mix of scripts is not decoded.
 * The certificate is made by openssl in a temporary tree and scanned into a real SQLite store.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { launchBrowser, signIn, type Browser } from "../support/browser.js";
import { startDashboardServer, type DashboardServer } from "../support/dashboard-server.js";

describe("dashboard: internationalised DNS names (headless Chromium)", () => {
  let dir: string;
  let server: DashboardServer;
  let browser: Browser;
  let fingerprint: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "certdoctor-idna-"));
    const crt = join(dir, "ingress.crt");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "ingress.key"), "-out", crt, "-days", "3650", "-subj", "/CN=xn--bcher-kva.example", "-addext", "subjectAltName=DNS:xn--bcher-kva.example,DNS:xn--pypal-4ve.com,DNS:plain.example,IP:192.0.2.7"], { stdio: "ignore" });
    fingerprint = execFileSync("openssl", ["x509", "-in", crt, "-noout", "-fingerprint", "-sha256"]).toString().split("=")[1]!.trim().replace(/:/g, "").toLowerCase();
    server = await startDashboardServer({ paths: [dir], now: new Date() });
    browser = await launchBrowser(server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows xn--bcher-kva.example (bücher.example), leaves xn--pypal-4ve.com (Cyrillic а among Latin letters) alone", async () => {
    const w = await browser.page();
    const { page } = w;
    await signIn(page, `${server.url}/certificates/${fingerprint}`, server.token);
    const detail = page.locator("article.cert-detail");
    await detail.waitFor();
    const names = await detail.locator("dt", { hasText: /^Names$/ }).locator("xpath=following-sibling::dd[1]").innerText();
    assert.equal(names, "xn--bcher-kva.example (bücher.example), xn--pypal-4ve.com, plain.example, 192.0.2.7");
    await w.screenshot("certificate-idna-names");
    w.assertClean();
    await page.close();
  });
});
