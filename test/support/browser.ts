/**
 * Real headless Chromium for the dashboard's end-to-end tests: Debian's /usr/bin/chromium driven by
 * playwright-core (never a downloaded browser), a fresh profile per launch, and a watch on every page:
 * a request to anywhere but the server under test, a Content-Security-Policy violation, an uncaught
 * error or a console error is recorded, and `assertClean()` fails the test on any of them.
 * Screenshots go to test-output/screenshots/ (one of them is the README's).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const SCREENSHOT_DIR = join(process.cwd(), "test-output", "screenshots");

export interface Browser {
  /** A new page watched for foreign requests, CSP violations and errors. */
  /** `expectConsole`: console errors the test provokes on purpose (e.g. a 500 it asserts is shown). */
  page(options?: { width?: number; height?: number; expectConsole?: RegExp[] }): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  /** Everything that went wrong on the page so far. */
  problems: string[];
  assertClean(): void;
  screenshot(name: string): Promise<string>;
}

export async function launchBrowser(origin: string): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium); .ci/run does`);
  const profile = mkdtempSync(join(tmpdir(), "certdoctor-chromium-"));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 800 },
    serviceWorkers: "block",
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  return {
    async page({ width = 1280, height = 800, expectConsole = [] } = {}) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height });
      const problems: string[] = [];
      page.on("request", (req) => {
        const url = req.url();
        if (!url.startsWith(origin + "/") && !url.startsWith("data:")) problems.push(`request outside the server: ${url}`);
      });
      page.on("pageerror", (err) => problems.push(`uncaught: ${err.message}`));
      page.on("console", (msg) => {
        // a 401 the app answers with the login form is expected; Chromium logs it as a failed resource
        if (msg.type() === "error" && ![/status of 401/, ...expectConsole].some((re) => re.test(msg.text()))) problems.push(`console error: ${msg.text()}`);
      });
      await page.addInitScript({ content: `document.addEventListener("securitypolicyviolation", (e) => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI));` });
      return {
        page,
        problems,
        assertClean: () => assert.deepEqual(problems, [], "the page made foreign requests, broke its CSP or logged errors"),
        async screenshot(name) {
          mkdirSync(SCREENSHOT_DIR, { recursive: true });
          const path = join(SCREENSHOT_DIR, `${name}.png`);
          await page.screenshot({ path, fullPage: false });
          return path;
        },
      };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens `url` and signs in through the dashboard's token form. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Views" }).waitFor();
}

/**
 * Polls `check` from the test side until it holds (page.waitForFunction would eval a string inside the
 * page, which the dashboard's CSP rightly refuses).
 */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
