/**
 * `npm start` ends in `certdoctor serve --demo`: this runs that command as a child process, reads the
 * URL it prints, and opens it in headless Chromium: no login, the demo's stories on the findings page,
 * the trust graph and the timeline there. SIGTERM ends it with exit 0.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { launchBrowser, type Browser } from "../support/browser.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));

describe("npm start (serve --demo) opens the dashboard on the demo cluster", () => {
  let child: ChildProcess;
  let url: string;
  let browser: Browser;
  before(async () => {
    child = spawn(process.execPath, ["bin/certdoctor.js", "serve", "--demo"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no Dashboard: line within 30 s\nstdout: ${out}\nstderr: ${err}`)), 30_000);
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /^Dashboard: (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once("exit", (code) => reject(new Error(`serve --demo exited ${code}\n${err}`)));
    });
    browser = await launchBrowser(url.replace(/\/$/, ""));
  });
  after(async () => {
    await browser?.close();
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("is what package.json's start script runs, after building what it needs", () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.start!, /^tsc -p tsconfig\.json && node web\/build-if-stale\.mjs && node bin\/certdoctor\.js serve --demo$/);
  });

  it("shows the stories, the trust graph and the timeline without a token", async () => {
    const w = await browser.page();
    const { page } = w;
    await page.goto(url);
    await page.getByRole("navigation", { name: "Views" }).waitFor();
    const cards = page.locator("article.finding");
    await cards.nth(16).waitFor();
    const rules = new Set(await cards.evaluateAll((els) => els.map((e) => e.getAttribute("data-rule"))));
    for (const r of ["cert-expiring", "key-mismatch", "kubelet-rotation-blocked", "ca-divergence", "chain-untrusted", "csr-pending"]) assert.ok(rules.has(r), r);
    await w.screenshot("npm-start-findings");
    await page.getByRole("link", { name: "Trust graph" }).click();
    await page.locator('section.variant[data-identity="kubeedge-ca"] .variant-card').nth(1).waitFor();
    await page.getByRole("link", { name: "Timeline" }).click();
    await page.locator("ol.changes > li").first().waitFor();
    w.assertClean();
    await page.close();
  });

  it("stops on SIGTERM with exit 0", async () => {
    const code = await new Promise<number | null>((resolve) => {
      child.once("exit", (c) => resolve(c));
      child.kill("SIGTERM");
    });
    assert.equal(code, 0);
  });
});

describe("README screenshot", () => {
  it("is the dashboard at 1280×800 (copied from test-output/screenshots/npm-start-findings.png)", () => {
    assert.match(readFileSync(`${root}README.md`, "utf8"), /!\[[^\]]+\]\(docs\/img\/dashboard\.png\)/);
    const png = readFileSync(`${root}docs/img/dashboard.png`);
    assert.equal(png.subarray(1, 4).toString(), "PNG");
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1280, 800]);
  });
});
