/**
 * The dashboard's front door in real headless Chromium against the real app on loopback: the token
 * form refuses a wrong token and keeps none, takes the right one (sessionStorage, never the URL), the
 * page makes no request outside the server and breaks none of its CSP; `--no-auth` goes straight in.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { listen, type Listening } from "../../src/server/listen.js";
import { launchBrowser, type Browser } from "../support/browser.js";
import { makeTestApp, storeNotReached, TEST_TOKEN } from "../support/server.js";

/** Evaluated in the page (the main tsconfig has no DOM types). */
const STORED_TOKEN = `sessionStorage.getItem("certdoctor.token")`;

describe("dashboard login (headless Chromium)", () => {
  let server: Listening;
  let open: Listening;
  let browser: Browser;
  before(async () => {
    server = await listen(makeTestApp(storeNotReached()).app, { host: "127.0.0.1", port: 0 });
    open = await listen(makeTestApp(storeNotReached(), { noAuth: true }).app, { host: "127.0.0.1", port: 0 });
    browser = await launchBrowser(server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await open?.close();
  });

  it("refuses a wrong token, then signs in with the right one and keeps it out of the URL", async () => {
    // the store behind this app fails every read: after sign-in the page must say so, not stay blank
    const w = await browser.page({ expectConsole: [/status of 500/] });
    const { page } = w;
    await page.goto(`${server.url}/findings?severity=critical`);
    await page.getByLabel("API token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not accepted" }).waitFor();
    assert.equal(await page.evaluate(STORED_TOKEN), null);
    await w.screenshot("login-rejected");

    await page.getByLabel("API token").fill(TEST_TOKEN);
    await page.keyboard.press("Enter");
    await page.getByRole("navigation", { name: "Views" }).waitFor();
    assert.equal(await page.getByLabel("API token").count(), 0);
    assert.equal(await page.evaluate(STORED_TOKEN), TEST_TOKEN);
    assert.ok(!page.url().includes(TEST_TOKEN), page.url());
    assert.equal(new URL(page.url()).pathname, "/findings", "the deep link survives the sign-in");
    await page.getByRole("alert").filter({ hasText: "ERR_INTERNAL" }).first().waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API token").waitFor();
    assert.equal(await page.evaluate(STORED_TOKEN), null);
    w.assertClean();
    await page.close();
  });

  it("with --no-auth shows no login form", async () => {
    const b = await launchBrowser(open.url);
    try {
      const w = await b.page({ expectConsole: [/status of 500/] });
      await w.page.goto(`${open.url}/`);
      await w.page.getByRole("navigation", { name: "Views" }).waitFor();
      assert.equal(await w.page.getByLabel("API token").count(), 0);
      assert.equal(await w.page.getByRole("button", { name: "Sign out" }).count(), 0);
      w.assertClean();
    } finally {
      await b.close();
    }
  });
});
